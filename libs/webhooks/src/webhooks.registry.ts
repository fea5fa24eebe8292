import { Inject, Injectable } from '@nestjs/common';
import { WebhookConfigurationError, type Verifier } from './schemes/index.js';
import {
  DEFAULT_BODY_LIMIT,
  DEFAULT_IDEMPOTENCY,
  WEBHOOK_PROVIDERS,
  type WebhookProvider,
} from './webhooks.constants.js';
import { WEBHOOKS_MODULE_OPTIONS } from './webhooks.module-definition.js';
import type { WebhooksModuleOptions } from './webhooks.options.js';
import { EVENT_TYPE_PATTERN, SENDERS, type SenderDefinition } from './webhooks.senders.js';

export interface ConfiguredSender {
  readonly definition: SenderDefinition;
  readonly verify: Verifier;
}

function positiveInteger(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new WebhookConfigurationError(option, 'must be a positive integer');
  }
  return value;
}

const TTL_BY_EVENT = 'idempotency.ttlByEvent';

/**
 * The module's per-event windows, checked: a misspelt sender or event name would otherwise be a
 * window that silently never applies. Unknown event types of a known sender are allowed: senders
 * add types (Inkit says so), and illow's come from the route.
 */
function windowsByEvent(value: unknown): [key: string, ms: number][] {
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
    if (!(WEBHOOK_PROVIDERS as readonly string[]).includes(sender)) {
      throw new WebhookConfigurationError(
        option,
        `must start with a sender, one of ${WEBHOOK_PROVIDERS.join(', ')}, then an optional .EVENT_TYPE`,
      );
    }
    if (dot !== -1 && !EVENT_TYPE_PATTERN.test(key.slice(dot + 1))) {
      throw new WebhookConfigurationError(option, 'the event type must match [A-Za-z0-9_-]{1,100}');
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
export class WebhooksRegistry {
  readonly bodyLimit: number;
  readonly ttlMs: number;
  readonly leaseMs: number;
  readonly maxEntries: number;
  private readonly senders = new Map<WebhookProvider, ConfiguredSender>();
  /** Windows by full event name: the module's, else the senders' built-in ones. */
  private readonly eventTtl = new Map<string, number>();
  /** Windows the module set for all of a sender's events. */
  private readonly senderTtl = new Map<string, number>();

  constructor(@Inject(WEBHOOKS_MODULE_OPTIONS) options: WebhooksModuleOptions) {
    if (!options || typeof options.providers !== 'object' || options.providers === null) {
      throw new WebhookConfigurationError('providers', 'is required (configure at least one sender)');
    }
    for (const key of Object.keys(options.providers)) {
      if (!(WEBHOOK_PROVIDERS as readonly string[]).includes(key)) {
        throw new WebhookConfigurationError(
          `providers.${key}`,
          `unknown sender; expected one of ${WEBHOOK_PROVIDERS.join(', ')}`,
        );
      }
    }
    for (const id of WEBHOOK_PROVIDERS) {
      const credentials = options.providers[id];
      if (credentials === undefined || credentials === null) continue;
      const definition = SENDERS[id];
      this.senders.set(id, { definition, verify: definition.createVerifier(credentials, `providers.${id}`) });
    }
    this.bodyLimit = positiveInteger('bodyLimit', options.bodyLimit, DEFAULT_BODY_LIMIT);
    const idempotency = options.idempotency ?? {};
    this.ttlMs = positiveInteger('idempotency.ttlMs', idempotency.ttlMs, DEFAULT_IDEMPOTENCY.ttlMs);
    this.leaseMs = positiveInteger('idempotency.leaseMs', idempotency.leaseMs, DEFAULT_IDEMPOTENCY.leaseMs);
    this.maxEntries = positiveInteger(
      'idempotency.maxEntries',
      idempotency.maxEntries,
      DEFAULT_IDEMPOTENCY.maxEntries,
    );
    const windows = windowsByEvent(idempotency.ttlByEvent);
    for (const [key, ms] of windows) if (!key.includes('.')) this.senderTtl.set(key, ms);
    // A sender's entry in the options replaces its built-in windows: the user's word beats ours.
    for (const id of WEBHOOK_PROVIDERS) {
      if (this.senderTtl.has(id)) continue;
      for (const [type, ms] of Object.entries(SENDERS[id].ttlByEvent ?? {})) {
        this.eventTtl.set(`${id}.${type}`, ms);
      }
    }
    for (const [key, ms] of windows) if (key.includes('.')) this.eventTtl.set(key, ms);
  }

  /** How long a processed `event` (its full name, `inkit.DOCUMENT_PDF_ACCESS`) stays a duplicate (ms). */
  ttlFor(provider: WebhookProvider, event: string): number {
    return this.eventTtl.get(event) ?? this.senderTtl.get(provider) ?? this.ttlMs;
  }

  get(provider: WebhookProvider): ConfiguredSender | undefined {
    return this.senders.get(provider);
  }

  configured(): WebhookProvider[] {
    return [...this.senders.keys()];
  }
}
