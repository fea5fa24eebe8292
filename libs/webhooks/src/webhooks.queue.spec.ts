import { describe, expect, it } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { inkitSender } from './senders/inkit/inkit.sender.js';
import { MemoryIdempotencyStore } from './webhooks.memory-storage.js';
import type { WebhookDeliveryOutcome } from './webhooks.event.js';
import {
  WebhookHandlerException,
  WebhookInFlightException,
  WebhookPayloadException,
  WebhookQueueException,
} from './webhooks.exception.js';
import type { QueuedWebhookDelivery, WebhookQueue } from './webhooks.queue.js';
import { WebhooksRegistry } from './webhooks.registry.js';
import { WebhooksService, type VerifiedDelivery } from './webhooks.service.js';
import { ACCEPTED } from './schemes/index.js';

class FakeQueue implements WebhookQueue {
  readonly items: QueuedWebhookDelivery[] = [];
  hang = false;
  fail = false;
  async enqueue(delivery: QueuedWebhookDelivery) {
    if (this.fail) throw new Error('redis is down');
    if (this.hang) return new Promise<never>(() => {});
    if (this.items.some((item) => item.idempotencyKey === delivery.idempotencyKey))
      return 'duplicate' as const;
    this.items.push(delivery);
    return 'queued' as const;
  }
}

function setup(queueTimeoutMs = 5_000) {
  const registry = new WebhooksRegistry({
    senders: [inkitSender.configure({ secret: 'unused-here' })],
    processing: 'queue',
    queueTimeoutMs,
    idempotency: { leaseMs: 1_000 },
  });
  const store = new MemoryIdempotencyStore(100);
  const emitter = new EventEmitter2({ wildcard: true });
  const queue = new FakeQueue();
  const service = new WebhooksService(registry, store, emitter, queue);
  const outcomes: WebhookDeliveryOutcome[] = [];
  emitter.on('webhooks.delivery.*', (outcome: WebhookDeliveryOutcome) => {
    outcomes.push(outcome);
  });
  return { service, store, emitter, queue, outcomes };
}

const delivery = (resourceId: string, extra: Partial<VerifiedDelivery> = {}): VerifiedDelivery => ({
  id: `d-${resourceId}-${Math.random()}`,
  sender: 'inkit',
  receivedAt: new Date(),
  startedAt: performance.now(),
  rawBody: Buffer.from(JSON.stringify({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: resourceId })),
  headers: { 'content-type': 'application/json', 'inkit-signature': 'abc' },
  verification: ACCEPTED,
  ...extra,
});

