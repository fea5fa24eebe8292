import { type CanActivate, type ExecutionContext, Injectable, NotFoundException } from '@nestjs/common';
import { rejected, type HeaderBag, type Rejected, type Verifier } from './schemes/index.js';
import { RAW_BODY_PROPERTY, WEBHOOK_DELIVERY } from './webhooks.constants.js';
import { WebhookVerificationException } from './webhooks.exception.js';
import { isIdentityEncoding } from './webhooks.raw-body.js';
import { WebhooksRegistry, type ServedSender } from './webhooks.registry.js';
import { EVENT_TYPE_PATTERN, type WebhookSender } from './webhooks.sender.js';
import { WebhooksService, type VerifiedDelivery, type WebhookAttempt } from './webhooks.service.js';
import { TENANT_PATTERN } from './webhooks.tenants.js';

const EMPTY = Buffer.alloc(0);

/** A guard class for one sender, as `WebhookGuard.for` makes it: `@UseGuards()` takes it, and so does `extends`. */
export type SenderWebhookGuardClass = (new (
  registry: WebhooksRegistry,
  webhooks: WebhooksService,
) => WebhookGuard) & {
  readonly senderId?: string;
};
const guards = new Map<string, SenderWebhookGuardClass>();

/**
 * Verifies a delivery with its sender's scheme before anything reads the body, and leaves the
 * verified delivery on the request (`WebhooksService.deliveryOf`). `WebhookGuard.for(sender)` is
 * the guard of one sender, for a route of your own; the module's routes use one that reads the
 * sender from the path. Override the protected hooks to adapt where the bytes or headers come
 * from, or what a rejection throws.
 */
@Injectable()
export abstract class WebhookGuard implements CanActivate {
  /** The sender this guard class checks, when it checks one (the explorer reads it at startup). */
  static readonly senderId?: string;

  /** The guard of one sender: `@UseGuards(WebhookGuard.for(acmeSender))`. One class per id. */
  static for(sender: WebhookSender | string): SenderWebhookGuardClass {
    const id = typeof sender === 'string' ? sender : sender.id;
    let guard = guards.get(id);
    if (guard === undefined) {
      @Injectable()
      class SenderWebhookGuard extends WebhookGuard {
        static override readonly senderId = id;
      }
      Object.defineProperty(SenderWebhookGuard, 'name', { value: `WebhookGuard(${id})` });
      guard = SenderWebhookGuard;
      guards.set(id, guard);
    }
    return guard;
  }

  constructor(
    protected readonly registry: WebhooksRegistry,
    protected readonly webhooks: WebhooksService,
  ) {}

  /** The id of the sender this request is checked as: the class's `senderId`, unless overridden. */
  protected senderOf(_request: any): string | undefined {
    return (this.constructor as typeof WebhookGuard).senderId;
  }

  // Synchronous when the delivery verifies: Nest awaits only a guard's promise, not its boolean.
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest();
    const id = this.senderOf(request);
    const sender = id === undefined ? undefined : this.registry.get(id);
    if (!sender) throw this.notConfigured(request);
    const routeEvent = this.routeEventOf(request, sender);
    if (routeEvent === null) throw this.notConfigured(request);
    if (sender.verify !== undefined) return this.check(request, sender, sender.verify, routeEvent, undefined);

