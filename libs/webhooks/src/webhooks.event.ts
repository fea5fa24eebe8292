import type { WebhookProvider } from './webhooks.constants.js';

/** What an `@OnWebhook` handler receives. */
export interface WebhookEvent<Payload = unknown> {
  /** Unique per HTTP delivery (a retry gets a new one). */
  readonly id: string;
  readonly provider: WebhookProvider;
  /** Full name: `inkit.DOCUMENT_CREATE_FINISHED`. */
  readonly name: string;
  /** The sender's event type: `DOCUMENT_CREATE_FINISHED`. */
  readonly type: string;
  /** Validated payload, an instance of the sender's DTO; fields the vendor adds later are kept. */
  readonly payload: Payload;
  /** Same for every retry of one delivery. */
  readonly idempotencyKey: string;
  readonly receivedAt: Date;
  /** Request headers with credentials and signatures redacted. */
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes that were verified. */
  readonly rawBody: Buffer;
}

export type WebhookOutcomeKind = 'accepted' | 'duplicate' | 'rejected' | 'failed';

/**
 * Why a delivery was not accepted. The scheme reasons (`missing` … `unavailable`) come from
 * verification; the others from the pipeline after it.
 */
export type WebhookOutcomeReason =
  | 'missing'
  | 'malformed'
  | 'mismatch'
  | 'unsupported'
  | 'unavailable'
  | 'invalid-body'
  | 'invalid-payload'
  | 'too-large'
  | 'unsupported-encoding'
  | 'in-flight'
  | 'handler-error'
  | 'store-unavailable';

/** Emitted for every delivery as `webhooks.delivery.<outcome>`, after the outcome is known. */
export interface WebhookDeliveryOutcome {
  readonly deliveryId: string;
  readonly provider: WebhookProvider;
  readonly outcome: WebhookOutcomeKind;
  /** The HTTP status answered. */
  readonly status: number;
  readonly reason?: WebhookOutcomeReason;
  /** Safe to show: no secret or expected value. */
  readonly message?: string;
  /** Event name, once the payload was read. */
  readonly event?: string;
  readonly idempotencyKey?: string;
  readonly receivedAt: Date;
  readonly durationMs: number;
  /** Present for verified deliveries only: forged bytes are not worth keeping. */
  readonly rawBody?: Buffer;
}
