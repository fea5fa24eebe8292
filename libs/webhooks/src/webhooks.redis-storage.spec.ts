import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { connectOrSkip, REDIS_URL, runPrefix } from '../../../test/reliability/redis.js';
import { describeIf } from '../../../test/support/needs.js';
import { RedisIdempotencyStore, type RedisEvalClient } from './webhooks.redis-storage.js';

const admin = await connectOrSkip('RedisIdempotencyStore');
const describeRedis = describeIf(admin, 'Redis');

// Keys of earlier runs live for their TTL: a prefix per run keeps them out of this one.
const prefix = runPrefix('webhooks-idem');
const clients: Redis[] = [];

function store(): RedisIdempotencyStore {
  const client = new Redis(REDIS_URL);
  clients.push(client);
  return new RedisIdempotencyStore(client, { keyPrefix: prefix });
}

const raw = (key: string) => admin!.get(prefix + key);
const ttl = (key: string) => admin!.pttl(prefix + key);

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms (last: ${String(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit()));
  if (!admin) return;
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await admin.quit();
});

describeRedis('RedisIdempotencyStore (real Redis)', () => {
  it('claims once, answers in-flight while the lease lives, and processed once completed', async () => {
    const s = store();
    const key = randomUUID();
    expect(await s.claim(key, 'a', 60_000)).toBe('claimed');
    expect(await raw(key)).toBe('lease:a');
    expect(await ttl(key)).toBeGreaterThan(59_000);
    expect(await s.claim(key, 'b', 60_000)).toBe('in-flight');
    // The same owner asking again is still a second request: it must not run the handlers twice.
    expect(await s.claim(key, 'a', 60_000)).toBe('in-flight');

    await s.complete(key, 'a', 3_600_000);
    expect(await raw(key)).toBe('done:a');
    expect(await ttl(key)).toBeGreaterThan(3_500_000);
    expect(await s.claim(key, 'c', 60_000)).toBe('processed');
  });

  it('lets the next delivery claim after a release', async () => {
    const s = store();
    const key = randomUUID();
    expect(await s.claim(key, 'a', 60_000)).toBe('claimed');
    await s.release(key, 'a');
    expect(await raw(key)).toBeNull();
    expect(await s.claim(key, 'b', 60_000)).toBe('claimed');
  });

  it('lets a new owner take an expired lease, and keeps the stale owner from completing or releasing it', async () => {
    const s = store();
    const key = randomUUID();
    const started = Date.now();
    expect(await s.claim(key, 'stale', 200)).toBe('claimed');
    expect(await s.claim(key, 'new', 200)).toBe('in-flight');

    await until(
      () => s.claim(key, 'new', 60_000),
      (claim) => claim !== 'in-flight',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(await raw(key)).toBe('lease:new');

    await s.complete(key, 'stale', 3_600_000);
    expect(await raw(key)).toBe('lease:new');
    await s.release(key, 'stale');
    expect(await raw(key)).toBe('lease:new');

    await s.complete(key, 'new', 3_600_000);
    expect(await raw(key)).toBe('done:new');
    // Nor may the stale owner turn the new owner's mark into its own or drop it.
    await s.complete(key, 'stale', 3_600_000);
    await s.release(key, 'stale');
    expect(await raw(key)).toBe('done:new');
  });

  it('completes when its lease expired and nobody took it over: the handlers did run', async () => {
    const s = store();
    const key = randomUUID();
    expect(await s.claim(key, 'slow', 50)).toBe('claimed');
    await until(
      () => raw(key),
      (value) => value === null,
    );
    await s.complete(key, 'slow', 60_000);
    expect(await raw(key)).toBe('done:slow');
    expect(await s.claim(key, 'retry', 60_000)).toBe('processed');
  });

  it('never releases a processed mark', async () => {
    const s = store();
    const key = randomUUID();
    await s.claim(key, 'a', 60_000);
    await s.complete(key, 'a', 60_000);
    await s.release(key, 'a');
    expect(await s.claim(key, 'b', 60_000)).toBe('processed');
  });

  it('forgets a processed delivery once its TTL has passed', async () => {
    const s = store();
    const key = randomUUID();
    expect(await s.claim(key, 'a', 60_000)).toBe('claimed');
    await s.complete(key, 'a', 200);
    const completed = Date.now();
    expect(await s.claim(key, 'b', 60_000)).toBe('processed');
    await until(
      () => s.claim(key, 'b', 60_000),
      (claim) => claim === 'claimed',
    );
    expect(Date.now() - completed).toBeGreaterThanOrEqual(190);
  });

  it('gives exactly one of 50 concurrent claims of one key, across several connections', async () => {
    const stores = Array.from({ length: 5 }, () => store());
    const key = randomUUID();
    const claims = await Promise.all(
      Array.from({ length: 50 }, (_, i) => stores[i % stores.length].claim(key, `owner-${i}`, 60_000)),
    );
    expect(claims.filter((claim) => claim === 'claimed')).toHaveLength(1);
    expect(claims.filter((claim) => claim === 'in-flight')).toHaveLength(49);
    const winner = claims.indexOf('claimed');
    expect(await raw(key)).toBe(`lease:owner-${winner}`);
  });

  it('keeps prefixes apart and takes fractional or zero durations', async () => {
    const key = randomUUID();
    const client = new Redis(REDIS_URL);
    clients.push(client);
    const other = new RedisIdempotencyStore(client, { keyPrefix: `${prefix}other:` });
    const s = store();
    expect(await s.claim(key, 'a', 0.5)).toBe('claimed');
    expect(await other.claim(key, 'b', 60_000)).toBe('claimed');
    expect(await admin!.get(`${prefix}other:${key}`)).toBe('lease:b');
  });
});

describe('RedisIdempotencyStore (client contract)', () => {
  it('uses the default prefix and passes key and arguments as EVAL expects', async () => {
    const calls: unknown[][] = [];
    const client: RedisEvalClient = {
      eval: async (...args) => {
        calls.push(args);
        return 'claimed';
      },
    };
    const s = new RedisIdempotencyStore(client);
    await s.claim('inkit:x', 'owner', 1500);
    expect(calls[0].slice(1)).toEqual([1, 'webhooks:idem:inkit:x', 'owner', 1500]);
  });

  it('refuses a reply it does not understand instead of reading it as in-flight', async () => {
    const s = new RedisIdempotencyStore({ eval: async () => 'OK' });
    await expect(s.claim('k', 'o', 1000)).rejects.toThrow(/unexpected reply/);
  });

  it('passes a Redis error on rather than guessing a claim (the pipeline then answers 500)', async () => {
    const s = new RedisIdempotencyStore({
      eval: async () => {
        throw new Error('NOSCRIPT or connection lost');
      },
    });
    await expect(s.claim('k', 'o', 1000)).rejects.toThrow('connection lost');
  });
});
