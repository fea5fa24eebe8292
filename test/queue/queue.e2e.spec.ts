import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { BullModule } from '@nestjs/bullmq';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  OnWebhook,
  OnWebhookOutcome,
  WebhooksModule,
  inkitSender,
  type WebhookDeliveryOutcome,
  type WebhookEvent,
} from 'nestjs-webhooks';
import { BullmqWebhookQueue, WebhooksBullmqModule, WebhooksWorkerHost } from 'nestjs-webhooks/bullmq';
import { signInkit } from 'nestjs-webhooks/testing';
import { describeIf } from '../support/needs.js';

const SECRET = 'queue-test-secret-0a9b';

@Injectable()
class Handler {
  readonly seen: string[] = [];
  readonly outcomes: WebhookDeliveryOutcome[] = [];
  failures = 0;

  @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
  async handle(event: WebhookEvent): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('failing on purpose');
    }
    this.seen.push((event.payload as { resource_id: string }).resource_id);
  }

  @OnWebhookOutcome('queued')
  @OnWebhookOutcome('processed')
  @OnWebhookOutcome('retrying')
  @OnWebhookOutcome('dead')
  @OnWebhookOutcome('duplicate')
  outcome(outcome: WebhookDeliveryOutcome): void {
    this.outcomes.push(outcome);
  }
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeIf(process.env.REDIS_URL_TEST, 'Redis')('queue mode on BullMQ', () => {
  let app: INestApplication;
  let handler: Handler;
  const queueName = `webhooks-test-${randomUUID()}`;

  beforeAll(async () => {
    const url = new URL(process.env.REDIS_URL_TEST!);
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot({ wildcard: true }),
        BullModule.forRoot({ connection: { host: url.hostname, port: Number(url.port || 6379) } }),
        WebhooksModule.forRoot({ senders: [inkitSender.configure({ secret: SECRET })], processing: 'queue' }),
        WebhooksBullmqModule.forRoot({ queueName, attempts: 3, backoff: { type: 'fixed', delay: 50 } }),
      ],
      providers: [Handler],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    handler = app.get(Handler);
  });

  afterAll(async () => {
    await app.get(BullmqWebhookQueue).queue.obliterate({ force: true });
    await app.close();
  });

  const send = (resourceId: string) => {
    const body = JSON.stringify({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: resourceId });
    return request(app.getHttpServer())
      .post('/webhooks/inkit')
      .set('Content-Type', 'application/json')
      .set(signInkit(body, { secret: SECRET }))
      .send(body);
  };

  it('acknowledges, then a worker runs the handler once', async () => {
    const response = await send('doc_q1');
    expect(response.status).toBe(200);
    await until(() => handler.seen.includes('doc_q1'));
    expect((await send('doc_q1')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(handler.seen.filter((id) => id === 'doc_q1')).toHaveLength(1);
    const kinds = handler.outcomes.filter((o) => o.idempotencyKey?.endsWith('doc_q1')).map((o) => o.outcome);
    // The reply's `queued` and the worker's outcomes race: a worker may report first.
    expect(kinds).toContain('queued');
    expect(kinds.filter((kind) => kind !== 'queued').sort()).toEqual(['duplicate', 'processed']);
  });

  it('retries a failing handler and ends processed', async () => {
    handler.failures = 2;
    expect((await send('doc_q2')).status).toBe(200);
    await until(() => handler.seen.includes('doc_q2'));
    const kinds = handler.outcomes.filter((o) => o.idempotencyKey?.endsWith('doc_q2')).map((o) => o.outcome);
    expect(kinds).toContain('queued');
    expect(kinds.filter((kind) => kind !== 'queued')).toEqual(['retrying', 'retrying', 'processed']);
  });

  it('ends dead after every attempt fails, and a replay runs once more', async () => {
    handler.failures = 3;
    expect((await send('doc_q3')).status).toBe(200);
    await until(() =>
      handler.outcomes.some((o) => o.outcome === 'dead' && o.idempotencyKey?.endsWith('doc_q3')),
    );
    const queue = app.get(BullmqWebhookQueue);
    expect(await queue.stateOf('inkit:DOCUMENT_CREATE_FINISHED:doc_q3')).toBe('dead');
    const replay = await queue.replay('inkit:DOCUMENT_CREATE_FINISHED:doc_q3');
    expect(replay).toEqual(expect.any(String));
    await until(() => handler.seen.includes('doc_q3'));
    const last = handler.outcomes.filter((o) => o.idempotencyKey?.endsWith('doc_q3')).at(-1)!;
    expect(last.outcome).toBe('processed');
    expect(last.replayOf).toEqual(expect.any(String));
  });

  it('tells the first of two racing copies from the duplicate: one job, one queued', async () => {
    const queue = app.get(BullmqWebhookQueue);
    const copy = (id: string) => ({
      id,
      sender: 'inkit',
      receivedAt: new Date().toISOString(),
      rawBody: Buffer.from('{}').toString('base64'),
      headers: {},
      event: 'inkit.DOCUMENT_CREATE_FINISHED',
      type: 'DOCUMENT_CREATE_FINISHED',
      idempotencyKey: `race:${randomUUID()}`,
    });
    const first = copy('copy-1');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, n) => queue.enqueue({ ...first, id: `copy-${n}` })),
    );
    expect(results.filter((result) => result === 'queued')).toHaveLength(1);
    expect(results.filter((result) => result === 'duplicate')).toHaveLength(7);
  });
});

