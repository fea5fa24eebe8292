import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { BullmqWebhookQueue, jobIdOf } from 'nestjs-webhooks/bullmq';
import { signInkit } from 'nestjs-webhooks/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { ReceiverEnv } from '../apps/receiver/src/app.module.js';
import { createReceiver } from '../apps/receiver/src/bootstrap.js';
import { DRIZZLE, type Database } from '../apps/receiver/src/database/index.js';
import { ReceiverProcess } from './support/child.js';
import { describeIf } from './support/needs.js';
import { createScratchDatabase, receiverDatabases, type ScratchDatabase } from './support/postgres.js';
import { credentials, receiverSenderEnv, samples } from './support/senders.js';
import { cleanRedis, queueEnv } from './support/queue-env.js';

const redisUrl = process.env.REDIS_URL_TEST;
const adminUrl = process.env.DATABASE_URL_TEST;

const senderEnv: ReceiverEnv = receiverSenderEnv();

type Row = Record<string, any>;

const inkitBody = (resourceId: string) =>
  JSON.stringify({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: resourceId });

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const databases = receiverDatabases('receiver_queue');
describeIf(adminUrl, 'PostgreSQL')('the queue-mode receiver on PostgreSQL', () => {
  it('runs every test of the suite below on PostgreSQL too', () => undefined);
});

