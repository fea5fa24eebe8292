import type { WebhookIdempotencyStore } from './webhooks.storage.js';
import type {
  CertificallCredentials,
  IllowCredentials,
  InkitCredentials,
  OvcodeCredentials,
  OxskytCredentials,
} from './schemes/index.js';

export interface WebhookProvidersOptions {
  oxskyt?: OxskytCredentials;
  inkit?: InkitCredentials;
  ovcode?: OvcodeCredentials;
  certificall?: CertificallCredentials;
  illow?: IllowCredentials;
}

export interface WebhookIdempotencyOptions {
  /** How long a processed delivery is remembered (ms). Default 24 h. */
  ttlMs?: number;
  /** How long an in-flight claim holds (ms) before a retry may take it over. Default 60 s. */
  leaseMs?: number;
  /** Entry bound of the default in-memory store. Default 10,000. */
  maxEntries?: number;
}

export interface WebhooksModuleOptions {
  /** Only configured senders are served; the others' routes answer 404. */
  providers: WebhookProvidersOptions;
  /** Largest body accepted, in bytes (413 beyond). Default 1 MiB. */
  bodyLimit?: number;
  idempotency?: WebhookIdempotencyOptions;
  /** Where processed deliveries are remembered. Default: in memory, bounded, per process. */
  store?: WebhookIdempotencyStore;
}

/** Static options, known when the module is defined (routes are registered before async options resolve). */
export interface WebhooksModuleExtras {
  /** Route prefix: `POST /<prefix>/inkit` and so on. Default `webhooks`. */
  prefix?: string;
  /** Make the module global. Default false. */
  isGlobal?: boolean;
}