/** Stands in for a ConfigService: where forRootAsync's factory reads its options. */
@Injectable()
class QueueSettings {
  readonly attempts = 2;
  readonly concurrency = 3;
}

@Module({ providers: [QueueSettings], exports: [QueueSettings] })
class SettingsModule {}

describeIf(process.env.REDIS_URL_TEST, 'Redis')('WebhooksBullmqModule.forRootAsync', () => {
  let app: INestApplication;
  const queueName = `webhooks-test-${randomUUID()}`;

  beforeAll(async () => {
    const url = new URL(process.env.REDIS_URL_TEST!);
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot({ wildcard: true }),
        WebhooksModule.forRoot({ senders: [inkitSender.configure({ secret: SECRET })], processing: 'queue' }),
        WebhooksBullmqModule.forRootAsync({
          queueName,
          imports: [SettingsModule],
          inject: [QueueSettings],
          useFactory: (settings: QueueSettings) => ({
            attempts: settings.attempts,
            concurrency: settings.concurrency,
            backoff: { type: 'fixed', delay: 20 },
            connection: { host: url.hostname, port: Number(url.port || 6379) },
          }),
        }),
      ],
      providers: [Handler],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app.get(BullmqWebhookQueue).queue.obliterate({ force: true });
    await app.close();
  });

  it('takes its options from the factory: the connection, attempts and the worker concurrency', async () => {
    const handler = app.get(Handler);
    handler.failures = 5;
    const body = JSON.stringify({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: 'doc_async' });
    const response = await request(app.getHttpServer())
      .post('/webhooks/inkit')
      .set('Content-Type', 'application/json')
      .set(signInkit(body, { secret: SECRET }))
      .send(body);
    expect(response.status).toBe(200);
    await until(() => handler.outcomes.some((o) => o.outcome === 'dead'));
    // Two attempts, from the factory: one retrying, then dead.
    const kinds = handler.outcomes.map((o) => o.outcome);
    expect(kinds).toContain('queued');
    expect(kinds.filter((kind) => kind !== 'queued')).toEqual(['retrying', 'dead']);
    expect(app.get(BullmqWebhookQueue).queue.name).toBe(queueName);
    const hosts = app
      .get(DiscoveryService, { strict: false })
      .getProviders()
      .filter((wrapper) => wrapper.instance instanceof WebhooksWorkerHost);
    expect(hosts).toHaveLength(1);
    expect((hosts[0]!.instance as WebhooksWorkerHost).worker.concurrency).toBe(3);
  });
});
