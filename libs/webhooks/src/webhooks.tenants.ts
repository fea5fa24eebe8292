import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { neverThrows } from './schemes/credentials.js';
import { rejected, type Verifier } from './schemes/index.js';
import type { WebhookCredentialResolver, WebhookSender, WebhookTenantOptions } from './webhooks.sender.js';
import { describeError } from './webhooks.log.js';
import { WebhookTimeoutError, withTimeout } from './webhooks.limits.js';

export const DEFAULT_TENANT_OPTIONS = {
  cacheTtlMs: 60 * 1000,
  maxTenants: 1_000,
  timeoutMs: 5 * 1000,
} as const satisfies Required<WebhookTenantOptions>;

/**
 * A tenant segment: what a store's ids look like (slugs, numbers, UUIDs), bounded, and nothing a
 * router or a log could read otherwise. Anything else is answered 404 before the resolver is asked.
 */
export const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** What the cache holds for a tenant: its verifier, or the fact that it is unknown (cached alike). */
type Entry = { readonly verify: Verifier } | typeof UNKNOWN;
const UNKNOWN = Object.freeze({ unknown: true as const });

/**
 * The verifiers of one sender's tenants, built from the credentials the resolver returns. One
 * lookup per tenant at a time, however many deliveries wait for it (lru-cache's `fetch` shares the
 * pending one); answers, "unknown" included, kept for `cacheTtlMs` and at most `maxTenants` of
 * them, so a storm of deliveries to one unknown tenant costs one lookup per TTL and a storm over
 * many costs memory bounded by `maxTenants`. A failed or slow lookup is not cached: the delivery is
 * answered 500 and the sender's retry asks again.
 */
export class TenantVerifiers {
  private readonly logger = new Logger('Webhooks');
  private readonly cache: LRUCache<string, Entry>;
  private readonly timeoutMs: number;
  /** Set once the app's providers exist (the resolver may be one of them). */
  private resolver?: WebhookCredentialResolver;

  constructor(
    private readonly id: string,
    private readonly definition: WebhookSender,
    options: Required<WebhookTenantOptions>,
  ) {
    this.timeoutMs = options.timeoutMs;
    this.cache = new LRUCache<string, Entry>({
      max: options.maxTenants,
      ttl: options.cacheTtlMs,
      fetchMethod: (tenant) => this.load(tenant),
    });
  }

  use(resolver: WebhookCredentialResolver): void {
    this.resolver = resolver;
  }

  /** The cached answer for `tenant`: its verifier, `null` when unknown, `undefined` when not cached. */
  cached(tenant: string): Verifier | null | undefined {
    const entry = this.cache.get(tenant);
    if (entry === undefined) return undefined;
    return 'verify' in entry ? entry.verify : null;
  }

  /** Its verifier, `null` when the resolver does not know it; rejects when the lookup failed or timed out. */
  async lookup(tenant: string): Promise<Verifier | null> {
    const entry = await this.cache.fetch(tenant);
    return entry !== undefined && 'verify' in entry ? entry.verify : null;
  }

  private async load(tenant: string): Promise<Entry> {
    const abort = new AbortController();
    let credentials: unknown;
    try {
      const resolving = Promise.resolve().then(() => {
        if (this.resolver === undefined) throw new Error('the module has not started yet');
        return this.resolver.resolve(tenant, { sender: this.id, signal: abort.signal });
      });
      credentials = await withTimeout(resolving, this.timeoutMs, 'the resolver', () => abort.abort());
    } catch (error) {
      // The tenant is named (it is in the URL already); the resolver's error may name a secret's
      // store but never a secret, and is bounded by describeError.
      const { message, trace } =
        error instanceof WebhookTimeoutError
          ? { message: `no answer within ${this.timeoutMs} ms`, trace: undefined }
          : describeError(error);
      this.logger.error(
        `Credentials of ${this.id} tenant "${tenant}" could not be looked up: ${message}`,
        trace,
      );
      throw error;
    }
    if (credentials === undefined || credentials === null) return UNKNOWN;
    try {
      return { verify: neverThrows(this.definition.verifier(credentials, `senders.${this.id}[${tenant}]`)) };
    } catch (error) {
      // Credentials the store holds but the scheme refuses (an empty secret): every delivery to this
      // tenant is a server fault until they are fixed, cached like any answer so it is not a storm.
      this.logger.error(
        `Credentials of ${this.id} tenant "${tenant}" are not usable: ${describeError(error).message}`,
      );
      const unusable = Object.freeze(
        rejected('unavailable', 'the credentials configured for this tenant are not usable'),
      );
      return { verify: () => unusable };
    }
  }
}
