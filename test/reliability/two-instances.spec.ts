import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  MemoryIdempotencyStore,
  RedisIdempotencyStore,
  WebhookIdempotencyStore,
  type WebhookDeliveryOutcome,
  type WebhookEvent,
} from 'nestjs-webhooks';
import { createReceiver } from '../../apps/receiver/src/bootstrap.js';
import { RecordsRepository } from '../../apps/receiver/src/database/index.js';
import { REDIS_CLIENT } from '../../apps/receiver/src/redis/redis.module.js';
import { createTestApp, type Recorder } from '../support/app.js';
import { credentials, samples, type Sample } from '../support/senders.js';
import { connectOrSkip, deleteKeys, listen, post, REDIS_URL, runPrefix, type Reply } from './redis.js';
import { describeIf } from '../support/needs.js';

const SUITE = 'two-instances';
const HANDLER_MS = 100;
const DELIVERIES_PER_SENDER = 5;
// An embedded PGlite takes seconds to start under Jest, more with other test files in parallel.
const BOOT_TIMEOUT_MS = 120_000;

const admin = await connectOrSkip(SUITE);
const describeRedis = describeIf(admin, 'Redis');

// After every describe's own afterAll, which still clean their keys up with it.
afterAll(async () => {
  await admin?.quit();
});

interface Instance {
  app: INestApplication;
  recorder: Recorder;
  url: string;
  client: Redis;
}

describeRedis('two instances sharing one Redis store', () => {
  const prefix = runPrefix(SUITE);
  const instances: Instance[] = [];
  let next = 0;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      // A connection each, as two processes would have.
      const client = new Redis(REDIS_URL);
      const { app, recorder } = await createTestApp({
        webhooks: { store: new RedisIdempotencyStore(client, { keyPrefix: prefix }) },
      });
      recorder.delayMs = HANDLER_MS;
      instances.push({ app, recorder, client, url: await listen(app) });
    }
  });

  afterAll(async () => {
    for (const { app, client } of instances) {
      await app.close();
      await client.quit();
    }
    await deleteKeys(admin!, prefix);
  });

  const events = (): WebhookEvent[] => instances.flatMap(({ recorder }) => recorder.events);
  const outcomes = (): WebhookDeliveryOutcome[] => instances.flatMap(({ recorder }) => recorder.outcomes);
  const runsOf = (key: string) => events().filter((event) => event.idempotencyKey === key).length;
  const outcomesOf = (key: string) =>
    outcomes()
      .filter((outcome) => outcome.idempotencyKey === key)
      .map((outcome) => (outcome.reason ? `${outcome.outcome}:${outcome.reason}` : outcome.outcome))
      .sort();

  function delivery(sample: Sample) {
    const body = JSON.stringify(sample.vary(++next));
    return { body, headers: sample.sign(body) };
  }

  // Both requests leave in the same tick, after signing, so neither waits for the other.
  const toBoth = (sample: Sample, body: string, headers: Record<string, string>): Promise<Reply[]> =>
    Promise.all(instances.map(({ url }) => post(url + sample.path, body, headers)));

  async function keyOf(body: string): Promise<string> {
    const key = events().find((event) => event.rawBody.toString('utf8') === body)?.idempotencyKey;
    if (!key) throw new Error(`no handler saw ${body}`);
    return key;
  }

  it.each(samples.map((sample) => [sample.sender, sample] as const))(
    '%s: the same delivery sent to both at once runs its handler once',
    async (_sender, sample) => {
      const sent = Array.from({ length: DELIVERIES_PER_SENDER }, () => delivery(sample));
      const replies = await Promise.all(sent.map(({ body, headers }) => toBoth(sample, body, headers)));

      for (const [i, pair] of replies.entries()) {
        const statuses = pair.map((reply) => reply.status).sort();
        // 200+409 while the first holds the lease; 200+200 only if the second came after completion.
        expect([
          [200, 409],
          [200, 200],
        ]).toContainEqual(statuses);
        const key = await keyOf(sent[i].body);
        expect(runsOf(key)).toBe(1);
        expect(outcomesOf(key)).toEqual(
          statuses[1] === 409 ? ['accepted', 'rejected:in-flight'] : ['accepted', 'duplicate'],
        );
      }
      // With a 100 ms handler the second request always lands on a live lease; a store that is not
      // shared would answer 200 twice (and run the handler twice), so this proves the sharing.
      expect(replies.flat().filter((reply) => reply.status === 409).length).toBeGreaterThan(0);

      // The sender retries each 409: answered from the processed mark, without running anything.
      for (const [i, pair] of replies.entries()) {
        const rejected = pair.findIndex((reply) => reply.status === 409);
        if (rejected === -1) continue;
        const retry = await post(instances[rejected].url + sample.path, sent[i].body, sent[i].headers);
        expect(retry.status).toBe(200);
        expect(runsOf(await keyOf(sent[i].body))).toBe(1);
      }
    },
  );

  it('a burst of copies spread over both instances is accepted once', async () => {
    const sample = samples[0];
    const { body, headers } = delivery(sample);
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) => post(instances[i % 2].url + sample.path, body, headers)),
    );
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.every((status) => status === 200 || status === 409)).toBe(true);
    const key = await keyOf(body);
    expect(runsOf(key)).toBe(1);
    expect(outcomesOf(key).filter((outcome) => outcome === 'accepted')).toHaveLength(1);
    expect(await admin!.get(prefix + key)).toMatch(/^done:/);
  });
});

