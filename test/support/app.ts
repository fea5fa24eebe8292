import { type INestApplication, Injectable, type ModuleMetadata } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import {
  OnWebhook,
  OnWebhookOutcome,
  WebhooksModule,
  type WebhookDeliveryOutcome,
  type WebhookEvent,
  type WebhooksModuleOptions,
} from 'nestjs-webhooks';
import { providerOptions } from './senders.js';

/** Records what handlers and outcome listeners saw; can be told to fail the next N calls. */
@Injectable()
export class Recorder {
  readonly events: WebhookEvent[] = [];
  readonly outcomes: WebhookDeliveryOutcome[] = [];
  failNext = 0;
  delayMs = 0;

  @OnWebhook('oxskyt.REPORT_GENERATED')
  @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
  @OnWebhook('ovcode.AUTHENTICATION_SUCCEEDED')
  @OnWebhook('certificall.CASE_VALIDATED')
  @OnWebhook('illow.DSR_CREATED')
  async handle(event: WebhookEvent): Promise<void> {
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('handler exploded on purpose');
    }
    this.events.push(event);
  }

  @OnWebhookOutcome('accepted')
  @OnWebhookOutcome('duplicate')
  @OnWebhookOutcome('rejected')
  @OnWebhookOutcome('failed')
  outcome(outcome: WebhookDeliveryOutcome): void {
    this.outcomes.push(outcome);
  }
}

export interface TestAppOptions {
  webhooks?: Partial<WebhooksModuleOptions>;
  imports?: ModuleMetadata['imports'];
  providers?: ModuleMetadata['providers'];
  controllers?: ModuleMetadata['controllers'];
  rawBody?: boolean;
  wildcard?: boolean;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<{ app: INestApplication; recorder: Recorder }> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      EventEmitterModule.forRoot({ wildcard: options.wildcard ?? true }),
      ...(options.imports ?? [WebhooksModule.forRoot({ providers: providerOptions, ...options.webhooks })]),
    ],
    providers: [Recorder, ...(options.providers ?? [])],
    controllers: options.controllers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication({ rawBody: options.rawBody ?? false, logger: false });
  await app.init();
  return { app, recorder: app.get(Recorder) };
}
