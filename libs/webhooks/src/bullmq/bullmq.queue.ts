import type { Job, Queue } from 'bullmq';
import { createHash, randomUUID } from 'node:crypto';
import type { QueuedWebhookDelivery, WebhookEnqueueResult, WebhookQueue } from '../webhooks.queue.js';
import { withTimeout } from '../webhooks.limits.js';
import type { ResolvedWebhooksBullmqOptions } from './bullmq.options.js';

/**
 * A delivery's job id: one per idempotency key, so BullMQ itself refuses a second job for a
 * delivery still known to the queue (two instances, a sender's retry). Hashed: keys hold `:`,
 * which BullMQ does not allow in custom ids, and may be long.
 */
export const jobIdOf = (idempotencyKey: string): string =>
  `wh-${createHash('sha256').update(idempotencyKey).digest('hex')}`;

/** Where a delivery stands in the queue, for the API and the CLI. */
export type QueuedDeliveryState = 'queued' | 'processing' | 'processed' | 'retrying' | 'dead';

/** How many jobs the queue holds in each state (`BullmqWebhookQueue.counts`), for metrics and operators. */
export interface QueueJobCounts {
  /** Waiting for a worker, those of a paused queue included. */
  readonly waiting: number;
  /** Being run by a worker now. */
  readonly active: number;
  /** Waiting for their backoff before another attempt (or a delay). */
  readonly delayed: number;
  /** Waiting behind a priority (jobs added to the queue by other means than the library). */
  readonly prioritized: number;
  /** Waiting for child jobs (BullMQ flows, likewise not the library's own). */
  readonly waitingChildren: number;
  /** Dead letters: every attempt failed, kept until replayed or removed. */
  readonly dead: number;
  /** Processed and still kept (`keepProcessed`). */
  readonly processed: number;
}

// BullMQ's names for the states above; asking for `waiting` brings `paused` along.
const COUNTED_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'failed',
  'completed',
] as const;

/**
 * `WebhookQueue` on BullMQ: one job per delivery, its id derived from the idempotency key, retried
 * with backoff, failed jobs kept as the dead letters (everything needed to run them again is in
 * the job).
 */
export class BullmqWebhookQueue implements WebhookQueue {
  constructor(
    private readonly options: ResolvedWebhooksBullmqOptions,
    /** The registered BullMQ queue (`@InjectQueue(queueName)` reaches it too). */
    readonly queue: Queue,
  ) {}

  // The job is named after the delivery that made it: `add` with a known id leaves the job as it
  // was and says nothing, so reading the name back tells a first copy from a duplicate, even for
  // two copies racing through two instances (one job, one "queued").
  async enqueue(delivery: QueuedWebhookDelivery): Promise<WebhookEnqueueResult> {
    const jobId = jobIdOf(delivery.idempotencyKey);
    await this.queue.add(delivery.id, delivery, { jobId, ...this.jobOptions() });
    const client = await this.queue.client;
    const maker = await client.hget(this.queue.toKey(jobId), 'name');
    return maker === delivery.id ? 'queued' : 'duplicate';
  }

  /**
   * Runs a delivery's handlers again, on purpose: a new job with the stored delivery, marked as a
   * replay of it. De-duplication is bypassed for this job alone (a processed delivery runs again; a
   * dead one is claimed as usual and marked processed when it succeeds). The replay's delivery id,
   * or undefined when the queue no longer holds the delivery.
   */
  async replay(idempotencyKey: string): Promise<string | undefined> {
    return withTimeout(this.replayNow(idempotencyKey), this.options.commandTimeoutMs, 'the queue');
  }

  private async replayNow(idempotencyKey: string): Promise<string | undefined> {
    const job = (await this.queue.getJob(jobIdOf(idempotencyKey))) as Job<QueuedWebhookDelivery> | undefined;
    if (job === undefined) return undefined;
    const id = randomUUID();
    const replay: QueuedWebhookDelivery = { ...job.data, id, replayOf: job.data.id };
    await this.queue.add(id, replay, { jobId: `replay-${id}`, ...this.jobOptions() });
    return id;
  }

  /** Where the delivery with this key stands, or undefined when the queue no longer holds it. */
  async stateOf(idempotencyKey: string): Promise<QueuedDeliveryState | undefined> {
    const job = await withTimeout(
      this.queue.getJob(jobIdOf(idempotencyKey)),
      this.options.commandTimeoutMs,
      'the queue',
    );
    if (job === undefined) return undefined;
    const state = await withTimeout(job.getState(), this.options.commandTimeoutMs, 'the queue');
    if (state === 'completed') return 'processed';
    if (state === 'failed') return 'dead';
    if (state === 'active') return 'processing';
    return job.attemptsMade > 0 ? 'retrying' : 'queued';
  }

  /**
   * How many jobs the queue holds in each state: its depth (waiting, active, delayed, prioritized,
   * waiting for children) and its dead letters. One Redis round trip (BullMQ reads every count in
   * one script), bounded by `commandTimeoutMs` (default 5 s): rejects with a WebhookTimeoutError
   * naming the queue when Redis does not answer in time.
   */
  async counts(): Promise<QueueJobCounts> {
    const counts = await withTimeout(
      this.queue.getJobCounts(...COUNTED_STATES),
      this.options.commandTimeoutMs,
      'the queue',
    );
    // A paused queue's jobs are listed apart; they wait for a worker all the same.
    const of = (state: string) => counts[state] ?? 0;
    return {
      waiting: of('waiting') + of('paused'),
      active: of('active'),
      delayed: of('delayed'),
      prioritized: of('prioritized'),
      waitingChildren: of('waiting-children'),
      dead: of('failed'),
      processed: of('completed'),
    };
  }

  /** Dead deliveries (every attempt failed), newest first. */
  async dead(start = 0, end = 99): Promise<QueuedWebhookDelivery[]> {
    const jobs = (await withTimeout(
      this.queue.getFailed(start, end),
      this.options.commandTimeoutMs,
      'the queue',
    )) as Job<QueuedWebhookDelivery>[];
    return jobs.map((job) => job.data);
  }

  private jobOptions() {
    const { attempts, backoff, keepProcessed } = this.options;
    // Failed jobs are kept: they are the dead letters, until replayed or removed on purpose.
    return { attempts, backoff, removeOnComplete: keepProcessed, removeOnFail: false };
  }
}
