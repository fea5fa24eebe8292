import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { createReceiver } from '../../apps/receiver/src/bootstrap.js';
import { DatabaseModule, millisecondsFrom } from '../../apps/receiver/src/database/index.js';
import { HealthModule } from '../../apps/receiver/src/health/health.module.js';
import { RedisModule } from '../../apps/receiver/src/redis/redis.module.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/postgres.js';
import { describeIf } from '../support/needs.js';
import { startRedisServer } from '../support/redis-server.js';
import { credentials, samples } from '../support/senders.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { listen } from './redis.js';

const adminUrl = process.env.DATABASE_URL_TEST;
if (!adminUrl && process.env.CI === 'true') {
  throw new Error('DATABASE_URL_TEST must be set in CI: these tests need a PostgreSQL server');
}
const redisServer = adminUrl ? await startRedisServer() : undefined;
if (adminUrl && !redisServer) {
  if (process.env.CI === 'true') throw new Error('hung-dependencies: redis-server is required in CI');
  console.warn('SKIPPED hung-dependencies: no redis-server binary');
}
const describeBoth = describeIf(redisServer, adminUrl ? 'a redis-server binary' : 'PostgreSQL');

// At the top: a describe's own afterAll does not run when none of its tests do (jest -t).
afterAll(async () => {
  await redisServer?.stop();
});

// Short bounds, so that the test is quick; the defaults are a few seconds.
const TIMEOUT_MS = 1_000;
const SLACK_MS = 750;
// The handler's transaction waits for a connection, then for its query; the failure's log row,
// written after it, may wait as long again.
const DELIVERY_BOUND_MS = 2 * (TIMEOUT_MS + TIMEOUT_MS) + SLACK_MS;
// Anything still waiting after this is hung: the test says so rather than waiting for Jest's timeout.
const GIVE_UP_MS = 10_000;

// Never connected to: the values are refused before any client is made.
const DATABASE_URL = 'postgres://nobody@127.0.0.1:1/none';
const REDIS_URL = 'redis://127.0.0.1:1';

// pg's default pool size, which the receiver keeps.
const POOL_SIZE = 10;

const inkit = samples.find((sample) => sample.sender === 'inkit')!;

interface Timed {
  status: number | string;
  body: string;
  ms: number;
}

describeBoth('the receiver when PostgreSQL or Redis stops answering', () => {
  let scratch: ScratchDatabase;
  let database: TcpProxy;
  let redis: TcpProxy;
  let app: INestApplication;
  let url: string;
  let n = 0;

  beforeAll(async () => {
    scratch = await createScratchDatabase(adminUrl!, 'receiver_hung');
    const target = new URL(scratch.url);
    database = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    redis = await TcpProxy.start({ host: '127.0.0.1', port: redisServer!.port });
    app = await createReceiver({
      env: {
        DATABASE_URL: TcpProxy.redirect(scratch.url, database),
        REDIS_URL: TcpProxy.redirect(redisServer!.url, redis),
        INKIT_WEBHOOK_SECRET: credentials.inkit,
        DATABASE_CONNECT_TIMEOUT_MS: String(TIMEOUT_MS),
        DATABASE_QUERY_TIMEOUT_MS: String(TIMEOUT_MS),
        HEALTH_TIMEOUT_MS: String(TIMEOUT_MS),
        REDIS_CONNECT_TIMEOUT_MS: String(TIMEOUT_MS),
        REDIS_COMMAND_TIMEOUT_MS: String(TIMEOUT_MS),
      },
      logger: false,
    });
    url = await listen(app);
  }, 60_000);

  afterAll(async () => {
    // Let whatever still waits finish, so that closing does not wait on it.
    database?.forward();
    redis?.forward();
    await app?.close();
    await database?.close();
    await redis?.close();
    await scratch?.drop();
  }, 30_000);

  async function timed(path: string, init: RequestInit = {}): Promise<Timed> {
    const started = performance.now();
    try {
      const response = await fetch(url + path, { ...init, signal: AbortSignal.timeout(GIVE_UP_MS) });
      const body = await response.text();
      return { status: response.status, body, ms: performance.now() - started };
    } catch (error) {
      return { status: `no answer: ${String(error)}`, body: '', ms: performance.now() - started };
    }
  }

  const deliver = () => {
    const body = JSON.stringify({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: `doc-${++n}` });
    return timed(inkit.path, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...inkit.sign(body) },
    });
  };
  const health = () => timed('/health');

  it('gets its whole pool back after a hang that caught every connection in a transaction', async () => {
    // As many connections as the pool holds (pg's default, 10), open and idle when the hang starts.
    const all = (count: number) => Promise.all(Array.from({ length: count }, () => deliver()));
    expect((await all(POOL_SIZE)).map((reply) => reply.status)).toEqual(Array(POOL_SIZE).fill(200));
    database.blackhole();
    const during = await all(POOL_SIZE);
    expect(during.map((reply) => reply.status)).toEqual(Array(POOL_SIZE).fill(500));
    database.forward();
    // A connection kept checked out by a failed BEGIN would be gone for good: the pool would be
    // empty, and every delivery would wait for a free connection and fail.
    expect((await all(POOL_SIZE)).map((reply) => reply.status)).toEqual(Array(POOL_SIZE).fill(200));
  });

  it('answers 500 to a delivery and 503 to /health within the bounds while PostgreSQL hangs, then recovers', async () => {
    expect((await deliver()).status).toBe(200);
    database.blackhole();

    const delivery = await deliver();
    expect(delivery.status).toBe(500);
    expect(delivery.ms).toBeLessThan(DELIVERY_BOUND_MS);

    const down = await health();
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toEqual({
      status: 'error',
      info: { redis: { status: 'up' } },
      error: { database: { status: 'down' } },
      details: { redis: { status: 'up' }, database: { status: 'down' } },
    });
    expect(down.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);

    database.forward();
    expect((await health()).status).toBe(200);
    // Every connection the pool kept must work again, not only one: several in a row.
    for (let i = 0; i < 5; i++) expect((await deliver()).status).toBe(200);
  });

  it('answers 500 store-unavailable within the bound while Redis hangs, then recovers', async () => {
    expect((await deliver()).status).toBe(200);
    redis.blackhole();

    const delivery = await deliver();
    expect(delivery.status).toBe(500);
    expect(JSON.parse(delivery.body)).toMatchObject({ reason: 'store-unavailable' });
    expect(delivery.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    // /health names Redis as down, within its own bound, and the database as up.
    const down = await health();
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toMatchObject({
      info: { database: { status: 'up' } },
      error: { redis: { status: 'down' } },
    });
    expect(down.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);

    redis.forward();
    for (let i = 0; i < 5; i++) expect((await deliver()).status).toBe(200);
    expect((await health()).status).toBe(200);
  });

  it('answers 500 within the bound while new connections to either are never answered', async () => {
    // Nothing kept open: every connection is a new one, and it hangs at the handshake.
    database.drop();
    redis.drop();
    database.blackhole();
    redis.blackhole();

    const delivery = await deliver();
    expect(delivery.status).toBe(500);
    expect(delivery.ms).toBeLessThan(DELIVERY_BOUND_MS);
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);

    database.forward();
    redis.forward();
    const deadline = performance.now() + 5_000;
    let last = await deliver();
    // Redis reconnects on its own schedule (a backoff of a few hundred ms at this point).
    while (last.status !== 200 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      last = await deliver();
    }
    expect(last.status).toBe(200);
    expect((await health()).status).toBe(200);
  });
});

