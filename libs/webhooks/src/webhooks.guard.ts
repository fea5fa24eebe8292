import { type CanActivate, type ExecutionContext, Injectable, NotFoundException } from '@nestjs/common';
import type { HeaderBag } from './schemes/index.js';
import { RAW_BODY_PROPERTY, WEBHOOK_REQUEST_STATE, type WebhookProvider } from './webhooks.constants.js';
import { WebhookVerificationException } from './webhooks.exception.js';
import { isIdentityEncoding } from './webhooks.raw-body.js';
import { WebhooksRegistry } from './webhooks.registry.js';
import { WebhooksService, type WebhookRequestState } from './webhooks.service.js';

const EMPTY = Buffer.alloc(0);

/**
 * Verifies a delivery with its sender's scheme before anything reads the body. The sender-
 * specific guards below only name the sender; override the protected hooks to adapt where the
 * bytes or headers come from, or what a rejection throws.
 */
@Injectable()
export abstract class WebhookGuard implements CanActivate {
  protected abstract readonly provider: WebhookProvider;

  constructor(
    protected readonly registry: WebhooksRegistry,
    protected readonly webhooks: WebhooksService,
  ) {}

  // Synchronous when the delivery verifies: Nest awaits only a guard's promise, not its boolean.
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest();
    const sender = this.registry.get(this.provider);
    if (!sender) throw this.notConfigured(request);

    const state = this.webhooks.begin(this.provider, this.getRawBody(request), this.getHeaders(request));
    (request as Record<symbol, WebhookRequestState>)[WEBHOOK_REQUEST_STATE] = state;
    // 415 before the bytes are checked: no vendor compresses a body (see isIdentityEncoding).
    if (!isIdentityEncoding(state.headers)) return this.webhooks.rejectEncoding(state);
    const result = sender.verify(state.rawBody, state.headers);
    if (!result.ok) {
      return this.webhooks.rejectVerification(state, result).then(() => {
        throw new WebhookVerificationException(result);
      });
    }
    state.verified = true;
    // The verifier's own frozen result, not a copy: nothing allocated on the hot path.
    state.verification = result;
    return true;
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

@Injectable()
export class OxskytWebhookGuard extends WebhookGuard {
  protected readonly provider = 'oxskyt';
}

@Injectable()
export class InkitWebhookGuard extends WebhookGuard {
  protected readonly provider = 'inkit';
}

@Injectable()
export class OvcodeWebhookGuard extends WebhookGuard {
  protected readonly provider = 'ovcode';
}

@Injectable()
export class CertificallWebhookGuard extends WebhookGuard {
  protected readonly provider = 'certificall';
}

@Injectable()
export class IllowWebhookGuard extends WebhookGuard {
  protected readonly provider = 'illow';
}

export const WEBHOOK_GUARDS = {
  oxskyt: OxskytWebhookGuard,
  inkit: InkitWebhookGuard,
  ovcode: OvcodeWebhookGuard,
  certificall: CertificallWebhookGuard,
  illow: IllowWebhookGuard,
} as const;
