/**
 * A verified, validated delivery as it waits for a worker: everything a worker in any process
 * needs to run the handlers as the request path would have, and nothing a log must not hold
 * (credential headers are already redacted). JSON-safe, so any queue can carry it.
 */
export interface QueuedWebhookDelivery {
  /** The delivery's id (unique per HTTP delivery, as `WebhookEvent.id`). */
  readonly id: string;
  readonly sender: string;
  readonly tenant?: string;
  /** ISO 8601. */
  readonly receivedAt: string;
  /** The exact bytes that were verified, base64. */
  readonly rawBody: string;
  /** Request headers, credentials redacted. */
  readonly headers: Readonly<Record<string, string>>;
  /** Full event name (`inkit.DOCUMENT_CREATE_FINISHED`) and the sender's type. */
  readonly event: string;
  readonly type: string;
  readonly idempotencyKey: string;
  /** The event named by the path, for a sender whose events come from the route. */
  readonly routeEvent?: string;
  /**
   * Set on a replay, asked for on purpose: the handlers run again whatever the idempotency store
   * says, and the outcome says `replay`. The id of the delivery replayed.
   */
  readonly replayOf?: string;
}

/** What `enqueue` did: queued it, or found the same delivery (same idempotency key) already queued. */
export type WebhookEnqueueResult = 'queued' | 'duplicate';

/**
 * Where verified deliveries wait for workers in `processing: 'queue'` mode. `enqueue` resolves only
 * once the queue holds the delivery durably (a 200 is answered then), and must treat a second
 * delivery with the same idempotency key, while the first is still known to the queue, as a
 * duplicate. The BullMQ implementation is `nestjs-webhooks/bullmq`.
 */
export interface WebhookQueue {
  enqueue(delivery: QueuedWebhookDelivery): Promise<WebhookEnqueueResult>;
}

/** Injection token for the queue (same name as the interface, as WebhookIdempotencyStore). */
export const WebhookQueue = Symbol('WebhookQueue');

/** How a worker's attempt at a queued delivery ended, for the queue to act on. */
export type WebhookHandledResult = 'processed' | 'duplicate' | 'replayed';