describeRedis('two reference receivers given the same REDIS_URL', () => {
  const prefix = runPrefix(`${SUITE}-receiver`);
  const sample = samples.find((candidate) => candidate.sender === 'inkit')!;
  const receivers: { app: INestApplication; url: string }[] = [];
  let n = 0;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      // A database each: only the shared Redis can keep the second from applying the delivery too.
      const app = await createReceiver({
        env: {
          PGLITE_DATA_DIR: 'memory://',
          REDIS_URL,
          REDIS_KEY_PREFIX: prefix,
          INKIT_WEBHOOK_SECRET: credentials.inkit,
        },
        logger: false,
      });
      receivers.push({ app, url: await listen(app) });
    }
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    for (const { app } of receivers) await app.close();
    await deleteKeys(admin!, prefix);
  }, BOOT_TIMEOUT_MS);

  it('use the Redis store under the configured prefix', async () => {
    for (const { app } of receivers)
      expect(app.get(WebhookIdempotencyStore)).toBeInstanceOf(RedisIdempotencyStore);
    const body = JSON.stringify(sample.vary(++n));
    await post(receivers[0].url + sample.path, body, sample.sign(body));
    const keys = await admin!.keys(`${prefix}*`);
    expect(keys).toHaveLength(1);
    expect(await admin!.get(keys[0])).toMatch(/^done:/);
  });

  it('apply a delivery sent to both at once in one of them only', async () => {
    for (let i = 0; i < 5; i++) {
      const body = JSON.stringify(sample.vary(++n));
      const replies = await Promise.all(
        receivers.map(({ url }) => post(url + sample.path, body, sample.sign(body))),
      );
      expect(replies.map((reply) => reply.status)).toContain(200);
      expect(replies.every((reply) => reply.status === 200 || reply.status === 409)).toBe(true);
      let applied = 0;
      for (const { app } of receivers) {
        const { rows } = await app
          .get(RecordsRepository)
          .listDeliveries({ sender: 'inkit', status: 200, limit: 500 });
        applied += rows.filter((row) => row.rawBody === body && !row.duplicate).length;
      }
      expect(applied).toBe(1);
    }
  });

  it('close their Redis connection on shutdown', async () => {
    const { app } = receivers.pop()!;
    const client = app.get<Redis>(REDIS_CLIENT);
    await client.ping();
    // QUIT is acknowledged before the socket is gone: 'end' follows within a moment.
    const ended = new Promise<string>((resolve) => {
      client.once('end', () => resolve('end'));
      setTimeout(() => resolve(`still ${client.status} 2 s after close`), 2000).unref();
    });
    await app.close();
    expect(await ended).toBe('end');
  });

  it(
    'keep the in-memory store without REDIS_URL',
    async () => {
      const alone = await createReceiver({
        env: { PGLITE_DATA_DIR: 'memory://', INKIT_WEBHOOK_SECRET: credentials.inkit },
        logger: false,
      });
      await alone.init();
      expect(alone.get(WebhookIdempotencyStore)).toBeInstanceOf(MemoryIdempotencyStore);
      expect(alone.get(REDIS_CLIENT)).toBeNull();
      await alone.close();
    },
    BOOT_TIMEOUT_MS,
  );
});
