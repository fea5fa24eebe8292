import { Injectable } from '@nestjs/common';
import { OnWebhookOutcome, type WebhookDeliveryOutcome } from 'nestjs-webhooks';
import {
  RecordsRepository,
  type DeliveryAttemptEntry,
  type DeliveryLogEntry,
  type DeliveryState,
} from '../database/index.js';

/**
 * Keeps the delivery log. A reply is logged as a row of its own: each delivery that did not
 * produce a record inline (rejected, duplicate, failed) and, in queue mode, each delivery the queue
 * took (queued). A worker's outcome brings the row of the delivery it ran up to date, through the
 * database, since the worker may be another process. A handler that files a record writes (or
 * updates) the row itself, in the same transaction as the record.
 */
@Injectable()
export class DeliveryLogListener {
  constructor(private readonly records: RecordsRepository) {}

  @OnWebhookOutcome('queued')
  @OnWebhookOutcome('duplicate')
  @OnWebhookOutcome('rejected')
  @OnWebhookOutcome('failed')
  log(outcome: WebhookDeliveryOutcome): Promise<void> {
    // A worker's duplicate (its key was processed before it ran) is about a delivery already logged.
    if (outcome.attempt !== undefined) return this.progress(outcome);
    return this.records.logDelivery(entryOf(outcome));
  }

  @OnWebhookOutcome('processed')
  @OnWebhookOutcome('retrying')
  @OnWebhookOutcome('dead')
  progress(outcome: WebhookDeliveryOutcome): Promise<void> {
    return this.records.updateDelivery(entryOf(outcome), attemptOf(outcome));
  }
}

/** A worker's attempt, for the delivery's history (the log row keeps only where it stands now). */
function attemptOf(outcome: WebhookDeliveryOutcome): DeliveryAttemptEntry | undefined {
  if (outcome.attempt === undefined) return undefined;
  return {
    deliveryId: outcome.deliveryId,
    attempt: outcome.attempt,
    attempts: outcome.attempts ?? outcome.attempt,
    state: stateOf(outcome),
    reason: outcome.reason ?? null,
    at: new Date(),
    durationMs: outcome.durationMs,
  };
}

const stateOf = (outcome: WebhookDeliveryOutcome): DeliveryState =>
  outcome.outcome === 'accepted' ? 'processed' : outcome.outcome;

function entryOf(outcome: WebhookDeliveryOutcome): DeliveryLogEntry {
  const worker = outcome.attempt !== undefined;
  return {
    id: outcome.deliveryId,
    sender: outcome.sender,
    event: outcome.event ?? null,
    // The row says what the sender (or, for a replay, the API) was answered; a worker's attempt
    // answers nobody, and its row is only written here when the request's own write is late.
    statusCode: worker ? (outcome.replayOf ? 202 : 200) : outcome.status,
    reason: outcome.reason ?? null,
    idempotencyKey: outcome.idempotencyKey ?? null,
    duplicate: outcome.outcome === 'duplicate',
    receivedAt: outcome.receivedAt,
    durationMs: outcome.durationMs,
    // Only verified bytes are worth keeping (to inspect and replay); forged ones are not.
    rawBody: outcome.rawBody ?? null,
    state: stateOf(outcome),
    replayOf: outcome.replayOf ?? null,
    headers: outcome.headers ?? null,
    tenant: outcome.tenant ?? null,
  };
}
