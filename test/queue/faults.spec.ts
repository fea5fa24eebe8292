// Queue mode under faults, with every api and worker in a process of its own (test/queue/fixtures):
// what a 200 promises (the delivery is held, and some worker will run it) must survive a missing
// worker, a worker killed mid-batch, a Redis killed during traffic, duplicate storms over several
// instances, and handlers that fail. The handler files its records in PostgreSQL, so that what ran,
// and how often, is read from the records rather than from any instance's memory.
import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { Queue, type ConnectionOptions } from 'bullmq';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { BullmqWebhookQueue, jobIdOf, type ResolvedWebhooksBullmqOptions } from 'nestjs-webhooks/bullmq';
import { signInkit } from 'nestjs-webhooks/testing';
import { describeIf } from '../support/needs.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/postgres.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { QueueApp, type QueueAppEnv } from './fixtures/launch.js';

const REDIS_URL = process.env.REDIS_URL_TEST;
const DATABASE_URL = process.env.DATABASE_URL_TEST;
const HAS_REDIS_SERVER = spawnSync('redis-server', ['--version']).status === 0;
const SECRET = 'queue-faults-secret-4c7e';
const EVENT = 'DOCUMENT_CREATE_FINISHED';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const range = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const keyOf = (resource: string) => `inkit:${EVENT}:${resource}`;
const connectionOf = (url: string): ConnectionOptions => {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 6379) };
};

/**
 * One delivery of `resource`, signed as Inkit signs: the status, or 0 when no answer came (refused,
 * reset), which a sender treats as a failure like a 5xx.
 */
