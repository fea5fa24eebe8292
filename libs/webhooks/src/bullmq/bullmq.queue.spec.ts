import { describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import { WebhookTimeoutError } from '../webhooks.limits.js';
import type { ResolvedWebhooksBullmqOptions } from './bullmq.options.js';
import { BullmqWebhookQueue } from './bullmq.queue.js';

const options = { commandTimeoutMs: 50 } as ResolvedWebhooksBullmqOptions;

/** A queue whose getJobCounts answers `answer` (BullMQ's shape), recording what it was asked. */
function queueAnswering(answer: () => Promise<Record<string, number>>) {
  const asked: string[][] = [];
  const queue = {
    getJobCounts: (...types: string[]) => {
      asked.push(types);
      return answer();
    },
  } as unknown as Queue;
  return { queue: new BullmqWebhookQueue(options, queue), asked };
}

// Against a real Redis in test/queue/counts.e2e.spec.ts; here what it makes of BullMQ's answer.
describe('BullmqWebhookQueue.counts', () => {
  it("names BullMQ's states in the library's words, a paused queue's jobs as waiting", async () => {
    const { queue, asked } = queueAnswering(async () => ({
      waiting: 3,
      paused: 2,
      active: 1,
      delayed: 4,
      prioritized: 5,
      'waiting-children': 6,
      failed: 7,
      completed: 8,
    }));
    expect(await queue.counts()).toEqual({
      waiting: 5,
      active: 1,
      delayed: 4,
      prioritized: 5,
      waitingChildren: 6,
      dead: 7,
      processed: 8,
    });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toEqual(expect.arrayContaining(['waiting', 'active', 'delayed', 'failed']));
  });

  it('counts a state BullMQ leaves out as 0', async () => {
    const { queue } = queueAnswering(async () => ({ waiting: 1 }));
    expect(await queue.counts()).toEqual({
      waiting: 1,
      active: 0,
      delayed: 0,
      prioritized: 0,
      waitingChildren: 0,
      dead: 0,
      processed: 0,
    });
  });

  it('rejects naming the queue once commandTimeoutMs has passed without an answer', async () => {
    const { queue } = queueAnswering(() => new Promise(() => undefined));
    const started = Date.now();
    const error = await queue.counts().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(WebhookTimeoutError);
    expect((error as Error).message).toBe('the queue did not answer within 50 ms');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