describeIf(redisUrl, 'Redis')('the receiver in queue mode', () => {
  describe.each(databases)('role all, on %s', (_name, makeDatabase) => {
    let app: INestApplication;
    let scratch: ScratchDatabase | undefined;
    const env = queueEnv(redisUrl);

    beforeAll(async () => {
      const database = await makeDatabase();
      scratch = database.scratch;
      app = await createReceiver({
        env: { ...senderEnv, ...database.env, ...env, RECEIVER_ROLE: 'all' },
        logger: false,
      });
      await app.init();
    });
    afterAll(async () => {
      await app?.close();
      await cleanRedis(redisUrl!, env);
      await scratch?.drop();
    });

    const api = () => request(app.getHttpServer());
    const deliver = (path: string, body: string, headers: Record<string, string>) =>
      api().post(path).set('Content-Type', 'application/json').set(headers).send(body);
    const deliveries = async (query = '') =>
      (await api().get(`/api/deliveries?limit=500${query}`).expect(200)).body as Row[];
    const row = async (id: string) => (await deliveries()).find((candidate) => candidate.id === id);
    const record = async (sender: string, id: string) => {
      const reply = await api().get(`/api/records/${sender}/${id}`);
      return reply.status === 200 ? (reply.body as Row) : undefined;
    };
    const queue = () => app.get(BullmqWebhookQueue);
    // As the queue does once it keeps no more of them. The job is completed a moment after its
    // handler's write, and BullMQ will not remove a job a worker still holds.
    const dropFromQueue = async (key: string) => {
      await until(async () => (await queue().stateOf(key)) === 'processed', 'the job completed');
      expect(await queue().queue.remove(jobIdOf(key))).toBe(1);
      expect(await queue().stateOf(key)).toBeUndefined();
    };
    const sendInkit = (body: string) =>
      deliver('/webhooks/inkit', body, signInkit(body, { secret: credentials.inkit }));

    describe.each(samples)('$sender', (sample) => {
      it('answers 200 once queued; a worker files the record and the row becomes processed', async () => {
        const body = JSON.stringify(sample.vary(41));
        expect((await deliver(sample.path, body, sample.sign(body))).status).toBe(200);
        const stored = await until(() => record(sample.sender, sample.recordId(41)), 'the record');
        const logged = await until(async () => {
          const candidate = await row(stored.lastDeliveryId);
          return candidate?.state === 'processed' && candidate;
        }, 'the row to say processed');
        expect(logged).toMatchObject({
          sender: sample.sender,
          event: sample.event,
          statusCode: 200,
          duplicate: false,
          reason: null,
          rawBody: body,
          replayOf: null,
        });
      });
    });

    it('logs the delivery as queued while no worker takes it, then processed', async () => {
      await queue().queue.pause();
      let id: string;
      try {
        expect((await sendInkit(inkitBody('doc_paused'))).status).toBe(200);
        const queued = await until(
          async () =>
            (await deliveries('&sender=inkit')).find((r) => r.idempotencyKey?.endsWith(':doc_paused')),
          'the queued row',
        );
        id = queued.id;
        expect(queued).toMatchObject({ state: 'queued', statusCode: 200, duplicate: false });
        // Queued is all it is: no record while no worker has run it.
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await record('inkit', 'doc_paused')).toBeUndefined();
        expect((await row(id))?.state).toBe('queued');
      } finally {
        await queue().queue.resume();
      }
      await until(async () => (await row(id))?.state === 'processed', 'processed');
      expect(await record('inkit', 'doc_paused')).toMatchObject({ lastDeliveryId: id });
      expect((await deliveries('&state=processed')).map((r) => r.id)).toContain(id);
      expect((await deliveries('&state=queued')).map((r) => r.id)).not.toContain(id);
    });

    it('answers a duplicate 200 and logs it as one, without running the handler again', async () => {
      const body = inkitBody('doc_twice');
      expect((await sendInkit(body)).status).toBe(200);
      const first = await until(() => record('inkit', 'doc_twice'), 'the record');
      await until(async () => (await row(first.lastDeliveryId))?.state === 'processed', 'processed');

      expect((await sendInkit(body)).status).toBe(200);
      const rows = await until(async () => {
        const all = (await deliveries('&sender=inkit')).filter((r) =>
          r.idempotencyKey?.endsWith(':doc_twice'),
        );
        return all.length === 2 && all;
      }, 'the second row');
      const second = rows.find((r) => r.id !== first.lastDeliveryId)!;
      expect(second).toMatchObject({ state: 'duplicate', duplicate: true, statusCode: 200 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The handler ran once: the record still points at the first delivery, and no second row is processed.
      expect(await record('inkit', 'doc_twice')).toEqual(first);
      expect((await row(second.id))?.state).toBe('duplicate');
    });

    it('retries a failing handler, ends dead, and a replay through the API runs it once more', async () => {
      const db = app.get<Database>(DRIZZLE);
      // The record's write fails for this document only, as a database that refuses it would.
      await db.execute(
        sql.raw(
          `alter table inkit_documents add constraint refuse_doc_dead check (resource_id <> 'doc_dead')`,
        ),
      );
      let id: string;
      try {
        expect((await sendInkit(inkitBody('doc_dead'))).status).toBe(200);
        const dead = await until(async () => {
          const found = (await deliveries('&sender=inkit')).find((r) =>
            r.idempotencyKey?.endsWith(':doc_dead'),
          );
          return found?.state === 'dead' && found;
        }, 'dead');
        id = dead.id;
        expect(dead).toMatchObject({ statusCode: 200, reason: 'handler-error' });
        expect(await record('inkit', 'doc_dead')).toBeUndefined();
        // The queue keeps it as a dead letter (a moment after the outcome that said so).
        await until(async () => (await queue().stateOf(dead.idempotencyKey)) === 'dead', 'the dead letter');
      } finally {
        await db.execute(sql.raw('alter table inkit_documents drop constraint refuse_doc_dead'));
      }

      const reply = await api().post(`/api/deliveries/${id}/replay`).expect(202);
      expect(reply.body).toEqual({ id: expect.any(String), replayOf: id, state: 'queued' });
      const replayId = reply.body.id as string;
      expect(replayId).not.toBe(id);
      const replay = await until(async () => {
        const found = await row(replayId);
        return found?.state === 'processed' && found;
      }, 'the replay processed');
      expect(replay).toMatchObject({
        sender: 'inkit',
        event: 'inkit.DOCUMENT_CREATE_FINISHED',
        statusCode: 202,
        replayOf: id,
        duplicate: false,
        rawBody: inkitBody('doc_dead'),
      });
      expect(await record('inkit', 'doc_dead')).toMatchObject({ lastDeliveryId: replayId });
      // The delivery replayed keeps its own row and state.
      expect((await row(id))?.state).toBe('dead');
    });

    it('replays a processed delivery: the handler runs once more, logged as a replay of it', async () => {
      expect((await sendInkit(inkitBody('doc_again'))).status).toBe(200);
      const first = await until(() => record('inkit', 'doc_again'), 'the record');
      await until(async () => (await row(first.lastDeliveryId))?.state === 'processed', 'processed');

      const reply = await api().post(`/api/deliveries/${first.lastDeliveryId}/replay`).expect(202);
      const replayId = reply.body.id as string;
      await until(
        async () => (await record('inkit', 'doc_again'))?.lastDeliveryId === replayId,
        'the replay',
      );
      await until(async () => (await row(replayId))?.state === 'processed', 'the replay processed');
      const replays = (await deliveries('&sender=inkit')).filter((r) => r.replayOf === first.lastDeliveryId);
      expect(replays.map((r) => r.id)).toEqual([replayId]);
    });

    it('replays from the delivery log once the queue no longer holds the delivery', async () => {
      expect((await sendInkit(inkitBody('doc_gone'))).status).toBe(200);
      const first = await until(() => record('inkit', 'doc_gone'), 'the record');
      const original = await until(async () => {
        const found = await row(first.lastDeliveryId);
        return found?.state === 'processed' && found;
      }, 'processed');
      await dropFromQueue(original.idempotencyKey);

      // Run here and now from the log's bytes: the reply says how it went.
      const reply = await api().post(`/api/deliveries/${original.id}/replay`).expect(202);
      expect(reply.body).toEqual({ id: expect.any(String), replayOf: original.id, state: 'processed' });
      expect(await record('inkit', 'doc_gone')).toMatchObject({ lastDeliveryId: reply.body.id });
      expect(await row(reply.body.id)).toMatchObject({
        state: 'processed',
        replayOf: original.id,
        statusCode: 202,
      });
    });

    it('replays from the log with its headers, and refuses (409) a row without them when its handler reads them', async () => {
      const github = samples.find((sample) => sample.sender === 'github')!;
      const body = JSON.stringify(github.vary(42));
      expect((await deliver(github.path, body, github.sign(body))).status).toBe(200);
      const stored = await until(() => record('github', github.recordId(42)), 'the record');
      const original = await until(async () => {
        const found = await row(stored.lastDeliveryId);
        return found?.state === 'processed' && found;
      }, 'processed');
      await dropFromQueue(original.idempotencyKey);
      // From the log's redacted headers: the handler has what it reads.
      const fromLog = await api().post(`/api/deliveries/${original.id}/replay`).expect(202);
      expect(fromLog.body).toMatchObject({ replayOf: original.id, state: 'processed' });
      // A row logged before headers were kept (migration 0005) cannot be rebuilt for it.
      await app
        .get<Database>(DRIZZLE)
        .execute(sql`update deliveries set headers = null where id = ${original.id}`);
      const before = (await deliveries()).length;
      const reply = await api().post(`/api/deliveries/${original.id}/replay`).expect(409);
      expect(reply.body.message).toMatch(
        /now that the queue no longer holds it: github's handler reads x-github-delivery/,
      );
      expect(await deliveries()).toHaveLength(before);
    });

    it('answers 404 for an unknown delivery and 409 for a rejected one', async () => {
      await api().post(`/api/deliveries/${randomUUID()}/replay`).expect(404);
      const body = inkitBody('doc_forged');
      expect(
        (await deliver('/webhooks/inkit', body, signInkit(body, { secret: 'not-the-secret' }))).status,
      ).toBe(401);
      const forged = await until(
        async () => (await deliveries('&sender=inkit&state=rejected')).find((r) => r.statusCode === 401),
        'the rejected row',
      );
      const reply = await api().post(`/api/deliveries/${forged.id}/replay`).expect(409);
      expect(reply.body.message).toMatch(/rejected \(mismatch\)/);
    });

    it('refuses an unknown state filter', async () => {
      await api().get('/api/deliveries?state=lost').expect(400);
    });
  });

  describe('role worker', () => {
    let app: INestApplication | undefined;
    const env = queueEnv(redisUrl);

    beforeAll(async () => {
      app = await createReceiver({
        env: { ...senderEnv, PGLITE_DATA_DIR: 'memory://', ...env, RECEIVER_ROLE: 'worker' },
        logger: false,
      });
      await app.init();
    });
    afterAll(async () => {
      await app?.close();
      await cleanRedis(redisUrl!, env);
    });

    it('serves /health and /metrics only: no webhook routes, no API', async () => {
      const api = () => request(app!.getHttpServer());
      expect((await api().get('/health')).status).toBe(200);
      const body = inkitBody('doc_worker');
      expect(
        (
          await api()
            .post('/webhooks/inkit')
            .set('Content-Type', 'application/json')
            .set(signInkit(body, { secret: credentials.inkit }))
            .send(body)
        ).status,
      ).toBe(404);
      await api().get('/api/deliveries').expect(404);
      await api().post(`/api/deliveries/${randomUUID()}/replay`).expect(404);
    });
  });

  // An api and a worker, two processes' worth of the receiver, sharing the database and the queue.
  describeIf(adminUrl, 'PostgreSQL')('roles api and worker on one PostgreSQL', () => {
    let scratch: ScratchDatabase;
    let apiApp: INestApplication;
    let worker: INestApplication | undefined;
    const env = queueEnv(redisUrl);
    const roleEnv = (role: string): ReceiverEnv => ({
      ...senderEnv,
      DATABASE_URL: scratch.url,
      ...env,
      RECEIVER_ROLE: role,
    });
    const startWorker = async () => {
      worker = await createReceiver({ env: roleEnv('worker'), logger: false });
      await worker.init();
    };

    beforeAll(async () => {
      scratch = await createScratchDatabase(adminUrl!, 'receiver_roles');
      apiApp = await createReceiver({ env: roleEnv('api'), logger: false });
      await apiApp.init();
    });
    afterAll(async () => {
      await worker?.close();
      await apiApp?.close();
      await cleanRedis(redisUrl!, env);
      await scratch?.drop();
    });

    const api = () => request(apiApp.getHttpServer());
    const send = (body: string) =>
      api()
        .post('/webhooks/inkit')
        .set('Content-Type', 'application/json')
        .set(signInkit(body, { secret: credentials.inkit }))
        .send(body);
    const rowOf = async (resourceId: string) =>
      ((await api().get('/api/deliveries?sender=inkit&limit=500').expect(200)).body as Row[]).filter((r) =>
        r.idempotencyKey?.endsWith(`:${resourceId}`),
      );

    it('the api queues and logs, the worker files the record and updates the same row', async () => {
      await startWorker();
      const queue = apiApp.get(BullmqWebhookQueue).queue;
      // The api runs no worker: the one worker on the queue is the worker's.
      expect(await queue.getWorkers()).toHaveLength(1);
      await queue.pause();
      let queued: Row;
      try {
        expect((await send(inkitBody('doc_split'))).status).toBe(200);
        [queued] = await until(
          async () => (await rowOf('doc_split')).length === 1 && rowOf('doc_split'),
          'the row',
        );
        expect(queued).toMatchObject({ state: 'queued', statusCode: 200 });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect((await rowOf('doc_split'))[0].state).toBe('queued');
        await api().get('/api/records/inkit/doc_split').expect(404);
      } finally {
        await queue.resume();
      }
      await until(async () => (await rowOf('doc_split'))[0].state === 'processed', 'processed');
      expect((await api().get('/api/records/inkit/doc_split').expect(200)).body).toMatchObject({
        lastDeliveryId: queued.id,
      });
      expect(await rowOf('doc_split')).toHaveLength(1);
    });

    it('a worker that starts with deliveries waiting runs each of them', async () => {
      await worker?.close();
      worker = undefined;
      expect((await send(inkitBody('doc_backlog'))).status).toBe(200);
      await until(async () => (await rowOf('doc_backlog'))[0]?.state === 'queued', 'queued');
      await startWorker();
      await until(async () => (await rowOf('doc_backlog'))[0].state === 'processed', 'processed');
      await api().get('/api/records/inkit/doc_backlog').expect(200);
    });
  });

  describe('as a process of its own (ReceiverProcess)', () => {
    it('starts a worker that answers /health and nothing else', async () => {
      const env = queueEnv(redisUrl);
      const { child, url } = await ReceiverProcess.start({
        ...senderEnv,
        PGLITE_DATA_DIR: 'memory://',
        ...env,
        RECEIVER_ROLE: 'worker',
      });
      try {
        expect((await fetch(`${url}/health`)).status).toBe(200);
        expect((await fetch(`${url}/webhooks/inkit`, { method: 'POST', body: '{}' })).status).toBe(404);
        expect(child.output).toContain('role worker');
      } finally {
        await child.stop();
        await cleanRedis(redisUrl!, env);
      }
    });
  });
});

describe('the receiver refuses to start on processing settings it cannot honour', () => {
  it.each<[ReceiverEnv, RegExp]>([
    [{ WEBHOOKS_PROCESSING: 'queue' }, /WEBHOOKS_PROCESSING=queue needs REDIS_URL/],
    [{ WEBHOOKS_PROCESSING: 'async' }, /WEBHOOKS_PROCESSING must be/],
    [{ RECEIVER_ROLE: 'worker' }, /RECEIVER_ROLE=worker needs WEBHOOKS_PROCESSING=queue/],
    [
      { WEBHOOKS_PROCESSING: 'queue', REDIS_URL: 'redis://127.0.0.1:1', RECEIVER_ROLE: 'both' },
      /RECEIVER_ROLE must be/,
    ],
  ])('%j', async (env, message) => {
    await expect(
      createReceiver({ env: { PGLITE_DATA_DIR: 'memory://', ...env }, logger: false }),
    ).rejects.toThrow(message);
  });

  it('exits, naming both variables, as a process of its own', async () => {
    const started = ReceiverProcess.start({ PGLITE_DATA_DIR: 'memory://', WEBHOOKS_PROCESSING: 'queue' });
    await expect(started).rejects.toThrow(/child exited[\s\S]*WEBHOOKS_PROCESSING=queue needs REDIS_URL/);
  });
});
