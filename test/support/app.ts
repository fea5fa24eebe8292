import {
  type INestApplication,
  Injectable,
  type ModuleMetadata,
  type NestApplicationOptions,
} from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  OnWebhook,
  OnWebhookOutcome,
  WebhooksModule,
  type WebhookDeliveryOutcome,
  type WebhookEvent,
  type WebhookEventName,
  type WebhooksModuleOptions,
} from 'nestjs-webhooks';
import { configuredSenders, samples } from './senders.js';

export type Adapter = 'express' | 'fastify';
export const ADAPTERS: readonly Adapter[] = ['express', 'fastify'];

/** The adapter a test app runs on unless told otherwise: `WEBHOOKS_ADAPTER=fastify` switches the default. */
export const defaultAdapter = (): Adapter =>
  process.env.WEBHOOKS_ADAPTER === 'fastify' ? 'fastify' : 'express';

/** Records what handlers and outcome listeners saw; can be told to fail the next N calls. */
@Injectable()
export class Recorder {
  readonly events: WebhookEvent[] = [];
  readonly outcomes: WebhookDeliveryOutcome[] = [];
  failNext = 0;
  delayMs = 0;

  // A handler of every sample's event (see below).
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

// `handle` takes the event of each sender's sample, whichever senders there are.
const handle = Object.getOwnPropertyDescriptor(Recorder.prototype, 'handle')!;
for (const { event } of samples) OnWebhook(event as WebhookEventName)(Recorder.prototype, 'handle', handle);

/**
 * Creates and initializes the app on the chosen adapter. Fastify only routes once it is ready,
 * which `listen()` does in production and supertest does not.
 */
export async function startApp(
  moduleRef: TestingModule,
  adapter: Adapter = defaultAdapter(),
  options: NestApplicationOptions = {},
): Promise<INestApplication> {
  const appOptions = { logger: false as const, ...options };
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), appOptions)
      : moduleRef.createNestApplication(appOptions);
  await app.init();
  if (adapter === 'fastify') await app.getHttpAdapter().getInstance().ready();
  return app;
}

export interface TestAppOptions {
  adapter?: Adapter;
  webhooks?: Partial<WebhooksModuleOptions>;
  imports?: ModuleMetadata['imports'];
  providers?: ModuleMetadata['providers'];
  controllers?: ModuleMetadata['controllers'];
  rawBody?: boolean;
  wildcard?: boolean;
}

export async function createTestApp(
  options: TestAppOptions = {},
): Promise<{ app: INestApplication; recorder: Recorder }> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      EventEmitterModule.forRoot({ wildcard: options.wildcard ?? true }),
      ...(options.imports ?? [WebhooksModule.forRoot({ senders: configuredSenders, ...options.webhooks })]),
    ],
    providers: [Recorder, ...(options.providers ?? [])],
    controllers: options.controllers ?? [],
  }).compile();
  const app = await startApp(moduleRef, options.adapter, { rawBody: options.rawBody ?? false });
  return { app, recorder: app.get(Recorder) };
}
