import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { neverThrows } from './schemes/credentials.js';
import { WebhookConfigurationError, type Verifier } from './schemes/index.js';
import { BUILT_IN_SENDERS } from './senders/index.js';
import {
  DEFAULT_BODY_LIMIT,
  DEFAULT_IDEMPOTENCY,
  DEFAULT_QUEUE_TIMEOUT_MS,
  HTTP_CREDENTIAL_HEADERS,
} from './webhooks.constants.js';
import { WEBHOOKS_MODULE_OPTIONS } from './webhooks.module-definition.js';
import type { WebhooksModuleOptions } from './webhooks.options.js';
import {
  EVENT_TYPE_PATTERN,
  EVENT_TYPE_RULE,
  type ConfiguredWebhookSender,
  type WebhookCredentialResolver,
  type WebhookSender,
  type WebhookTenantOptions,
} from './webhooks.sender.js';
import { DEFAULT_TENANT_OPTIONS, TenantVerifiers } from './webhooks.tenants.js';
import { positiveInteger } from './webhooks.limits.js';

/**
 * A sender as served: its definition and the verifier built from its credentials, or, for a
 * sender configured per tenant, the verifiers of its tenants.
 */
export interface ServedSender {
  /** Its route segment and event prefix. */
  readonly id: string;
  readonly definition: WebhookSender;
  /** For a sender with one set of credentials. */
  readonly verify?: Verifier;
  /** For a sender configured per tenant (`configurePerTenant`): ready once the module has started. */
  readonly tenants?: TenantVerifiers;
}

const TTL_BY_EVENT = 'idempotency.ttlByEvent';

/** A per-tenant sender's cache and timeout options, checked, defaults merged. */
function tenantOptions(
  option: string,
  options: WebhookTenantOptions | undefined,
): Required<WebhookTenantOptions> {
  return {
    cacheTtlMs: positiveInteger(
      `${option}.cacheTtlMs`,
      options?.cacheTtlMs,
      DEFAULT_TENANT_OPTIONS.cacheTtlMs,
    ),
    maxTenants: positiveInteger(
      `${option}.maxTenants`,
      options?.maxTenants,
      DEFAULT_TENANT_OPTIONS.maxTenants,
    ),
    timeoutMs: positiveInteger(`${option}.timeoutMs`, options?.timeoutMs, DEFAULT_TENANT_OPTIONS.timeoutMs),
  };
}

/** The configured senders, checked: each a `configure()`d definition, each id once. */
function sendersOf(value: unknown): ConfiguredWebhookSender[] {
  if (!Array.isArray(value)) {
    throw new WebhookConfigurationError(
      'senders',
      'is required: a list of configured senders, such as [inkitSender.configure({ secret })]',
    );
  }
  const seen = new Set<string>();
  return value.map((item: Partial<ConfiguredWebhookSender> & { configure?: unknown }, index) => {
    const option = `senders[${index}]`;
    if (typeof item?.configure === 'function' && item.definition === undefined) {
      const id = (item as { id?: string }).id;
      throw new WebhookConfigurationError(
        option,
        `is a definition without credentials: use ${id}Sender.configure({ ... })`,
      );
    }
    if (
      typeof item?.id !== 'string' ||
      typeof item.definition?.verifier !== 'function' ||
      !('credentials' in item || 'perTenant' in item)
    ) {
      throw new WebhookConfigurationError(
        option,
        'must be a sender from defineWebhookSender(...).configure(credentials)',
      );
    }
    if (seen.has(item.id)) {
      throw new WebhookConfigurationError(
        option,
        `"${item.id}" is configured twice: serve a second account under another id, ${item.id}Sender.as('${item.id}-2').configure(...), or per tenant with configurePerTenant`,
      );
    }
    seen.add(item.id);
    return item as ConfiguredWebhookSender;
  });
}

/**
 * The module's per-event windows, checked: a misspelt sender or event name would otherwise be a
 * window that silently never applies. Unknown event types of a known sender are allowed: senders
 * add types (Inkit says so), and illow's come from the route.
 */