describe('queue mode: the request path', () => {
  it('queues the verified delivery with everything a worker needs, credentials redacted', async () => {
    const { service, queue, outcomes } = setup();
    await service.process(delivery('doc_1'));
    expect(queue.items).toHaveLength(1);
    const [queued] = queue.items;
    expect(queued).toMatchObject({
      sender: 'inkit',
      event: 'inkit.DOCUMENT_CREATE_FINISHED',
      type: 'DOCUMENT_CREATE_FINISHED',
      idempotencyKey: 'inkit:DOCUMENT_CREATE_FINISHED:doc_1',
      headers: { 'content-type': 'application/json', 'inkit-signature': '[redacted]' },
    });
    expect(JSON.parse(Buffer.from(queued!.rawBody, 'base64').toString())).toEqual({
      event_type: 'DOCUMENT_CREATE_FINISHED',
      resource_id: 'doc_1',
    });
    // JSON-safe: what any queue carries survives a round trip unchanged.
    expect(JSON.parse(JSON.stringify(queued))).toEqual(queued);
    expect(outcomes.map((o) => o.outcome)).toEqual(['queued']);
    // The outcome carries the queued delivery's redacted headers: what a delivery log keeps.
    expect(outcomes[0]!.headers).toEqual(queued!.headers);
  });

  it('answers a second copy as a duplicate while the first is queued', async () => {
    const { service, queue, outcomes } = setup();
    await service.process(delivery('doc_2'));
    await service.process(delivery('doc_2'));
    expect(queue.items).toHaveLength(1);
    expect(outcomes.map((o) => o.outcome)).toEqual(['queued', 'duplicate']);
  });

  it('refuses with 500 queue-unavailable when the queue fails, or does not answer in time', async () => {
    const failing = setup();
    failing.queue.fail = true;
    await expect(failing.service.process(delivery('doc_3'))).rejects.toBeInstanceOf(WebhookQueueException);
    expect(failing.outcomes.at(-1)).toMatchObject({
      outcome: 'failed',
      status: 500,
      reason: 'queue-unavailable',
    });

    const hanging = setup(50);
    hanging.queue.hang = true;
    const started = performance.now();
    await expect(hanging.service.process(delivery('doc_4'))).rejects.toBeInstanceOf(WebhookQueueException);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('still refuses an invalid payload before anything is queued', async () => {
    const { service, queue } = setup();
    const invalid = delivery('x', { rawBody: Buffer.from('{"event_type":"DOCUMENT_CREATE_FINISHED"}') });
    await expect(service.process(invalid)).rejects.toBeInstanceOf(WebhookPayloadException);
    expect(queue.items).toHaveLength(0);
  });
});

describe('queue mode: a worker', () => {
  async function queued(resourceId: string) {
    const context = setup();
    await context.service.process(delivery(resourceId));
    return { ...context, item: context.queue.items[0]! };
  }

  it('runs the handlers with the validated payload, then marks the key processed', async () => {
    const { service, emitter, store, item, outcomes } = await queued('doc_5');
    const seen: unknown[] = [];
    emitter.on('webhooks.event.inkit.DOCUMENT_CREATE_FINISHED', (event: { payload: unknown }) => {
      seen.push(event.payload);
    });
    expect(await service.handleQueued(item, { attempt: 1, attempts: 3 })).toBe('processed');
    expect(seen).toEqual([expect.objectContaining({ resource_id: 'doc_5' })]);
    expect(await store.claim(item.idempotencyKey, 'someone-else', 1_000)).toBe('processed');
    expect(outcomes.at(-1)).toMatchObject({ outcome: 'processed', attempt: 1, attempts: 3 });
    expect(outcomes.at(-1)!.headers).toEqual(item.headers);
    expect(outcomes.at(-1)!.headers!['inkit-signature']).toBe('[redacted]');
    // A second job for the same key (a duplicate enqueued elsewhere) runs nothing.
    expect(await service.handleQueued({ ...item, id: 'another' }, { attempt: 1, attempts: 3 })).toBe(
      'duplicate',
    );
    expect(seen).toHaveLength(1);
  });

  it('releases the key when a handler fails, reporting retrying, then dead on the last attempt', async () => {
    const { service, emitter, store, item, outcomes } = await queued('doc_6');
    emitter.on('webhooks.event.inkit.DOCUMENT_CREATE_FINISHED', () => {
      throw new Error('boom');
    });
    await expect(service.handleQueued(item, { attempt: 1, attempts: 2 })).rejects.toBeInstanceOf(
      WebhookHandlerException,
    );
    expect(outcomes.at(-1)).toMatchObject({ outcome: 'retrying', reason: 'handler-error', attempt: 1 });
    await expect(service.handleQueued(item, { attempt: 2, attempts: 2 })).rejects.toBeInstanceOf(
      WebhookHandlerException,
    );
    expect(outcomes.at(-1)).toMatchObject({ outcome: 'dead', attempt: 2, attempts: 2 });
    // Not marked processed: a replay or a sender's retry may still run it.
    expect(await store.claim(item.idempotencyKey, 'later', 1_000)).toBe('claimed');
  });

  it('waits for another worker holding the key', async () => {
    const { service, store, item } = await queued('doc_7');
    expect(await store.claim(item.idempotencyKey, 'other-worker', 1_000)).toBe('claimed');
    await expect(service.handleQueued(item, { attempt: 1, attempts: 5 })).rejects.toBeInstanceOf(
      WebhookInFlightException,
    );
  });

  it('gives up at once on bytes that no longer pass the DTO', async () => {
    const { service, item, outcomes } = await queued('doc_8');
    const broken = { ...item, rawBody: Buffer.from('{"event_type":"X"}').toString('base64') };
    await expect(service.handleQueued(broken, { attempt: 1, attempts: 5 })).rejects.toBeInstanceOf(
      WebhookPayloadException,
    );
    expect(outcomes.at(-1)).toMatchObject({ outcome: 'dead', reason: 'invalid-payload' });
  });

  it('replays a processed delivery on purpose, de-duplication bypassed for it alone', async () => {
    const { service, emitter, item, outcomes } = await queued('doc_9');
    let runs = 0;
    emitter.on('webhooks.event.inkit.DOCUMENT_CREATE_FINISHED', () => {
      runs++;
    });
    await service.handleQueued(item, { attempt: 1, attempts: 3 });
    expect(
      await service.handleQueued({ ...item, id: 'replay-1', replayOf: item.id }, { attempt: 1, attempts: 3 }),
    ).toBe('replayed');
    expect(runs).toBe(2);
    expect(outcomes.at(-1)).toMatchObject({ outcome: 'processed', replayOf: item.id });
    // The plain copy is still a duplicate.
    expect(await service.handleQueued({ ...item, id: 'retry' }, { attempt: 1, attempts: 3 })).toBe(
      'duplicate',
    );
  });

  it('replays a dead delivery by holding its key, and marks it processed when it succeeds', async () => {
    const { service, emitter, store, item } = await queued('doc_10');
    let fail = true;
    emitter.on('webhooks.event.inkit.DOCUMENT_CREATE_FINISHED', () => {
      if (fail) throw new Error('boom');
    });
    await expect(service.handleQueued(item, { attempt: 1, attempts: 1 })).rejects.toBeInstanceOf(
      WebhookHandlerException,
    );
    fail = false;
    const replay = { ...item, id: 'replay-2', replayOf: item.id };
    expect(await service.handleQueued(replay, { attempt: 1, attempts: 3 })).toBe('replayed');
    expect(await store.claim(item.idempotencyKey, 'sender-retry', 1_000)).toBe('processed');
  });

  it('logs a retry at warn and a dead delivery at error, naming the attempt, never the payload', async () => {
    const lines: string[] = [];
    const capture: LoggerService = {
      log: () => {},
      debug: () => {},
      verbose: () => {},
      warn: (message: unknown) => void lines.push(`warn ${String(message)}`),
      error: (message: unknown) => void lines.push(`error ${String(message)}`),
    };
    Logger.overrideLogger(capture);
    try {
      const { service, emitter, item } = await queued('doc_secret_payload_11');
      emitter.on('webhooks.event.inkit.DOCUMENT_CREATE_FINISHED', () => {
        throw new Error('boom');
      });
      await expect(service.handleQueued(item, { attempt: 1, attempts: 2 })).rejects.toBeDefined();
      await expect(service.handleQueued(item, { attempt: 2, attempts: 2 })).rejects.toBeDefined();
    } finally {
      Logger.overrideLogger(new Logger());
    }
    const outcomeLines = lines.filter((line) => /Retrying|Dead/.test(line));
    expect(outcomeLines).toEqual([
      expect.stringMatching(
        /^warn Retrying inkit inkit\.DOCUMENT_CREATE_FINISHED delivery .*: attempt 1 of 2 failed: handler-error/,
      ),
      expect.stringMatching(
        /^error Dead inkit inkit\.DOCUMENT_CREATE_FINISHED delivery .* after attempt 2 of 2: handler-error/,
      ),
    ]);
    expect(lines.join('\n')).not.toContain('"resource_id"');
  });
});
