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
import { SENDERS, type SenderDefinition } from './webhooks.senders.js';

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
  }

  get(provider: WebhookProvider): ConfiguredSender | undefined {
    return this.senders.get(provider);
  }

  configured(): WebhookProvider[] {
    return [...this.senders.keys()];
  }
}
