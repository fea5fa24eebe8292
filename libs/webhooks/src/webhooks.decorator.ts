import { OnEvent } from '@nestjs/event-emitter';
import { WEBHOOK_EVENT_ROOT, WEBHOOK_HANDLER_METADATA, WEBHOOK_OUTCOME_ROOT } from './webhooks.constants.js';
import type {
  WebhookDeliveryOutcome,
  WebhookEvent,
  WebhookEventPattern,
  WebhookOutcomeKind,
  WebhookPayloadFor,
  WebhookSenderId,
} from './webhooks.event.js';

export interface OnWebhookOptions {
  /** Run before handlers registered earlier. Default `false`. */
  prependListener?: boolean;
}

export interface OnUnlistedWebhookOptions extends OnWebhookOptions {
  /**
   * The name's type is not in its sender's documented list (one the vendor added since): only
   * the sender is checked at compile time, and the handler receives that sender's payload.
   */
  unlisted: true;
}

/**
 * A method decorator that checks the method it decorates: its first parameter must accept the
 * event the name delivers (`WebhookEvent<InkitWebhookDto>` for an Inkit name).
 */
export type WebhookHandlerDecorator<Payload> = <Handler extends (event: WebhookEvent<Payload>) => unknown>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<Handler>,
) => void;

/**
 * Marks a method as a handler of verified deliveries: `@OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')`,
 * `@OnWebhook('inkit.*')`, `@OnWebhook('**')`. Stackable. The name is checked at compile time
 * against the senders in `WebhookSenderRegistry` (and at startup against those configured), and the
 * method's parameter against the sender's payload. Handlers are bound by `@nestjs/event-emitter`;
 * errors are not suppressed, because a failing handler must turn into a 500 so the sender retries.
 */
export function OnWebhook<const Pattern extends WebhookEventPattern>(
  name: Pattern,
  options?: OnWebhookOptions,
): WebhookHandlerDecorator<WebhookPayloadFor<Pattern>>;
export function OnWebhook<const Pattern extends `${WebhookSenderId}.${string}`>(
  name: Pattern,
  options: OnUnlistedWebhookOptions,
): WebhookHandlerDecorator<WebhookPayloadFor<Pattern>>;
export function OnWebhook(name: string, options: OnWebhookOptions = {}): WebhookHandlerDecorator<never> {
  return (target, key, descriptor) => {
    OnEvent(`${WEBHOOK_EVENT_ROOT}.${name}`, {
      suppressErrors: false,
      prependListener: options.prependListener,
    })(target, key, descriptor);
    const handler = descriptor.value as object;
    const names: string[] = Reflect.getMetadata(WEBHOOK_HANDLER_METADATA, handler) ?? [];
    Reflect.defineMetadata(WEBHOOK_HANDLER_METADATA, [...names, name], handler);
  };
}

/** Listens to delivery outcomes (`accepted`, `duplicate`, `rejected`, `failed`), e.g. for an audit log. */
export function OnWebhookOutcome(
  outcome: WebhookOutcomeKind,
): <Handler extends (outcome: WebhookDeliveryOutcome) => unknown>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<Handler>,
) => void {
  const decorate = OnEvent(`${WEBHOOK_OUTCOME_ROOT}.${outcome}`, { suppressErrors: false });
  return (target, key, descriptor) => {
    decorate(target, key, descriptor);
  };
}

/** The patterns a method handles, for the bootstrap checks. */
export function getWebhookHandlerNames(method: unknown): string[] | undefined {
  return typeof method === 'function' ? Reflect.getMetadata(WEBHOOK_HANDLER_METADATA, method) : undefined;
}
