/** Handlers live under their own root so that `@OnWebhook('**')` never sees the app's other events. */
export const WEBHOOK_EVENT_ROOT = 'webhooks.event';
/** Outcome events: `webhooks.delivery.accepted` and so on. */
export const WEBHOOK_OUTCOME_ROOT = 'webhooks.delivery';

export const WEBHOOK_HANDLER_METADATA = 'nestjs-webhooks:handler';

/** Where the guard leaves the verified delivery, for the route and for users' own handlers. */
export const WEBHOOK_DELIVERY = Symbol.for('nestjs-webhooks:delivery');
/** Where the raw-body capture leaves the exact bytes received. Same name Nest uses with `rawBody: true`. */
export const RAW_BODY_PROPERTY = 'rawBody';

export const DEFAULT_PREFIX = 'webhooks';
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** Queue mode: how long the request path waits for the queue to take a delivery before a 500. */
export const DEFAULT_QUEUE_TIMEOUT_MS = 5 * 1000;
export const DEFAULT_IDEMPOTENCY = {
  /** How long a processed delivery is remembered, so a retry within it is answered without side effects. */
  ttlMs: 24 * 60 * 60 * 1000,
  /** How long an in-flight claim holds before a crashed instance's delivery may be taken by a retry. */
  leaseMs: 60 * 1000,
  /** Bound on the in-memory store, so a flood of unique deliveries cannot grow memory without limit. */
  maxEntries: 10_000,
} as const;

/**
 * HTTP's own credential headers (RFC 9110 §11.6, RFC 6265), redacted whoever sent them; each
 * sender adds the headers its credentials travel in (`credentialHeaders` of its definition).
 */
export const HTTP_CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie'];
export const REDACTED = '[redacted]';
