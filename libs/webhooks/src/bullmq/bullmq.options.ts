import type { ConnectionOptions } from 'bullmq';

export interface WebhooksBullmqOptions {
  /** The BullMQ queue's name; every API and worker instance of one app must agree. Default `webhooks`. */
  queueName?: string;
  /**
   * Run a worker in this process. `false` for an instance that only answers senders (its
   * deliveries wait for workers elsewhere). Default `true`.
   */
  worker?: boolean;
  /** Deliveries one worker runs at once. Default 10. */
  concurrency?: number;
  /** Attempts at each delivery, the first included, before it is dead. Default 10. */
  attempts?: number;
  /** Wait before attempt n+1: exponential (`delay` · 2^(n-1)) or fixed, in ms. Default exponential from 1 s. */
  backoff?: { type: 'exponential' | 'fixed'; delay: number };
  /**
   * The queue's Redis connection, when it is not the one of `BullModule.forRoot` (`@nestjs/bullmq`'s
   * own convention, which this module follows otherwise). Use a Redis with AOF on: a 200 means Redis
   * holds the delivery, and only a persisted Redis keeps it through a restart.
   */
  connection?: ConnectionOptions;
  /** Processed deliveries kept in the queue, for inspection and replay: seconds, count. Default 24 h, 10,000. */
  keepProcessed?: { age: number; count: number };
  /**
   * How long a worker's hold on a delivery lasts without renewal (ms): a worker that died (kill -9,
   * a lost host) gives its deliveries back to the queue once it lapses. BullMQ's default, 30 s.
   */
  lockDurationMs?: number;
  /** How often workers look for such deliveries (ms). BullMQ's default, 30 s. */
  stalledIntervalMs?: number;
  /** Longest wait for Redis in `replay`, `stateOf`, `dead` and `counts` (ms). Default 5 s. */
  commandTimeoutMs?: number;
}

export interface ResolvedWebhooksBullmqOptions {
  readonly queueName: string;
  readonly worker: boolean;
  readonly concurrency: number;
  readonly attempts: number;
  readonly backoff: { readonly type: 'exponential' | 'fixed'; readonly delay: number };
  readonly connection?: ConnectionOptions;
  readonly keepProcessed: { readonly age: number; readonly count: number };
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly commandTimeoutMs: number;
}

export const WEBHOOKS_BULLMQ_OPTIONS = Symbol('WEBHOOKS_BULLMQ_OPTIONS');
