import { Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { WebhookConfigurationError } from './schemes/index.js';
import { WebhooksControllerBase } from './webhooks.controller.js';
import { getWebhookHandlerNames } from './webhooks.decorator.js';
import { WebhookGuard } from './webhooks.guard.js';
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
          const [sender] = name.split('.');
          const known = this.registry.knownIds;
          if (sender !== '*' && sender !== '**' && !known.includes(sender)) {
            throw new Error(
              `nestjs-webhooks: ${where}: unknown sender "${sender}"; expected ${known.join(', ')}`,
            );
          }
          if (name.includes('*') && !wildcard) {
            throw new Error(
              `nestjs-webhooks: ${where} uses a wildcard: configure EventEmitterModule.forRoot({ wildcard: true })`,
            );
          }
          if (sender !== '*' && sender !== '**' && !this.registry.get(sender)) {
            this.logger.debug(`${where} will not fire: no sender "${sender}" in the module's senders`);
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
          const sender = guardSender(guard);
          if (sender && !this.registry.get(sender)) {
            throw new WebhookConfigurationError(
              `senders.${sender}`,
              `is not configured, but ${controller.name} is protected by ${(guard as { name: string }).name}`,
            );
          }
        }
      }
    }
  }
}

/** The sender a guard class checks: `WebhookGuard.for(sender)`, the named guards, and their subclasses. */
function guardSender(guard: unknown): string | undefined {
  if (typeof guard !== 'function' || !(guard.prototype instanceof WebhookGuard)) return undefined;
  return (guard as unknown as typeof WebhookGuard).senderId;
}
