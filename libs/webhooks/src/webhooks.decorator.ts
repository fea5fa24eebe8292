import { OnEvent } from '@nestjs/event-emitter';
import { WEBHOOK_EVENT_ROOT, WEBHOOK_HANDLER_METADATA, WEBHOOK_OUTCOME_ROOT } from './webhooks.constants.js';
import type { WebhookOutcomeKind } from './webhooks.event.js';

export interface OnWebhookOptions {
  /** Run before handlers registered earlier. */
  prependListener?: boolean;
}

/**
 * Marks a method as a handler of verified deliveries: `@OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')`,
 * `@OnWebhook('inkit.*')`, `@OnWebhook('**')`. Stackable. Handlers are bound by
 * `@nestjs/event-emitter`; errors are not suppressed, because a failing handler must turn into a
 * 500 so that the sender retries.
 */
export function OnWebhook(name: string, options: OnWebhookOptions = {}): MethodDecorator {
  return (target, key, descriptor) => {
    OnEvent(`${WEBHOOK_EVENT_ROOT}.${name}`, {
      suppressErrors: false,
      prependListener: options.prependListener,
    })(target, key, descriptor);
    const handler = descriptor.value as object;
    const names: string[] = Reflect.getMetadata(WEBHOOK_HANDLER_METADATA, handler) ?? [];
    Reflect.defineMetadata(WEBHOOK_HANDLER_METADATA, [...names, name], handler);
    return descriptor;
  };
}

/** Listens to delivery outcomes (`accepted`, `duplicate`, `rejected`, `failed`), e.g. for an audit log. */
export function OnWebhookOutcome(outcome: WebhookOutcomeKind): MethodDecorator {
  return OnEvent(`${WEBHOOK_OUTCOME_ROOT}.${outcome}`, { suppressErrors: false });
}

/** The patterns a method handles, for the bootstrap checks. */
export function getWebhookHandlerNames(method: unknown): string[] | undefined {
  return typeof method === 'function' ? Reflect.getMetadata(WEBHOOK_HANDLER_METADATA, method) : undefined;
}
