import { Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebhookRouteGuard } from './webhooks.guard.js';
import { WebhooksService } from './webhooks.service.js';

/** OVCODE documents exactly this reply; the others accept any 2xx. */
const OK = 'OK';

/**
 * The module's routes: `POST /<prefix>/<sender>`, with a tenant segment for a sender configured
 * per tenant and an event segment for a sender whose events come from the route (see
 * WebhookRouteGuard). The guard answers 404 for any other sender or shape.
 */
export abstract class WebhooksControllerBase {
  constructor(
    protected readonly webhooks: WebhooksService,
    protected readonly adapterHost: HttpAdapterHost,
  ) {}

  @Post(':sender')
  @HttpCode(200)
  @UseGuards(WebhookRouteGuard)
  receive(@Req() request: object, @Res({ passthrough: true }) response: object): Promise<string> {
    return this.webhooks.process(this.webhooks.deliveryOf(request)).then(() => {
      // Only now: a static @Header would also stamp text/plain on the JSON error replies.
      this.adapterHost.httpAdapter.setHeader(response, 'Content-Type', 'text/plain; charset=utf-8');
      return OK;
    });
  }

  @Post(':sender/:segment')
  @HttpCode(200)
  @UseGuards(WebhookRouteGuard)
  receiveSegment(@Req() request: object, @Res({ passthrough: true }) response: object): Promise<string> {
    return this.receive(request, response);
  }

  @Post(':sender/:segment/:event')
  @HttpCode(200)
  @UseGuards(WebhookRouteGuard)
  receiveTenantEvent(@Req() request: object, @Res({ passthrough: true }) response: object): Promise<string> {
    return this.receive(request, response);
  }
}

/**
 * The prefix is only known when the module is defined, so the routed class is made then, as a
 * subclass carrying its own `@Controller(prefix)`, instead of rewriting a shared class's metadata.
 */
export function webhooksControllerFor(
  prefix: string,
): new (webhooks: WebhooksService, adapterHost: HttpAdapterHost) => object {
  @Controller(prefix)
  class WebhooksController extends WebhooksControllerBase {
    constructor(webhooks: WebhooksService, adapterHost: HttpAdapterHost) {
      super(webhooks, adapterHost);
    }
  }
  return WebhooksController;
}
