import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { BullModule } from '@nestjs/bullmq';
import { Injectable, type INestApplication } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { OnWebhook, WebhooksModule, inkitSender, type QueuedWebhookDelivery } from 'nestjs-webhooks';
import { BullmqWebhookQueue, WebhooksBullmqModule, type QueueJobCounts } from 'nestjs-webhooks/bullmq';
import { describeIf } from '../support/needs.js';

@Injectable()
class FailingOnPurpose {
  @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
  handle(event: { payload: { resource_id: string } }): void {
    if (event.payload.resource_id.startsWith('fail')) throw new Error('failing on purpose');
  }
}

async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const none: QueueJobCounts = {
  waiting: 0,
  active: 0,
  delayed: 0,
  prioritized: 0,
  waitingChildren: 0,
  dead: 0,
  processed: 0,
};

describeIf(process.env.REDIS_URL_TEST, 'Redis')('BullmqWebhookQueue.counts on Redis', () => {
  let app: INestApplication;
  let queue: BullmqWebhookQueue;
  const queueName = `webhooks-test-${randomUUID()}`;

  beforeAll(async () => {
    const url = new URL(process.env.REDIS_URL_TEST!);
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot({ wildcard: true }),
        BullModule.forRoot({ connection: { host: url.hostname, port: Number(url.port || 6379) } }),
        WebhooksModule.forRoot({
          senders: [inkitSender.configure({ secret: 'unused' })],
          processing: 'queue',
        }),
        // A failing delivery waits a minute for its second attempt: long enough to be seen delayed.
        WebhooksBullmqModule.forRoot({ queueName, attempts: 2, backoff: { type: 'fixed', delay: 60_000 } }),
      ],
      providers: [FailingOnPurpose],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    queue = app.get(BullmqWebhookQueue);
  });

  afterAll(async () => {
    await queue?.queue.obliterate({ force: true });
    await app?.close();
  });

  const delivery = (body: unknown): QueuedWebhookDelivery => {
    const id = randomUUID();
    return {
      id,
      sender: 'inkit',
      receivedAt: new Date().toISOString(),
      rawBody: Buffer.from(JSON.stringify(body)).toString('base64'),
      headers: {},
      event: 'inkit.DOCUMENT_CREATE_FINISHED',
      type: 'DOCUMENT_CREATE_FINISHED',
      idempotencyKey: `inkit:DOCUMENT_CREATE_FINISHED:${id}`,
    };
  };
  const inkit = (resourceId: string) =>
    delivery({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: resourceId });

  it('reads an empty queue as all zeros', async () => {
    expect(await queue.counts()).toEqual(none);
  });

  it('counts waiting, processed, delayed (a retry) and dead jobs', async () => {
    await queue.queue.pause();
    try {
      expect(await queue.enqueue(inkit('ok-1'))).toBe('queued');
      expect(await queue.enqueue(inkit('ok-2'))).toBe('queued');
      expect(await queue.counts()).toEqual({ ...none, waiting: 2 });
    } finally {
      await queue.queue.resume();
    }
    await until(async () => (await queue.counts()).processed === 2, 'two processed');

    // Bytes that no longer pass the DTO are dead at once; a failing handler waits for its retry.
    await queue.enqueue(delivery({ resource_id: 'no event type' }));
    await queue.enqueue(inkit('fail-1'));
    await until(async () => {
      const counts = await queue.counts();
      return counts.dead === 1 && counts.delayed === 1;
    }, 'one dead, one delayed');
    expect(await queue.counts()).toEqual({ ...none, processed: 2, delayed: 1, dead: 1 });
  });
});