    const tenants = sender.tenants;
    const tenant = tenants === undefined ? undefined : this.tenantOf(request, sender);
    if (tenants === undefined || tenant === undefined || !TENANT_PATTERN.test(tenant)) {
      throw this.notConfigured(request);
    }
    const cached = tenants.cached(tenant);
    if (cached === null) throw this.notConfigured(request);
    if (cached !== undefined) return this.check(request, sender, cached, routeEvent, tenant);
    const attempt = this.webhooks.begin(sender.id, tenant);
    return tenants.lookup(tenant).then(
      (verify) => {
        if (verify === null) throw this.notConfigured(request);
        return this.check(request, sender, verify, routeEvent, tenant, attempt);
      },
      // Logged where it failed; the sender is told to retry, and its retry asks the resolver again.
      () =>
        this.refuse(
          attempt,
          rejected('unavailable', 'the credentials of this tenant could not be looked up'),
          this.getHeaders(request),
        ),
    );
  }

  private check(
    request: any,
    sender: ServedSender,
    verify: Verifier,
    routeEvent: string | undefined,
    tenant: string | undefined,
    attempt: WebhookAttempt = this.webhooks.begin(sender.id, tenant),
  ): boolean | Promise<boolean> {
    const rawBody = this.getRawBody(request);
    const headers = this.getHeaders(request);
    // 415 before the bytes are checked: no vendor compresses a body (see isIdentityEncoding).
    if (!isIdentityEncoding(headers)) return this.webhooks.rejectEncoding(attempt, headers);
    const result = verify(rawBody, headers);
    if (!result.ok) return this.refuse(attempt, result, headers);
    // The verifier's own frozen result, not a copy: nothing allocated on the hot path.
    // Fields named one by one: a spread of `attempt` here cost measurably per delivery (bench/ablate.mjs).
    const delivery: VerifiedDelivery = Object.freeze({
      id: attempt.id,
      sender: attempt.sender,
      tenant,
      receivedAt: attempt.receivedAt,
      startedAt: attempt.startedAt,
      rawBody,
      headers,
      verification: result,
      routeEvent,
    });
    (request as Record<symbol, VerifiedDelivery>)[WEBHOOK_DELIVERY] = delivery;
    return true;
  }

  private refuse(attempt: WebhookAttempt, result: Rejected, headers?: HeaderBag): Promise<never> {
    return this.webhooks.rejectVerification(attempt, result, headers).then(() => {
      throw new WebhookVerificationException(result);
    });
  }

  /**
   * The tenant whose credentials check this request, for a sender configured per tenant: the
   * route's `:tenant` parameter. Override it to read the tenant from elsewhere (a header such as
   * Shopify's shop domain); the value is matched against TENANT_PATTERN before any lookup.
   */
  protected tenantOf(request: any, _sender: ServedSender): string | undefined {
    const tenant: unknown = request.params?.tenant;
    return typeof tenant === 'string' ? tenant : undefined;
  }

  /**
   * The event named by the path, for a sender whose events come from the route (the route's
   * `:event` parameter; `null`, a 404, when there is none); `undefined` for the other senders.
   */
  protected routeEventOf(request: any, sender: ServedSender): string | undefined | null {
    if (sender.definition.eventType !== 'route') return undefined;
    const event: unknown = request.params?.event;
    return typeof event === 'string' && EVENT_TYPE_PATTERN.test(event) ? event : null;
  }

  /** The exact bytes received: captured by the module, or by Nest when the app has `rawBody: true`. */
  protected getRawBody(request: any): Buffer {
    const raw = request[RAW_BODY_PROPERTY] ?? request.raw?.[RAW_BODY_PROPERTY];
    if (Buffer.isBuffer(raw)) return raw;
    if (Buffer.isBuffer(request.body)) return request.body;
    return EMPTY;
  }

  /** Distinct headers where Node offers them, so a repeated signature header is seen as such. */
  protected getHeaders(request: any): HeaderBag {
    return request.headersDistinct ?? request.raw?.headersDistinct ?? request.headers ?? {};
  }

  protected notConfigured(request: any): Error {
    const url = request.originalUrl ?? request.url ?? '';
    return new NotFoundException(`Cannot ${request.method ?? 'POST'} ${String(url).split('?')[0]}`);
  }
}

/**
 * The module's own routes: `/<prefix>/<sender>[/<tenant>][/<event>]`, the sender from the path's
 * first segment, then a tenant segment for a sender configured per tenant, then an event segment
 * for a sender whose events come from the route; any other shape is a 404.
 */
@Injectable()
export class WebhookRouteGuard extends WebhookGuard {
  protected override senderOf(request: any): string | undefined {
    const id: unknown = request.params?.sender;
    return typeof id === 'string' ? id.toLowerCase() : undefined;
  }

  protected override tenantOf(request: any, sender: ServedSender): string | undefined {
    return fitsRoute(request.params, sender) ? request.params.segment : undefined;
  }

  protected override routeEventOf(request: any, sender: ServedSender): string | undefined | null {
    const params = request.params;
    if (!fitsRoute(params, sender)) return null;
    if (sender.definition.eventType !== 'route') return undefined;
    // `/:sender/:segment` names the event; after a tenant, `/:sender/:segment/:event` does.
    const event: string = params.event ?? params.segment;
    return EVENT_TYPE_PATTERN.test(event) ? event : null;
  }
}

/**
 * Whether the path has as many segments after the sender as this sender's routes do: one for a
 * tenant, one for a route-named event. Runs per delivery, so it counts rather than collects.
 */
function fitsRoute(params: Record<string, unknown> | undefined, sender: ServedSender): boolean {
  const given = (typeof params?.segment === 'string' ? 1 : 0) + (typeof params?.event === 'string' ? 1 : 0);
  const expected = (sender.tenants === undefined ? 0 : 1) + (sender.definition.eventType === 'route' ? 1 : 0);
  return given === expected;
}