function windowsByEvent(value: unknown, known: readonly string[]): [key: string, ms: number][] {
  if (value === undefined) return [];
  const prototype = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (prototype !== Object.prototype && prototype !== null) {
    throw new WebhookConfigurationError(
      TTL_BY_EVENT,
      "must be a plain object of windows in ms, keyed by event ('inkit.DOCUMENT_PDF_ACCESS') or sender ('inkit')",
    );
  }
  const windows: [string, number][] = [];
  for (const [key, ms] of Object.entries(value as Record<string, unknown>)) {
    const option = `${TTL_BY_EVENT}[${JSON.stringify(key)}]`;
    const dot = key.indexOf('.');
    const sender = dot === -1 ? key : key.slice(0, dot);
    if (!known.includes(sender)) {
      throw new WebhookConfigurationError(
        option,
        `must start with a sender, one of ${known.join(', ')}, then an optional .EVENT_TYPE`,
      );
    }
    if (dot !== -1 && !EVENT_TYPE_PATTERN.test(key.slice(dot + 1))) {
      throw new WebhookConfigurationError(option, `the event type must be ${EVENT_TYPE_RULE}`);
    }
    if (ms === undefined) continue;
    windows.push([key, positiveInteger(option, ms as number, 0)]);
  }
  return windows;
}

/**
 * The options resolved once at startup, with defaults merged in: verifiers built (keys parsed,
 * secrets checked), so a bad configuration stops the app with the option's name instead of
 * surfacing as "invalid signature" at the first delivery.
 */
@Injectable()
export class WebhooksRegistry implements OnModuleInit {
  readonly bodyLimit: number;
  readonly ttlMs: number;
  readonly leaseMs: number;
  readonly maxEntries: number;
  /** Inline (the reply waits for the handlers) or queue (workers run them). */
  readonly processing: 'inline' | 'queue';
  readonly queueTimeoutMs: number;
  /**
   * Headers whose values never reach handlers, outcomes or logs: HTTP's own credential headers and
   * every sender's, built-in or configured, whichever route a request came to.
   */
  readonly redactedHeaders: ReadonlySet<string>;
  /** The credential headers of the configured senders: a request carrying one has its bytes captured. */
  readonly capturedHeaders: readonly string[];
  private readonly senders = new Map<string, ServedSender>();
  /** Ids `@OnWebhook` and `ttlByEvent` may name: the configured senders and the built-ins. */
  readonly knownIds: readonly string[];
  /** Windows by full event name: the module's, else the senders' built-in ones. */
  private readonly eventTtl = new Map<string, number>();
  /** Windows the module set for all of a sender's events. */
  private readonly senderTtl = new Map<string, number>();

  /** Senders configured per tenant, whose resolvers are found once the app's providers exist (onModuleInit). */
  private readonly perTenant: ConfiguredWebhookSender[] = [];

