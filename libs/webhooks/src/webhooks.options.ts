import type { WebhookIdempotencyStore } from './webhooks.storage.js';
import type { ConfiguredWebhookSender } from './webhooks.sender.js';

export interface WebhookIdempotencyOptions {
  /**
   * How long a processed delivery is remembered (ms): a retry within it is a duplicate, the same
   * key after it a new delivery. Default 24 h, for every event without a window of its own
   * (see `ttlByEvent`).
   */
  ttlMs?: number;
  /**
   * The window (ms) of some events, in place of `ttlMs`: keyed by full event name
   * (`'inkit.DOCUMENT_PDF_ACCESS'`), or by sender (`'inkit'`, all of its events). A full name beats
   * its sender's entry, which beats the built-in windows, which beat `ttlMs`.
   *
   * Default: the windows of the senders' definitions (`ttlByEvent`): 60 s for Inkit's
   * DOCUMENT_PDF_ACCESS, MAGIC_LINK_ACCESS, MAGIC_LINK_ACCESS_FAILED and RENDER_METADATA_ACCESS,
   * which carry no delivery id and can truly happen twice for one resource; `ttlMs` for every
   * other event. A shorter window lets a real repeat through sooner,
   * but a sender's retry that comes after it runs the handlers again. Checked at startup: each
   * value a positive integer, each key a known sender with an optional `.EVENT_TYPE`.
   */
  ttlByEvent?: Readonly<Record<string, number | undefined>>;
  /** How long an in-flight claim holds (ms) before a retry may take it over. Default 60 s. */
  leaseMs?: number;
  /** Entry bound of the default in-memory store. Default 10,000. */
  maxEntries?: number;
}

export interface WebhooksModuleOptions {
  /**
   * The senders served, each with its credentials: `[inkitSender.configure({ secret })]`, built-ins
   * and your own alike (`defineWebhookSender`). Each is served at `POST /<prefix>/<id>`; any other
   * path under the prefix answers 404. Required (an empty list serves nothing); each id once.
   */
  senders: readonly ConfiguredWebhookSender[];
  /** Largest body accepted, in bytes (413 beyond). Default 1 MiB. */
  bodyLimit?: number;
  idempotency?: WebhookIdempotencyOptions;
  /** Where processed deliveries are remembered. Default: in memory, bounded, per process. */
  store?: WebhookIdempotencyStore;
  /**
   * `'inline'`: the reply waits for the handlers (a throw answers 500, and the sender retries).
   * `'queue'`: the delivery is verified, validated and handed to a `WebhookQueue` (`WebhooksBullmqModule`
   * from `nestjs-webhooks/bullmq`), 200 is answered once the queue holds it, and workers run the
   * same `@OnWebhook` handlers with retries and dead letters. Default `'inline'`.
   */
  processing?: 'inline' | 'queue';
  /** Queue mode: longest wait for the queue to take a delivery (ms); beyond it, 500. Default 5 s. */
  queueTimeoutMs?: number;
}

/** Static options, known when the module is defined (routes are registered before async options resolve). */
export interface WebhooksModuleExtras {
  /** Route prefix: `POST /<prefix>/inkit` and so on. Default `webhooks`. */
  prefix?: string;
  /**
   * Serve the webhook routes (and capture raw bodies). `false` for a process that only runs queued
   * deliveries (a worker, queue mode): the handlers, the store and the outcomes without the routes.
   * Default `true`.
   */
  routes?: boolean;
  /**
   * Register the module globally, so that the exported guards (which inject the module's
   * registry and service) work in any module of the app without importing WebhooksModule there.
   * Default `true`.
   */
  isGlobal?: boolean;
}
