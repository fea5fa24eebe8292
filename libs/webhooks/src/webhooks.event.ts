import type { BuiltInWebhookSenders } from './senders/index.js';
import type { WebhookSender } from './webhooks.sender.js';

/** What an `@OnWebhook` handler receives. */
export interface WebhookEvent<Payload = unknown> {
  /** Unique per HTTP delivery (a retry gets a new one). */
  readonly id: string;
  /** The sender's id, as in its route: `inkit`. */
  readonly sender: string;
  /** The tenant whose credentials verified it, for a sender configured per tenant. */
  readonly tenant?: string;
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

/**
 * The senders that `@OnWebhook` names are checked against: the built-ins, and yours once added
 * here, so that your handlers are typed from your definition as the built-ins' are:
 *
 * ```ts
 * declare module 'nestjs-webhooks' {
 *   interface WebhookSenderRegistry { acme: typeof acmeSender }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WebhookSenderRegistry extends BuiltInWebhookSenders {}

/** The id of every sender `@OnWebhook` knows. */
export type WebhookSenderId = keyof WebhookSenderRegistry & string;

// Every other parameter `any`: the payload is also a parameter type (of `eventType`, a function
// property, checked contravariantly), so matching a definition against `object` there fails and
// would turn every name into `never`.
type PayloadOf<S> = S extends WebhookSender<any, any, infer Payload, any, any> ? Payload : never;
type TypeOf<S> = S extends WebhookSender<any, any, any, infer Type, any> ? Type : never;

/** Every documented event name: `inkit.DOCUMENT_CREATE_FINISHED`; `<id>.${string}` for a sender without a list. */
export type WebhookEventName = {
  [Id in WebhookSenderId]: `${Id}.${TypeOf<WebhookSenderRegistry[Id]>}`;
}[WebhookSenderId];

/**
 * What `@OnWebhook` takes: a documented name, one level of a sender's events (`inkit.*`), all of
 * them at any depth (`stripe.**`), one type of every sender (`*.CASE_VALIDATED`), or everything
 * (`**`). Senders without a documented list (GitHub, Stripe) take any name under their id, so
 * `github.issues.*` (every action of `issues`) and `stripe.payment_intent.*` are names too.
 */
export type WebhookEventPattern =
  WebhookEventName | `${WebhookSenderId}.*` | `${WebhookSenderId}.**` | `*.${string}` | '**';

/** The payload a handler of `Pattern` receives: its sender's DTO, or any sender's for a pattern across senders. */
export type WebhookPayloadFor<Pattern extends string> = Pattern extends `${infer Id}.${string}`
  ? Id extends WebhookSenderId
    ? PayloadOf<WebhookSenderRegistry[Id]>
    : PayloadOf<WebhookSenderRegistry[WebhookSenderId]>
  : PayloadOf<WebhookSenderRegistry[WebhookSenderId]>;

/** The event a handler of `Pattern` receives: `WebhookEventFor<'inkit.DOCUMENT_CREATE_FINISHED'>`. */
export type WebhookEventFor<Pattern extends string> = WebhookEvent<WebhookPayloadFor<Pattern>>;

/**
 * - `accepted`, `duplicate`, `rejected`, `failed`: the reply to a delivery (inline mode; in queue
 *   mode `duplicate` and `rejected` too).
 * - `queued`: queue mode's reply, 200 once the queue holds it.
 * - `processed`, `retrying`, `dead`: a worker's attempt at a queued delivery: handlers done; a handler
 *   failed and the queue will try again; the last attempt failed (kept for a replay).
 */
export type WebhookOutcomeKind =
  'accepted' | 'duplicate' | 'rejected' | 'failed' | 'queued' | 'processed' | 'retrying' | 'dead';

/**
 * Why a delivery was not accepted. The scheme reasons (`missing` … `unavailable`) come from
 * verification; the others from the pipeline after it.
 */
export type WebhookOutcomeReason =
  | 'missing'
  | 'malformed'
  | 'mismatch'
  | 'unsupported'
  | 'timestamp'
  | 'unavailable'
  | 'invalid-body'
  | 'invalid-payload'
  | 'too-large'
  | 'unsupported-encoding'
  | 'in-flight'
  | 'handler-error'
  | 'store-unavailable'
  | 'queue-unavailable';

/** Emitted for every delivery as `webhooks.delivery.<outcome>`, after the outcome is known. */
export interface WebhookDeliveryOutcome {
  readonly deliveryId: string;
  /** The sender's id, as in its route. */
  readonly sender: string;
  /** The tenant segment of the route, for a sender configured per tenant. */
  readonly tenant?: string;
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
  /**
   * The request's headers, credentials and signatures redacted (as handlers see them), for every
   * delivery whose headers were read: absent only when it was refused before (too large).
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** A worker's attempt (queue mode): which one, counting from 1, of how many. */
  readonly attempt?: number;
  readonly attempts?: number;
  /** Set when the handlers ran again on purpose: the id of the delivery replayed. */
  readonly replayOf?: string;
}
