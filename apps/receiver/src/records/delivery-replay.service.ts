import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  Optional,
  ServiceUnavailableException,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { WebhooksService, type QueuedWebhookDelivery } from 'nestjs-webhooks';
import { BullmqWebhookQueue } from 'nestjs-webhooks/bullmq';
import { RecordsRepository, type DeliveryState, type StoredDelivery } from '../database/index.js';
import { receiverSender } from '../senders/index.js';

/** What `POST /api/deliveries/:id/replay` answers (202). */
export interface ReplayStarted {
  /** The replay's own delivery id: its row in the log. */
  id: string;
  /** The delivery replayed. */
  replayOf: string;
  /** `queued` when a worker will run it; `processed` or `dead` when it ran here, from the log. */
  state: Extract<DeliveryState, 'queued' | 'processed' | 'dead'>;
}

type Replayable = StoredDelivery & { rawBody: Buffer; idempotencyKey: string; event: string };

/**
 * Runs a verified delivery's handlers once more, on purpose. From the queue when it still holds
 * the delivery (queue mode: a worker runs it, with the queue's retries); otherwise from the
 * delivery log, here and now, once: the log keeps the exact body, its event, its key and its
 * headers as handlers saw them (credentials redacted). Rows logged before headers were kept
 * (migration 0005) replay too, unless their sender's handler reads headers.
 */
@Injectable()
export class DeliveryReplayService {
  private readonly logger = new Logger('Replay');

  constructor(
    private readonly records: RecordsRepository,
    private readonly webhooks: WebhooksService,
    @Optional() @Inject(BullmqWebhookQueue) private readonly queue?: BullmqWebhookQueue,
  ) {}

  async replay(id: string): Promise<ReplayStarted> {
    const row = await this.records.findDelivery(id);
    if (row === undefined) throw new NotFoundException(`No delivery ${id}`);
    if (!isReplayable(row)) {
      throw new ConflictException(
        `Delivery ${id} was rejected (${row.reason ?? 'not verified'}): only verified deliveries can be replayed`,
      );
    }
    if (this.queue !== undefined) {
      let replayId: string | undefined;
      try {
        replayId = await this.queue.replay(row.idempotencyKey);
      } catch (error) {
        this.logger.warn(`The queue could not replay delivery ${id}: ${(error as Error).message}`);
        throw new ServiceUnavailableException('The queue is unreachable; retry later');
      }
      if (replayId !== undefined) {
        await this.records.logReplay(replayRow(row, replayId));
        return { id: replayId, replayOf: row.id, state: 'queued' };
      }
    }
    return this.fromLog(row);
  }

  private async fromLog(row: Replayable): Promise<ReplayStarted> {
    const needed = receiverSender(row.sender)?.headers;
    if (row.headers === null && needed?.length) {
      const where =
        this.queue === undefined ? 'from the delivery log' : 'now that the queue no longer holds it';
      throw new ConflictException(
        `Delivery ${row.id} cannot be replayed ${where}: ${row.sender}'s handler reads ` +
          `${needed.join(', ')}, request headers this row of the log, older than their keeping, lacks`,
      );
    }
    const replayId = randomUUID();
    await this.records.logReplay(replayRow(row, replayId));
    const delivery: QueuedWebhookDelivery = {
      id: replayId,
      sender: row.sender,
      // The original time: a record that a later delivery has since updated is not taken back.
      receivedAt: row.receivedAt.toISOString(),
      ...(row.tenant === null ? {} : { tenant: row.tenant }),
      rawBody: row.rawBody.toString('base64'),
      headers: row.headers ?? {},
      event: row.event,
      type: row.event.slice(row.sender.length + 1),
      idempotencyKey: row.idempotencyKey,
      replayOf: row.id,
    };
    try {
      // One attempt: its outcome (processed or dead) updates the replay's row like a worker's. A
      // sender switched off since is dead too, its reason in the error log.
      await this.webhooks.handleQueued(delivery, { attempt: 1, attempts: 1 });
      return { id: replayId, replayOf: row.id, state: 'processed' };
    } catch (error) {
      this.logger.warn(`Replay ${replayId} of delivery ${row.id} failed: ${(error as Error).message}`);
      return { id: replayId, replayOf: row.id, state: 'dead' };
    }
  }
}

function isReplayable(row: StoredDelivery): row is Replayable {
  return row.state !== 'rejected' && !!row.rawBody && !!row.idempotencyKey && !!row.event;
}

function replayRow(row: Replayable, id: string) {
  return {
    id,
    sender: row.sender,
    event: row.event,
    statusCode: 202,
    idempotencyKey: row.idempotencyKey,
    duplicate: false,
    receivedAt: new Date(),
    durationMs: 0,
    rawBody: row.rawBody,
    headers: row.headers,
    tenant: row.tenant,
    state: 'queued' as const,
    replayOf: row.id,
  };
}
