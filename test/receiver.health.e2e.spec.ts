import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication, LoggerService } from '@nestjs/common';
import type { ReceiverEnv } from '../apps/receiver/src/app.module.js';
import { createReceiver } from '../apps/receiver/src/bootstrap.js';
import { describeIf } from './support/needs.js';
import { createScratchDatabase, type ScratchDatabase } from './support/postgres.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';
import { TcpProxy } from './support/tcp-proxy.js';

// Short, so that a down dependency is named quickly; the default is 2 s.
const TIMEOUT_MS = 500;
const SLACK_MS = 750;
// Anything still waiting after this is hung: the test says so rather than waiting for Jest's timeout.
const GIVE_UP_MS = 10_000;

const adminUrl = process.env.DATABASE_URL_TEST;
if (!adminUrl && process.env.CI === 'true') {
  throw new Error('DATABASE_URL_TEST must be set in CI: the health of PostgreSQL is tested on it');
}
// Redis servers of this suite's own: the test stops them, which a shared Redis must not see.
const redisServer = await startRedisServer();
const queueRedisServer = redisServer && (await startRedisServer());
if (!redisServer && process.env.CI === 'true') {
  throw new Error('receiver.health: redis-server is required in CI');
}

const up = { status: 'up' };
const down = { status: 'down' };

/** The body of a 200: every dependency named, all up. */
const healthy = (...names: string[]) => {
  const all = Object.fromEntries(names.map((name) => [name, up]));
  return { status: 'ok', info: all, error: {}, details: all };
};

/** The body of a 503: what is up in `info`, what is down in `error`, both in `details`. */
const unhealthy = (upNames: string[], downNames: string[]) => {
  const info = Object.fromEntries(upNames.map((name) => [name, up]));
  const error = Object.fromEntries(downNames.map((name) => [name, down]));
  return { status: 'error', info, error, details: { ...info, ...error } };
};

interface Answer {
  status: number | string;
  body: unknown;
  cacheControl: string | null;
  ms: number;
}

/** The receiver's log, line by line, as `LEVEL [context] message`. */
class Lines implements LoggerService {
  readonly lines: string[] = [];
  private add(level: string, message: unknown, params: unknown[]) {
    const context = params.length > 0 && typeof params.at(-1) === 'string' ? params.at(-1) : '';
    this.lines.push(`${level} [${String(context)}] ${String(message)}`);
  }
  log(message: unknown, ...params: unknown[]) {
    this.add('LOG', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.add('WARN', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.add('ERROR', message, params);
  }
  /** What /health logged. */
  get health(): string[] {
    return this.lines.filter((line) => line.includes('[Health]'));
  }
}

/** A receiver listening on a free loopback port, and a way to ask it for its health. */
async function start(env: ReceiverEnv, logger: LoggerService | false = false) {
  const app = await createReceiver({ env: { HEALTH_TIMEOUT_MS: String(TIMEOUT_MS), ...env }, logger });
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as { address(): { port: number } }).address();
  const ask = async (path = '/health', headers: Record<string, string> = {}): Promise<Answer> => {
    const started = performance.now();
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, {
        headers,
        signal: AbortSignal.timeout(GIVE_UP_MS),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Left as text: the assertion shows it.
      }
      const cacheControl = response.headers.get('cache-control');
      return { status: response.status, body, cacheControl, ms: performance.now() - started };
    } catch (error) {
      return { status: `no answer: ${String(error)}`, body: '', cacheControl: null, ms: GIVE_UP_MS };
    }
  };
  return { app, ask };
}

/** Asks until the answer has this status, within a bound (a client reconnects on its own schedule). */
async function until(ask: () => Promise<Answer>, status: number, withinMs = 15_000): Promise<Answer> {
  const deadline = performance.now() + withinMs;
  let answer = await ask();
  while (answer.status !== status && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    answer = await ask();
  }
  return answer;
}

describe('health with the database only (PGlite)', () => {
  let app: INestApplication;
  let ask: Awaited<ReturnType<typeof start>>['ask'];

  beforeAll(async () => {
    // An admin token, to show that health is not behind it.
    ({ app, ask } = await start({
      PGLITE_DATA_DIR: 'memory://',
      ADMIN_TOKEN: 'a-token-health-does-not-need',
    }));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers 200 naming the database, the one dependency it has', async () => {
    for (const path of ['/health', '/health/ready']) {
      const answer = await ask(path);
      expect([path, answer.status, answer.body]).toEqual([path, 200, healthy('database')]);
      expect(answer.cacheControl).toBe('no-cache, no-store, must-revalidate');
    }
  });

  it('answers liveness without checking anything', async () => {
    expect(await ask('/health/live')).toMatchObject({
      status: 200,
      body: { status: 'ok', info: {}, error: {}, details: {} },
    });
  });

  it('is open to anyone: no token, and through a proxy', async () => {
    for (const path of ['/health', '/health/ready', '/health/live']) {
      expect((await ask(path, { 'X-Forwarded-For': '203.0.113.9' })).status).toBe(200);
    }
    expect((await ask('/api/deliveries', { 'X-Forwarded-For': '203.0.113.9' })).status).toBe(401);
  });
});

