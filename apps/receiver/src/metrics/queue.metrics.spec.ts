import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConsoleLogger, Logger } from '@nestjs/common';
import type { BullmqWebhookQueue, QueueJobCounts } from 'nestjs-webhooks/bullmq';
import { Registry } from 'prom-client';
import { parsePrometheus } from '../../../../test/support/prometheus.js';
import { QueueMetrics } from './queue.metrics.js';

const COUNTS: QueueJobCounts = {
  waiting: 4,
  active: 2,
  delayed: 3,
  prioritized: 0,
  waitingChildren: 0,
  dead: 5,
  processed: 40,
};

/** A queue whose counts() answers what `answer` gives, counting the calls. */
function queueAnswering(answer: () => Promise<QueueJobCounts>) {
  const calls = { count: 0 };
  const queue = {
    counts: () => {
      calls.count++;
      return answer();
    },
  } as unknown as BullmqWebhookQueue;
  return { queue, calls };
}

function setUp(queue: BullmqWebhookQueue | undefined, timeoutMs = 1_000) {
  // A bare registry: the process metrics are not what is tested here.
  const registry = new Registry();
  new QueueMetrics(registry, queue, timeoutMs);
  return async () => parsePrometheus(await registry.metrics());
}

describe('QueueMetrics', () => {
  const logged: string[] = [];
  beforeAll(() => {
    Logger.overrideLogger({
      log: (message: unknown) => logged.push(`LOG ${String(message)}`),
      warn: (message: unknown) => logged.push(`WARN ${String(message)}`),
      error: (message: unknown) => logged.push(`ERROR ${String(message)}`),
    });
  });
  afterAll(() => Logger.overrideLogger(new ConsoleLogger()));

  it("reads the queue's depth and dead letters when scraped, once per scrape", async () => {
    const { queue, calls } = queueAnswering(async () => COUNTS);
    const scrape = setUp(queue);
    expect(calls.count).toBe(0);
    const scraped = await scrape();
    expect(calls.count).toBe(1);
    expect(scraped.all('webhooks_queue_jobs')).toEqual(
      [
        ['waiting', 4],
        ['active', 2],
        ['delayed', 3],
        ['prioritized', 0],
        ['waiting-children', 0],
      ].map(([state, value]) => ({ name: 'webhooks_queue_jobs', labels: { state }, value })),
    );
    expect(scraped.types.get('webhooks_queue_jobs')).toBe('gauge');
    expect(scraped.value('webhooks_queue_dead_letters')).toBe(5);
    expect(scraped.value('webhooks_queue_up')).toBe(1);
    await scrape();
    expect(calls.count).toBe(2);
  });

  it('leaves the depth and dead letters unset and says the queue is down when it does not answer in time', async () => {
    let answer: () => Promise<QueueJobCounts> = async () => COUNTS;
    const { queue } = queueAnswering(() => answer());
    const scrape = setUp(queue, 50);
    expect((await scrape()).value('webhooks_queue_up')).toBe(1);

    answer = () => new Promise(() => undefined);
    const started = Date.now();
    const hung = await scrape();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(hung.value('webhooks_queue_up')).toBe(0);
    // Stale or zero counts would look like an idle queue: no value at all.
    expect(hung.all('webhooks_queue_jobs')).toEqual([]);
    expect(hung.all('webhooks_queue_dead_letters')).toEqual([]);
    expect(hung.types.get('webhooks_queue_dead_letters')).toBe('gauge');

    answer = () => Promise.reject(new Error('Connection is closed.'));
    const failed = await scrape();
    expect(failed.value('webhooks_queue_up')).toBe(0);
    expect(failed.all('webhooks_queue_jobs')).toEqual([]);

    answer = async () => ({ ...COUNTS, dead: 6 });
    const back = await scrape();
    expect(back.value('webhooks_queue_up')).toBe(1);
    expect(back.value('webhooks_queue_dead_letters')).toBe(6);
    expect(back.value('webhooks_queue_jobs', { state: 'waiting' })).toBe(4);
    // Once when it went (the first reason), once when it came back.
    expect(logged).toEqual([
      'WARN The queue could not be read for /metrics: the queue did not answer within 50 ms',
      'LOG The queue can be read again',
    ]);
  });

  it('registers no queue gauges without a queue (inline mode)', async () => {
    const scraped = await setUp(undefined)();
    expect([...scraped.types.keys()].filter((name) => name.startsWith('webhooks_queue'))).toEqual([]);
  });
});
