import { Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { WebhookConfigurationError } from './schemes/index.js';
import { WEBHOOK_PROVIDERS, type WebhookProvider } from './webhooks.constants.js';
import { WebhooksControllerBase } from './webhooks.controller.js';
import { getWebhookHandlerNames } from './webhooks.decorator.js';
import { WEBHOOK_GUARDS } from './webhooks.guard.js';
import { WebhooksRegistry } from './webhooks.registry.js';

/**
 * Startup checks that turn silent misconfiguration into an error naming the fix: a handler
 * that could never fire, or a guard for a sender that is not configured.
 */
@Injectable()
export class WebhooksExplorer implements OnModuleInit {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: WebhooksRegistry,
    @Optional() private readonly emitter?: EventEmitter2,
  ) {}

  onModuleInit(): void {
    if (!this.emitter) {
      throw new Error(
        'nestjs-webhooks: WebhooksModule needs @nestjs/event-emitter: add EventEmitterModule.forRoot({ wildcard: true }) to your AppModule imports',
      );
    }
    this.checkHandlers();
    this.checkGuards();
    const configured = this.registry.configured();
    this.logger.log(`Serving ${configured.length ? configured.join(', ') : 'no sender'}`);
  }

  private checkHandlers(): void {
    const wildcard = Boolean((this.emitter as unknown as { wildcard?: boolean }).wildcard);
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance);
      if (!prototype) continue;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        for (const name of getWebhookHandlerNames(instance[method]) ?? []) {
          const where = `@OnWebhook('${name}') on ${instance.constructor.name}.${method}`;
          const [provider] = name.split('.');
          if (
            provider !== '*' &&
            provider !== '**' &&
            !(WEBHOOK_PROVIDERS as readonly string[]).includes(provider)
          ) {
            throw new Error(
              `nestjs-webhooks: ${where}: unknown sender "${provider}"; expected ${WEBHOOK_PROVIDERS.join(', ')}`,
            );
          }
          if (name.includes('*') && !wildcard) {
            throw new Error(
              `nestjs-webhooks: ${where} uses a wildcard: configure EventEmitterModule.forRoot({ wildcard: true })`,
            );
          }
          if (provider !== '*' && provider !== '**' && !this.registry.get(provider as WebhookProvider)) {
            this.logger.debug(`${where} will not fire: providers.${provider} is not configured`);
          }
        }
      }
    }
  }

  private checkGuards(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      // The module's own routes answer 404 for unconfigured senders, by design.
      if (!controller || controller.prototype instanceof WebhooksControllerBase) continue;
      const targets: object[] = [controller];
      for (const method of this.scanner.getAllMethodNames(controller.prototype)) {
        targets.push((controller.prototype as Record<string, object>)[method]);
      }
      for (const target of targets) {
        for (const guard of (Reflect.getMetadata(GUARDS_METADATA, target) ?? []) as unknown[]) {
          const provider = guardProvider(guard);
          if (provider && !this.registry.get(provider)) {
            throw new WebhookConfigurationError(
              `providers.${provider}`,
              `is not configured, but ${controller.name} is protected by ${(guard as { name: string }).name}`,
            );
          }
        }
      }
    }
  }
}

function guardProvider(guard: unknown): WebhookProvider | undefined {
  if (typeof guard !== 'function') return undefined;
  for (const [provider, type] of Object.entries(WEBHOOK_GUARDS)) {
    if (guard === type || guard.prototype instanceof type) return provider as WebhookProvider;
  }
  return undefined;
}