describeIf(redisServer, 'a redis-server binary')('health with Redis (REDIS_URL)', () => {
  let redis: RedisServer;
  let app: INestApplication;
  let ask: Awaited<ReturnType<typeof start>>['ask'];
  const log = new Lines();

  beforeAll(async () => {
    redis = redisServer!;
    ({ app, ask } = await start(
      {
        PGLITE_DATA_DIR: 'memory://',
        REDIS_URL: redis.url,
        REDIS_COMMAND_TIMEOUT_MS: String(TIMEOUT_MS),
        REDIS_CONNECT_TIMEOUT_MS: String(TIMEOUT_MS),
      },
      log,
    ));
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('answers 200 naming the database and Redis', async () => {
    expect(await ask()).toMatchObject({ status: 200, body: healthy('database', 'redis') });
  });

  it('answers 503 naming Redis as down within the timeout once its server is stopped, and stays live', async () => {
    const { port } = redis;
    await redis.stop();

    for (const path of ['/health', '/health/ready']) {
      const answer = await ask(path);
      expect([path, answer.status, answer.body]).toEqual([path, 503, unhealthy(['database'], ['redis'])]);
      expect(answer.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      // Why goes to the log; the reply names no host, port or error.
      expect(JSON.stringify(answer.body)).not.toMatch(/127\.0\.0\.1|redis:\/\/|message|ECONN/);
    }
    expect(await ask('/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    await ask();

    // Back on the same port: the client reconnects by itself, and /health says so.
    redis = (await startRedisServer({ port }))!;
    expect(await until(() => ask(), 200)).toMatchObject({
      status: 200,
      body: healthy('database', 'redis'),
    });
    // Once when it went, once when it came back, however often it was asked in between.
    expect(log.health).toEqual([
      expect.stringMatching(/^WARN \[Health\] Redis is down: .+$/),
      'LOG [Health] Redis is up again',
    ]);
  });
});

describeIf(queueRedisServer, 'a redis-server binary')(
  'health in queue mode (WEBHOOKS_PROCESSING=queue)',
  () => {
    let redis: RedisServer;
    const apps: INestApplication[] = [];
    let all: Awaited<ReturnType<typeof start>>['ask'];
    let worker: Awaited<ReturnType<typeof start>>['ask'];

    beforeAll(async () => {
      redis = queueRedisServer!;
      const env: ReceiverEnv = {
        PGLITE_DATA_DIR: 'memory://',
        WEBHOOKS_PROCESSING: 'queue',
        REDIS_URL: redis.url,
        REDIS_COMMAND_TIMEOUT_MS: String(TIMEOUT_MS),
        REDIS_CONNECT_TIMEOUT_MS: String(TIMEOUT_MS),
      };
      for (const role of ['all', 'worker'] as const) {
        const started = await start({ ...env, RECEIVER_ROLE: role });
        apps.push(started.app);
        if (role === 'all') all = started.ask;
        else worker = started.ask;
      }
    });
    afterAll(async () => {
      for (const app of apps) await app.close();
      await redis?.stop();
    });

    it('answers 200 naming the database, Redis and the queue, in every role', async () => {
      expect(await all()).toMatchObject({ status: 200, body: healthy('database', 'redis', 'queue') });
      expect(await worker()).toMatchObject({ status: 200, body: healthy('database', 'redis', 'queue') });
      // A worker serves health and nothing else.
      expect((await worker('/api/deliveries')).status).toBe(404);
    });

    it('answers 503 naming Redis and the queue as down within the timeout, then 200 once they are back', async () => {
      const { port } = redis;
      await redis.stop();
      for (const ask of [all, worker]) {
        const answer = await ask();
        expect([answer.status, answer.body]).toEqual([503, unhealthy(['database'], ['redis', 'queue'])]);
        expect(answer.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
        expect((await ask('/health/live')).status).toBe(200);
      }
      // Back before the apps close: BullMQ's worker waits for its Redis when it stops.
      redis = (await startRedisServer({ port }))!;
      for (const ask of [all, worker]) {
        expect(await until(() => ask(), 200)).toMatchObject({
          status: 200,
          body: healthy('database', 'redis', 'queue'),
        });
      }
    });
  },
);

describeIf(adminUrl, 'PostgreSQL')('health with PostgreSQL (DATABASE_URL)', () => {
  let scratch: ScratchDatabase;
  let proxy: TcpProxy;
  let app: INestApplication;
  let ask: Awaited<ReturnType<typeof start>>['ask'];
  const log = new Lines();

  beforeAll(async () => {
    scratch = await createScratchDatabase(adminUrl!, 'receiver_health');
    const target = new URL(scratch.url);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    ({ app, ask } = await start(
      {
        DATABASE_URL: TcpProxy.redirect(scratch.url, proxy),
        DATABASE_CONNECT_TIMEOUT_MS: String(TIMEOUT_MS),
        DATABASE_QUERY_TIMEOUT_MS: String(TIMEOUT_MS),
      },
      log,
    ));
  }, 60_000);
  afterAll(async () => {
    proxy?.forward();
    await app?.close();
    await proxy?.close();
    await scratch?.drop();
  }, 30_000);

  it('answers 200 naming the database', async () => {
    expect(await ask()).toMatchObject({ status: 200, body: healthy('database') });
  });

  it.each([
    ['its connections are cut', (p: TcpProxy) => p.drop()],
    ['it stops answering', (p: TcpProxy) => p.blackhole()],
  ])('answers 503 naming the database within the timeout while %s, and stays live', async (_how, fault) => {
    const before = log.health.length;
    fault(proxy);
    for (const path of ['/health', '/health/ready']) {
      const answer = await ask(path);
      expect([path, answer.status, answer.body]).toEqual([path, 503, unhealthy([], ['database'])]);
      expect(answer.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      expect(JSON.stringify(answer.body)).not.toMatch(/127\.0\.0\.1|postgres|message/);
    }
    expect(await ask('/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });

    proxy.forward();
    expect(await until(() => ask(), 200)).toMatchObject({ status: 200, body: healthy('database') });
    expect(log.health.slice(before)).toEqual([
      expect.stringMatching(/^WARN \[Health\] Database is down: .+$/),
      'LOG [Health] Database is up again',
    ]);
  });
});
