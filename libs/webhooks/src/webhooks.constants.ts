export const WEBHOOK_PROVIDERS = ['oxskyt', 'inkit', 'ovcode', 'certificall', 'illow'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

/** Handlers live under their own root so that `@OnWebhook('**')` never sees the app's other events. */
export const WEBHOOK_EVENT_ROOT = 'webhooks.event';
/** Outcome events: `webhooks.delivery.accepted` and so on. */
export const WEBHOOK_OUTCOME_ROOT = 'webhooks.delivery';

export const WEBHOOK_HANDLER_METADATA = 'nestjs-webhooks:handler';

/** Where the guard leaves what it learned on the request, for the controller and for users' handlers. */
export const WEBHOOK_REQUEST_STATE = Symbol.for('nestjs-webhooks:state');
/** Where the raw-body capture leaves the exact bytes received. Same name Nest uses with `rawBody: true`. */
export const RAW_BODY_PROPERTY = 'rawBody';

export const DEFAULT_PREFIX = 'webhooks';
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_IDEMPOTENCY = {
  /** How long a processed delivery is remembered, so a retry within it is answered without side effects. */
  ttlMs: 24 * 60 * 60 * 1000,
  /** How long an in-flight claim holds before a crashed instance's delivery may be taken by a retry. */
  leaseMs: 60 * 1000,
  /** Bound on the in-memory store, so a flood of unique deliveries cannot grow memory without limit. */
  maxEntries: 10_000,
  /**
   * The window of events that truly happen again under one key (Inkit's access events: a PDF or
   * a magic link opened twice), so that a real second event is not dropped as a retry. Long enough
   * for a near-simultaneous double send and for a retry after a lost reply: no vendor documents
   * its timeout or retry policy, and 60 s is the lease too, so a retry is absorbed for as long
   * after completion as it is answered 409 after the claim. Not an option of its own: change it
   * per event with `idempotency.ttlByEvent`.
   */
  repeatableEventTtlMs: 60 * 1000,
} as const;

/** Headers never handed to handlers, events or logs as they arrived. */
export const REDACTED_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'x-api-secret',
  'x-signature',
  'inkit-signature',
  'illow-signature',
]);
export const REDACTED = '[redacted]';