async function deliver(url: string, resource: string): Promise<number> {
  const body = JSON.stringify({ event_type: EVENT, resource_id: resource });
  try {
    const response = await fetch(`${url}/webhooks/inkit`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...signInkit(body, { secret: SECRET }) },
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** A sender that retries every non-2xx, 100 ms apart, until a 200: every status it saw, the 200 last. */
async function deliverUntilAcked(url: string, resource: string, deadlineMs = 30_000): Promise<number[]> {
  const statuses: number[] = [];
  const end = performance.now() + deadlineMs;
  for (;;) {
    const status = await deliver(url, resource);
    statuses.push(status);
    if (status === 200 || performance.now() > end) return statuses;
    await sleep(100);
  }
}

describeIf(REDIS_URL, 'Redis')('queue mode under faults', () => {
  describeIf(DATABASE_URL, 'PostgreSQL')('api and worker processes', () => {
    let database: ScratchDatabase;
    let pool: pg.Pool;
    let admin: Redis;
    const apps: QueueApp[] = [];
    const queues: Queue[] = [];
    const keyPrefixes: string[] = [];

    beforeAll(async () => {
      database = await createScratchDatabase(DATABASE_URL!, 'queue_faults');
      pool = new pg.Pool({ connectionString: database.url, max: 4 });
      admin = new Redis(REDIS_URL!);
    });

    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.kill()));
      for (const queue of queues.splice(0)) {
        await queue.obliterate({ force: true }).catch(() => undefined);
        await queue.close();
      }
      for (const prefix of keyPrefixes.splice(0)) {
        const keys = await admin.keys(`${prefix}*`);
        if (keys.length > 0) await admin.del(...keys);
      }
    });

    afterAll(async () => {
      await admin?.quit();
      await pool?.end();
      await database?.drop();
    });

    /** A scenario's tables, queue, store prefix and the env its instances share. */
    async function scenario(
      name: string,
      overrides: Partial<QueueAppEnv> = {},
    ): Promise<{ env: Omit<QueueAppEnv, 'role'>; queue: Queue }> {
      await pool.query(`create table ${name}_runs (resource_id text primary key, runs int not null)`);
      await pool.query(
        `create table ${name}_records (resource_id text primary key, delivery_id text not null, writes int not null)`,
      );
      const env: Omit<QueueAppEnv, 'role'> = {
        redisUrl: REDIS_URL!,
        keyPrefix: `test:queue-faults:${randomUUID()}:`,
        databaseUrl: database.url,
        table: name,
        queueName: `webhooks-test-${randomUUID()}`,
        inkitSecret: SECRET,
        leaseMs: 2_000,
        attempts: 5,
        backoffMs: 100,
        concurrency: 4,
        ...overrides,
      };
      keyPrefixes.push(env.keyPrefix);
      const queue = new Queue(env.queueName, { connection: connectionOf(env.redisUrl) });
      queue.on('error', () => undefined);
      queues.push(queue);
      return { env, queue };
    }

    async function start(env: QueueAppEnv): Promise<QueueApp> {
      const app = await QueueApp.start(env);
      apps.push(app);
      return app;
    }

    /** resource id → count, from `<table>_runs` (runs started) or `<table>_records` (writes). */
    async function counts(table: string, what: 'runs' | 'writes'): Promise<Map<string, number>> {
      const source = what === 'runs' ? `${table}_runs` : `${table}_records`;
      const { rows } = await pool.query<{ resource_id: string; n: number }>(
        `select resource_id, ${what} as n from ${source}`,
      );
      return new Map(rows.map((row) => [row.resource_id, row.n]));
    }

    /** Polls `check` until true; on timeout, fails with what the children said. */
    async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
      const end = performance.now() + ms;
      while (!(await check())) {
        if (performance.now() > end) {
          const output = apps.map((app) => `--- ${app.role}:\n${app.output.slice(-3_000)}`).join('\n');
          throw new Error(`timed out after ${ms} ms waiting for ${what}\n${output}`);
        }
        await sleep(50);
      }
    }

    const expectEachOnce = (map: Map<string, number>, resources: string[]) =>
      expect(Object.fromEntries(map)).toEqual(Object.fromEntries(resources.map((id) => [id, 1])));

    it('acknowledges deliveries with no worker running, and a worker started later runs each once', async () => {
      const { env, queue } = await scenario('no_worker');
      const api = await start({ ...env, role: 'api' });
      const resources = range(20, 'nw');

      const statuses = await Promise.all(resources.map((id) => deliver(api.url!, id)));
      expect(statuses).toEqual(resources.map(() => 200));
      // Long enough for a worker, were there one anywhere, to have run them all.
      await sleep(1_000);
      expect((await counts('no_worker', 'runs')).size).toBe(0);
      // (BullMQ counts `paused` along with `waiting`, hence toMatchObject.)
      expect(await queue.getJobCounts('waiting', 'active', 'completed')).toMatchObject({
        waiting: 20,
        active: 0,
        completed: 0,
      });

      await start({ ...env, role: 'worker' });
      await until('20 records', async () => (await counts('no_worker', 'writes')).size === 20);
      await sleep(300);
      expectEachOnce(await counts('no_worker', 'writes'), resources);
      expectEachOnce(await counts('no_worker', 'runs'), resources);
      expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 20, failed: 0 });
    }, 40_000);

    it('loses no delivery when a worker is killed (SIGKILL) mid-batch, and writes each record once', async () => {
      const { env, queue } = await scenario('worker_killed', {
        handlerDelayMs: 200,
        concurrency: 4,
        attempts: 10,
        backoffMs: 200,
        // The dead worker's jobs come back once its locks lapse (2 s), noticed within 1 s.
        lockDurationMs: 2_000,
        stalledIntervalMs: 1_000,
      });
      const [api, first] = await Promise.all([
        start({ ...env, role: 'api' }),
        start({ ...env, role: 'worker' }),
      ]);
      const resources = range(40, 'wk');

      const statuses = await Promise.all(resources.map((id) => deliver(api.url!, id)));
      expect(statuses).toEqual(resources.map(() => 200));
      // Killed while handlers sleep between their run and their write, not between two waves.
      await until('8 records and 2 handlers mid-run', async () => {
        const written = (await counts('worker_killed', 'writes')).size;
        const started = (await counts('worker_killed', 'runs')).size;
        return written >= 8 && started - written >= 2;
      });
      await first.kill();
      expect(first.exited?.signal).toBe('SIGKILL');

      const writtenAtKill = await counts('worker_killed', 'writes');
      const startedAtKill = await counts('worker_killed', 'runs');
      const midHandler = [...startedAtKill.keys()].filter((id) => !writtenAtKill.has(id));
      // The kill truly fell in the middle: some handlers were between their run and their write,
      // and some deliveries had not started at all.
      expect(midHandler.length).toBeGreaterThan(0);
      expect(startedAtKill.size).toBeLessThan(40);

      await start({ ...env, role: 'worker' });
      await until('40 records', async () => (await counts('worker_killed', 'writes')).size === 40, 25_000);
      await until('no job left', async () => {
        const { completed } = await queue.getJobCounts('completed');
        return completed === 40;
      });
      await sleep(300);

      const writes = await counts('worker_killed', 'writes');
      const runs = await counts('worker_killed', 'runs');
      expect([...writes.keys()].sort()).toEqual([...resources].sort());
      // At least once: a run the kill cut short runs again, and only those.
      const ranTwice = [...runs].filter(([, n]) => n > 1).map(([id]) => id);
      expect(ranTwice.length).toBeLessThanOrEqual(env.concurrency);
      for (const id of ranTwice) expect(startedAtKill.has(id)).toBe(true);
      for (const id of midHandler) expect(runs.get(id)).toBe(2);
      expect([...runs.values()].every((n) => n <= 2)).toBe(true);
      // Writes twice only where the kill fell between a write and the job's completion.
      const writtenTwice = [...writes].filter(([, n]) => n > 1).map(([id]) => id);
      for (const id of writtenTwice) expect(writtenAtKill.has(id)).toBe(true);
      expect(await queue.getJobCounts('failed')).toEqual({ failed: 0 });
      console.info(
        `worker killed: 40 acked, 40 processed, ${writtenAtKill.size} written before the kill, ` +
          `${midHandler.length} mid-handler, ${ranTwice.length} ran twice, ${writtenTwice.length} written twice`,
      );
    }, 45_000);

    describeIf(HAS_REDIS_SERVER, 'a redis-server binary')('with a Redis of its own', () => {
      let redis: RedisServer | undefined;
      let aofDir: string | undefined;

      // Before the outer afterEach: its queue lives on this Redis, gone with it.
      afterEach(async () => {
        await Promise.all(apps.splice(0).map((app) => app.kill()));
        for (const queue of queues.splice(0)) await queue.close();
        await redis?.stop();
        if (aofDir) rmSync(aofDir, { recursive: true, force: true });
      });

      it('loses no acknowledged delivery when Redis (AOF, fsync always) is killed and restarted mid-traffic', async () => {
        aofDir = mkdtempSync(join(tmpdir(), 'queue-faults-aof-'));
        redis = await startRedisServer({ aofDir });
        const { env } = await scenario('redis_killed', {
          redisUrl: redis!.url,
          handlerDelayMs: 100,
          concurrency: 2,
          attempts: 20,
          backoffMs: 200,
          lockDurationMs: 2_000,
          stalledIntervalMs: 1_000,
          queueTimeoutMs: 1_000,
        });
        const [api] = await Promise.all([start({ ...env, role: 'api' }), start({ ...env, role: 'worker' })]);
        const resources = range(80, 'rk');
        const acked = new Set<string>();
        const seen = new Map<string, number[]>();

        // Four senders, each delivering its share one after the other, 50 ms apart.
        const traffic = Promise.all(
          [0, 1, 2, 3].map(async (lane) => {
            for (const id of resources.filter((_, i) => i % 4 === lane)) {
              const statuses = await deliverUntilAcked(api.url!, id);
              seen.set(id, statuses);
              if (statuses.at(-1) === 200) acked.add(id);
              await sleep(50);
            }
          }),
        );
        await until('20 acknowledged', async () => acked.size >= 20);
        await redis!.kill();
        const ackedAtKill = new Set(acked);
        const writtenAtKill = await counts('redis_killed', 'writes');
        const backlogAtKill = [...ackedAtKill].filter((id) => !writtenAtKill.has(id));
        await sleep(1_500);
        redis = await startRedisServer({ aofDir, port: redis!.port });
        await traffic;

        expect(acked.size).toBe(80);
        await until('80 records', async () => (await counts('redis_killed', 'writes')).size === 80, 30_000);
        await sleep(300);

        // The fault was felt: deliveries waiting for workers when Redis died, and senders answered
        // something else than 200 while it was away.
        expect(backlogAtKill.length).toBeGreaterThan(0);
        const refused = [...seen.values()].flat().filter((status) => status !== 200);
        expect(refused.length).toBeGreaterThan(0);
        expect(refused.every((status) => status === 500 || status === 0)).toBe(true);
        const writes = await counts('redis_killed', 'writes');
        const runs = await counts('redis_killed', 'runs');
        expect([...writes.keys()].sort()).toEqual([...resources].sort());
        const ranTwice = [...runs].filter(([, n]) => n > 1).length;
        const writtenTwice = [...writes].filter(([, n]) => n > 1).length;
        console.info(
          `redis killed: 80 acked, 80 processed, ${ackedAtKill.size} acked before the kill of which ` +
            `${backlogAtKill.length} still queued, ${refused.length} non-200 answers ` +
            `(${refused.filter((s) => s === 500).length} × 500, ${refused.filter((s) => s === 0).length} no answer) ` +
            `retried, ${ranTwice} ran twice, ${writtenTwice} written twice`,
        );
      }, 60_000);
    });

    it('runs each delivery once under a duplicate storm over two apis and two workers', async () => {
      const { env, queue } = await scenario('storm', { handlerDelayMs: 50, concurrency: 4 });
      const [one, two] = await Promise.all([
        start({ ...env, role: 'api' }),
        start({ ...env, role: 'api' }),
        start({ ...env, role: 'worker' }),
        start({ ...env, role: 'worker' }),
      ]);
      const resources = range(20, 'st');
      const copies = resources.flatMap((id) => [0, 1, 2, 3, 4].map((copy) => ({ id, copy })));

      const statuses = await Promise.all(
        copies.map(({ id, copy }) => deliver((copy % 2 === 0 ? one : two).url!, id)),
      );
      expect(statuses).toEqual(copies.map(() => 200));
      await until('20 records', async () => (await counts('storm', 'writes')).size === 20);
      // The senders' late retries, after the runs: still nothing runs again.
      const late = await Promise.all(
        copies.map(({ id, copy }) => deliver((copy % 2 === 0 ? two : one).url!, id)),
      );
      expect(late).toEqual(copies.map(() => 200));
      await sleep(500);

      expectEachOnce(await counts('storm', 'runs'), resources);
      expectEachOnce(await counts('storm', 'writes'), resources);
      expect(await queue.getJobCounts('completed', 'failed', 'waiting')).toMatchObject({
        completed: 20,
        failed: 0,
        waiting: 0,
      });
    }, 40_000);

    it('retries a failing handler to success, ends a hopeless one dead, and a replay runs it once more', async () => {
      const { env, queue } = await scenario('failing', {
        attempts: 3,
        handlerFailTimes: 2,
        handlerFailAlways: 'poison-',
      });
      const [api, failing] = await Promise.all([
        start({ ...env, role: 'api' }),
        start({ ...env, role: 'worker' }),
      ]);
      const resolved: ResolvedWebhooksBullmqOptions = {
        queueName: env.queueName,
        worker: false,
        concurrency: env.concurrency,
        attempts: env.attempts,
        backoff: { type: 'fixed', delay: env.backoffMs },
        keepProcessed: { age: 3_600, count: 1_000 },
        lockDurationMs: 30_000,
        stalledIntervalMs: 30_000,
        commandTimeoutMs: 5_000,
      };
      const webhookQueue = new BullmqWebhookQueue(resolved, queue);
      const flaky = range(3, 'flaky');

      const statuses = await Promise.all([...flaky, 'poison-1'].map((id) => deliver(api.url!, id)));
      expect(statuses).toEqual([200, 200, 200, 200]);
      await until('3 flaky records', async () => (await counts('failing', 'writes')).size === 3);
      await until('poison-1 dead', async () => (await webhookQueue.stateOf(keyOf('poison-1'))) === 'dead');

      // Two failed runs, then the one that wrote: three runs, one write, the job processed.
      for (const id of flaky) {
        expect(await webhookQueue.stateOf(keyOf(id))).toBe('processed');
        expect((await queue.getJob(jobIdOf(keyOf(id))))!.attemptsMade).toBe(3);
      }
      expect(Object.fromEntries(await counts('failing', 'runs'))).toEqual({
        'flaky-0': 3,
        'flaky-1': 3,
        'flaky-2': 3,
        'poison-1': 3,
      });
      expectEachOnce(await counts('failing', 'writes'), flaky);
      const dead = await queue.getJob(jobIdOf(keyOf('poison-1')));
      expect(dead!.attemptsMade).toBe(3);
      expect(dead!.failedReason).toBeTruthy();
      expect((await webhookQueue.dead()).map((delivery) => delivery.idempotencyKey)).toEqual([
        keyOf('poison-1'),
      ]);

      // The fix is deployed (a worker that no longer fails), then the dead delivery is replayed.
      await failing.stop();
      await start({ ...env, role: 'worker', handlerFailTimes: 0, handlerFailAlways: undefined });
      const replay = await webhookQueue.replay(keyOf('poison-1'));
      expect(replay).toEqual(expect.any(String));
      await until('poison-1 written', async () => (await counts('failing', 'writes')).has('poison-1'));
      await sleep(500);
      const runs = await counts('failing', 'runs');
      expect(runs.get('poison-1')).toBe(4);
      expect(flaky.map((id) => runs.get(id))).toEqual([3, 3, 3]);
      expect((await counts('failing', 'writes')).get('poison-1')).toBe(1);
      expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 4, failed: 1 });
    }, 40_000);
  });
});
