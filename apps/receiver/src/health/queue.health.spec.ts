import { describe, expect, it } from '@jest/globals';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { BullmqWebhookQueue } from 'nestjs-webhooks/bullmq';
import { QueueHealthIndicator } from './queue.health.js';
import { captureLogs } from '../../../../test/support/logs.js';

/** What the indicator reaches of BullmqWebhookQueue: its BullMQ queue's client. */
function fakeQueue(client: Promise<unknown>): BullmqWebhookQueue {
  return { queue: { client } } as unknown as BullmqWebhookQueue;
}

const indicatorWith = (queue: BullmqWebhookQueue | undefined, timeoutMs = 1_000) =>
  new QueueHealthIndicator(new HealthIndicatorService(), timeoutMs, queue);

describe('QueueHealthIndicator', () => {
  const warned = captureLogs();

  it('is not checked out of queue mode (no queue provided)', () => {
    expect(indicatorWith(undefined).configured).toBe(false);
    expect(indicatorWith(fakeQueue(new Promise(() => undefined))).configured).toBe(true);
  });

  it("is up when PING answers on the queue's connection", async () => {
    let pings = 0;
    const client = { status: 'ready', ping: async () => void pings++ };
    expect(await indicatorWith(fakeQueue(Promise.resolve(client))).check()).toEqual({
      queue: { status: 'up' },
    });
    expect(pings).toBe(1);
  });

  it('is down when the connection is lost', async () => {
    const client = { status: 'reconnecting', ping: () => new Promise(() => undefined) };
    expect(await indicatorWith(fakeQueue(Promise.resolve(client))).check()).toEqual({
      queue: { status: 'down' },
    });
  });

  it('is down when BullMQ could not connect at all', async () => {
    const failed = Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    failed.catch(() => undefined);
    expect(await indicatorWith(fakeQueue(failed)).check()).toEqual({ queue: { status: 'down' } });
    expect(warned).toEqual(['WARN Queue is down: connect ECONNREFUSED 127.0.0.1:6379']);
  });

  it('is down within the timeout while the first connection is still awaited, or PING hangs', async () => {
    const hung = { status: 'ready', ping: () => new Promise(() => undefined) };
    for (const client of [new Promise(() => undefined), Promise.resolve(hung)]) {
      const started = performance.now();
      expect(await indicatorWith(fakeQueue(client), 100).check()).toEqual({ queue: { status: 'down' } });
      expect(performance.now() - started).toBeLessThan(600);
    }
  });
});