describe('the receiver given a timeout it cannot read', () => {
  // The modules that read each variable, with a stub for the environment.
  const config = (env: Record<string, string>) => ({ get: (key: string) => env[key] });
  const compile = (
    module: typeof DatabaseModule | typeof RedisModule | typeof HealthModule,
    env: Record<string, string>,
  ) =>
    Test.createTestingModule({ imports: [module] })
      .overrideProvider(ConfigService)
      .useValue(config(env))
      .compile();

  it.each([
    [
      'DATABASE_CONNECT_TIMEOUT_MS',
      () => compile(DatabaseModule, { DATABASE_URL, DATABASE_CONNECT_TIMEOUT_MS: '5s' }),
    ],
    [
      'DATABASE_QUERY_TIMEOUT_MS',
      () => compile(DatabaseModule, { DATABASE_URL, DATABASE_QUERY_TIMEOUT_MS: '5s' }),
    ],
    ['REDIS_CONNECT_TIMEOUT_MS', () => compile(RedisModule, { REDIS_URL, REDIS_CONNECT_TIMEOUT_MS: '5s' })],
    ['REDIS_COMMAND_TIMEOUT_MS', () => compile(RedisModule, { REDIS_URL, REDIS_COMMAND_TIMEOUT_MS: '5s' })],
    ['HEALTH_TIMEOUT_MS', () => compile(HealthModule, { DATABASE_URL, HEALTH_TIMEOUT_MS: '5s' })],
  ] as const)('refuses %s=5s: a typo must not mean no bound', async (name, start) => {
    await expect(start()).rejects.toThrow(`${name} must be a positive number of milliseconds, not "5s"`);
  });

  it.each(['0', '-1', '1.5', '1e3', ' '])('reads %j as invalid, or as unset when blank', (value) => {
    if (value.trim()) expect(() => millisecondsFrom('X', value, 7)).toThrow('X must be a positive number');
    else expect(millisecondsFrom('X', value, 7)).toBe(7);
  });

  it("refuses a bound above setTimeout's ceiling, which would fire at once, for every duration setting", () => {
    expect(millisecondsFrom('X', String(2 ** 31 - 1), 7)).toBe(2 ** 31 - 1);
    expect(() => millisecondsFrom('X', String(2 ** 31), 7)).toThrow(
      'X must be at most 2147483647 milliseconds',
    );
  });
});
