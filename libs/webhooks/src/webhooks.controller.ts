import { Controller, HttpCode, NotFoundException, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  CertificallWebhookGuard,
  IllowWebhookGuard,
  InkitWebhookGuard,
  OvcodeWebhookGuard,
  OxskytWebhookGuard,
} from './webhooks.guard.js';
import { EVENT_TYPE_PATTERN } from './webhooks.senders.js';
import { WebhooksService } from './webhooks.service.js';

/** OVCODE documents exactly this reply; the others accept any 2xx. */
const OK = 'OK';

export abstract class WebhooksControllerBase {
  constructor(
    protected readonly webhooks: WebhooksService,
    protected readonly adapterHost: HttpAdapterHost,
  ) {}

  protected receive(request: object, response: object, routeEvent?: string): Promise<string> {
    const state = this.webhooks.stateOf(request);
    if (!state?.verified) {
      return Promise.reject(new Error('nestjs-webhooks: route reached without a verified delivery'));
    }
    return this.webhooks.process(state, routeEvent).then(() => {
      // Only now: a static @Header would also stamp text/plain on the JSON error replies.
      this.adapterHost.httpAdapter.setHeader(response, 'Content-Type', 'text/plain; charset=utf-8');
      return OK;
    });
  }

  @Post('oxskyt')
  @HttpCode(200)
  @UseGuards(OxskytWebhookGuard)
  oxskyt(@Req() request: object, @Res({ passthrough: true }) response: object): Promise<string> {
    return this.receive(request, response);
  }

  @Post('inkit')
  @HttpCode(200)
  @UseGuards(InkitWebhookGuard)
  inkit(@Req() request: object, @Res({ passthrough: true }) response: object): Promise<string> {
    return this.receive(request, response);
  }

  @Post('ovcode')
  @HttpCode(200)
  @UseGuards(OvcodeWebhookGuard)
  ovcode(@Req() request: object, @Res({ passthrough: true }) response: object): Promise<string> {
    return this.receive(request, response);
  }

  @Post('certificall')
  @HttpCode(200)
  @UseGuards(CertificallWebhookGuard)
  certificall(@Req() request: object, @Res({ passthrough: true }) response: object): Promise<string> {
    return this.receive(request, response);
  }

  /** illow sends no event type: one callback URL per event, so the name comes from the path. */
  @Post('illow/:event')
  @HttpCode(200)
  @UseGuards(IllowWebhookGuard)
  illow(
    @Req() request: object,
    @Res({ passthrough: true }) response: object,
    @Param('event') event: string,
  ): Promise<string> {
    if (!EVENT_TYPE_PATTERN.test(event)) throw new NotFoundException('Unknown illow event path');
    return this.receive(request, response, event);
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