  constructor(
    @Inject(WEBHOOKS_MODULE_OPTIONS) options: WebhooksModuleOptions,
    private readonly moduleRef?: ModuleRef,
  ) {
    const configured = sendersOf(options?.senders);
    for (const sender of configured) {
      const { id, definition, credentials, perTenant } = sender;
      if (perTenant !== undefined) {
        const tenants = new TenantVerifiers(
          id,
          definition,
          tenantOptions(`senders.${id}`, perTenant.options),
        );
        this.senders.set(id, { id, definition, tenants });
        this.perTenant.push(sender);
        continue;
      }
      // A user's verifier may throw; the pipeline must get an answer (500, "unavailable") all the same.
      const verify = neverThrows(definition.verifier(credentials, `senders.${id}`));
      this.senders.set(id, { id, definition, verify });
    }
    this.knownIds = [...new Set([...this.senders.keys(), ...BUILT_IN_SENDERS.map((sender) => sender.id)])];
    this.redactedHeaders = new Set([
      ...HTTP_CREDENTIAL_HEADERS,
      ...[...BUILT_IN_SENDERS, ...configured.map((sender) => sender.definition)].flatMap(
        (definition) => definition.credentialHeaders,
      ),
    ]);
    this.capturedHeaders = [...new Set(configured.flatMap((sender) => sender.definition.credentialHeaders))];

    this.bodyLimit = positiveInteger('bodyLimit', options.bodyLimit, DEFAULT_BODY_LIMIT);
    const processing = options.processing ?? 'inline';
    if (processing !== 'inline' && processing !== 'queue') {
      throw new WebhookConfigurationError('processing', "must be 'inline' or 'queue'");
    }
    this.processing = processing;
    this.queueTimeoutMs = positiveInteger('queueTimeoutMs', options.queueTimeoutMs, DEFAULT_QUEUE_TIMEOUT_MS);
    const idempotency = options.idempotency ?? {};
    this.ttlMs = positiveInteger('idempotency.ttlMs', idempotency.ttlMs, DEFAULT_IDEMPOTENCY.ttlMs);
    this.leaseMs = positiveInteger('idempotency.leaseMs', idempotency.leaseMs, DEFAULT_IDEMPOTENCY.leaseMs);
    this.maxEntries = positiveInteger(
      'idempotency.maxEntries',
      idempotency.maxEntries,
      DEFAULT_IDEMPOTENCY.maxEntries,
    );
    const windows = windowsByEvent(idempotency.ttlByEvent, this.knownIds);
    for (const [key, ms] of windows) if (!key.includes('.')) this.senderTtl.set(key, ms);
    // A sender's entry in the options replaces its built-in windows: the user's word beats ours.
    for (const { id, definition } of this.senders.values()) {
      if (this.senderTtl.has(id)) continue;
      for (const [type, ms] of Object.entries(definition.ttlByEvent ?? {})) {
        this.eventTtl.set(`${id}.${type}`, ms as number);
      }
    }
    for (const [key, ms] of windows) if (key.includes('.')) this.eventTtl.set(key, ms);
  }

  /** Finds each per-tenant sender's resolver among the app's providers, or makes it; fails naming the option. */
  async onModuleInit(): Promise<void> {
    for (const { id, perTenant } of this.perTenant) {
      const resolver = await this.resolverOf(`senders.${id}.resolver`, perTenant!.resolver);
      this.senders.get(id)!.tenants!.use(resolver);
    }
    this.perTenant.length = 0;
  }

  private async resolverOf(option: string, ref: unknown): Promise<WebhookCredentialResolver> {
    if (
      typeof ref === 'object' &&
      ref !== null &&
      typeof (ref as WebhookCredentialResolver).resolve === 'function'
    ) {
      return ref as WebhookCredentialResolver;
    }
    if (typeof ref !== 'function') {
      throw new WebhookConfigurationError(
        option,
        'must be a class or an object with a resolve(tenant, lookup) method',
      );
    }
    let instance: unknown;
    try {
      instance = this.moduleRef!.get(ref, { strict: false });
    } catch {
      try {
        instance = await this.moduleRef!.create(ref as new (...args: unknown[]) => unknown);
      } catch (error) {
        throw new WebhookConfigurationError(
          option,
          `${ref.name} is not a provider of any module and could not be made (${(error as Error)?.message}); add it to a module's providers`,
        );
      }
    }
    if (typeof (instance as WebhookCredentialResolver)?.resolve !== 'function') {
      throw new WebhookConfigurationError(option, `${ref.name} has no resolve(tenant, lookup) method`);
    }
    return instance as WebhookCredentialResolver;
  }

  /** How long a processed `event` (its full name, `inkit.DOCUMENT_PDF_ACCESS`) stays a duplicate (ms). */
  ttlFor(sender: string, event: string): number {
    return this.eventTtl.get(event) ?? this.senderTtl.get(sender) ?? this.ttlMs;
  }

  get(id: string): ServedSender | undefined {
    return this.senders.get(id);
  }

  configured(): string[] {
    return [...this.senders.keys()];
  }
}
