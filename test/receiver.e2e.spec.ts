import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import request from 'supertest';
import { createReceiver } from '../apps/receiver/src/bootstrap.js';
import type { ReceiverEnv } from '../apps/receiver/src/app.module.js';
import { DRIZZLE, type Database } from '../apps/receiver/src/database/index.js';
import { describeIf } from './support/needs.js';
import { receiverDatabases, type ScratchDatabase } from './support/postgres.js';
import { credentials, receiverSenderEnv, samples } from './support/senders.js';

// Inkit with a retired secret listed first: rotation at work in every test below.
const senderEnv: ReceiverEnv = {
  ...receiverSenderEnv(),
  INKIT_WEBHOOK_SECRET: `retired-secret,${credentials.inkit}`,
};

const adminUrl = process.env.DATABASE_URL_TEST;
// /health's answer (terminus's shape) when the database, the one dependency configured here, is up.
const databaseUp = {
  status: 'ok',
  info: { database: { status: 'up' } },
  error: {},
  details: { database: { status: 'up' } },
};
const databases = receiverDatabases('receiver_e2e');
if (!adminUrl && process.env.CI === 'true') {
  throw new Error('DATABASE_URL_TEST must be set in CI: the receiver is tested on PostgreSQL too');
}
// Said at the end of the run (the skip reporter) rather than left out without a word.
describeIf(adminUrl, 'PostgreSQL')('the receiver on PostgreSQL', () => {
  it('runs every test of the suite below on PostgreSQL too', () => undefined);
});

describe.each(databases)('the receiver on %s', (_name, makeDatabase) => {
  let app: INestApplication;
  let scratch: ScratchDatabase | undefined;

  beforeAll(async () => {
    const database = await makeDatabase();
    scratch = database.scratch;
    app = await createReceiver({ env: { ...senderEnv, ...database.env }, logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await scratch?.drop();
  });

  const api = () => request(app.getHttpServer());
  const deliver = (path: string, body: string, headers: Record<string, string>) =>
    api().post(path).set('Content-Type', 'application/json').set(headers).send(body);
  const deliveries = async (sender: string) =>
    (await api().get(`/api/deliveries?sender=${sender}&limit=500`).expect(200)).body as Record<string, any>[];

  it('answers health with the database up', async () => {
    expect((await api().get('/health')).body).toEqual(databaseUp);
  });

  describe.each(samples)('$sender', (sample) => {
    it('stores a signed delivery as a record and a log row', async () => {
      const body = JSON.stringify(sample.vary(11));
      const reply = await deliver(sample.path, body, sample.sign(body));
      expect(reply.status).toBe(200);
      const record = await api()
        .get(`/api/records/${sample.sender}/${sample.recordId(11)}`)
        .expect(200);
      const logged = (await deliveries(sample.sender)).find((row) => row.id === record.body.lastDeliveryId);
      expect(logged).toMatchObject({
        sender: sample.sender,
        event: sample.event,
        statusCode: 200,
        duplicate: false,
        rawBody: body,
        state: 'processed',
        replayOf: null,
      });
      expect(logged).not.toHaveProperty('provider');
      expect(logged!.idempotencyKey).toMatch(new RegExp(`^${sample.sender}:`));
    });

    it('changes no record for a forged delivery, and logs it as rejected without its body', async () => {
      const body = JSON.stringify(sample.vary(12));
      const before = await deliveries(sample.sender);
      const reply = await deliver(sample.path, body, sample.forge(body));
      expect(reply.status).toBe(401);
      await api()
        .get(`/api/records/${sample.sender}/${sample.recordId(12)}`)
        .expect(404);
      const after = await deliveries(sample.sender);
      expect(after).toHaveLength(before.length + 1);
      expect(after[0]).toMatchObject({
        statusCode: 401,
        reason: 'mismatch',
        rawBody: null,
        duplicate: false,
        state: 'rejected',
      });
    });

    it('changes nothing for a duplicate, and logs it as one', async () => {
      const body = JSON.stringify(sample.vary(13));
      const headers = sample.sign(body);
      expect((await deliver(sample.path, body, headers)).status).toBe(200);
      const first = (
        await api()
          .get(`/api/records/${sample.sender}/${sample.recordId(13)}`)
          .expect(200)
      ).body;
      expect((await deliver(sample.path, body, headers)).status).toBe(200);
      const second = (
        await api()
          .get(`/api/records/${sample.sender}/${sample.recordId(13)}`)
          .expect(200)
      ).body;
      expect(second).toEqual(first);
      const rows = (await deliveries(sample.sender)).filter((row) => row.rawBody === body);
      expect(rows.map((row) => [row.statusCode, row.duplicate, row.state])).toEqual([
        [200, true, 'duplicate'],
        [200, false, 'processed'],
      ]);
    });
  });

  it('accepts both secrets of a rotation list', async () => {
    const { signInkit } = await import('nestjs-webhooks/testing');
    const body = JSON.stringify({ event_type: 'DOCUMENT_DELETED', resource_id: 'doc_rot' });
    expect(
      (await deliver('/webhooks/inkit', body, signInkit(body, { secret: 'retired-secret' }))).status,
    ).toBe(200);
    const record = await api().get('/api/records/inkit/doc_rot').expect(200);
    expect(record.body).toMatchObject({ lastEvent: 'DOCUMENT_DELETED', status: 'deleted' });
  });

  it('filters the delivery log by status and limit, newest first', async () => {
    const rejected = (await api().get('/api/deliveries?status=401&limit=3').expect(200)).body as Record<
      string,
      any
    >[];
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.length).toBeLessThanOrEqual(3);
    expect(rejected.every((row) => row.statusCode === 401)).toBe(true);
    const times = rejected.map((row) => Date.parse(row.receivedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    await api().get('/api/deliveries?status=abc').expect(400);
  });

  it("refuses the filter's old name rather than answer every sender's deliveries", async () => {
    const reply = await api().get('/api/deliveries?provider=inkit').expect(400);
    expect(reply.body.message).toBe('The filter is ?sender=, not ?provider=');
  });

  it('keeps integers beyond 2^53 exact: two reports, two records, digits as sent', async () => {
    const { signOxskyt, signOvcode } = await import('nestjs-webhooks/testing');
    for (const id of ['9007199254740993', '9007199254740992']) {
      const body = `{"id":${id},"score":12345678901234567891}`;
      expect(
        (await deliver('/webhooks/oxskyt', body, signOxskyt(body, { secret: credentials.oxskyt }))).status,
      ).toBe(200);
      const record = (await api().get(`/api/records/oxskyt/${id}`).expect(200)).body;
      expect(record.data).toEqual({ id, score: '12345678901234567891' });
    }
    const token = '115792089237316195423570985008687907853269984665640564039457584007913129639935';
    const body = `{"reference":"ref-big-token","status_code":"S","token_id":${token}}`;
    expect(
      (await deliver('/webhooks/ovcode', body, signOvcode(body, { apiSecret: credentials.ovcode }))).status,
    ).toBe(200);
    expect((await api().get('/api/records/ovcode/ref-big-token').expect(200)).body.tokenId).toBe(token);
  });

  it('replays a delivery from the log: the handler runs once more, logged as a replay of it', async () => {
    const { signInkit } = await import('nestjs-webhooks/testing');
    const body = JSON.stringify({ event_type: 'DOCUMENT_DELETED', resource_id: 'doc_replay' });
    expect(
      (await deliver('/webhooks/inkit', body, signInkit(body, { secret: credentials.inkit }))).status,
    ).toBe(200);
    const first = (await api().get('/api/records/inkit/doc_replay').expect(200)).body;
    // Inline, the replay runs before the reply, which says how it went.
    const reply = await api().post(`/api/deliveries/${first.lastDeliveryId}/replay`).expect(202);
    expect(reply.body).toEqual({
      id: expect.any(String),
      replayOf: first.lastDeliveryId,
      state: 'processed',
    });
    expect((await api().get('/api/records/inkit/doc_replay').expect(200)).body).toMatchObject({
      lastDeliveryId: reply.body.id,
    });
    const replay = (await deliveries('inkit')).find((row) => row.id === reply.body.id);
    expect(replay).toMatchObject({
      replayOf: first.lastDeliveryId,
      state: 'processed',
      statusCode: 202,
      rawBody: body,
      event: 'inkit.DOCUMENT_DELETED',
    });
  });

  it('refuses to replay an unknown delivery (404) or a rejected one (409)', async () => {
    await api().post('/api/deliveries/no-such-delivery/replay').expect(404);
    const [rejected] = await deliveries('inkit').then((rows) =>
      rows.filter((row) => row.state === 'rejected'),
    );
    expect((await api().post(`/api/deliveries/${rejected.id}/replay`).expect(409)).body.message).toMatch(
      /only verified deliveries can be replayed/,
    );
  });

  it("replays a sender whose handler reads headers from the log's redacted headers", async () => {
    const github = samples.find((sample) => sample.sender === 'github')!;
    const body = JSON.stringify(github.vary(77));
    expect((await deliver(github.path, body, github.sign(body))).status).toBe(200);
    const first = (
      await api()
        .get(`/api/records/github/${github.recordId(77)}`)
        .expect(200)
    ).body;
    const original = (await api().get(`/api/deliveries/${first.lastDeliveryId}`).expect(200)).body;
    // What the handler needs (the event and delivery headers) is there; the signature is not.
    expect(original.headers['x-github-event']).toBeDefined();
    expect(original.headers['x-hub-signature-256']).toBe('[redacted]');
    const reply = await api().post(`/api/deliveries/${original.id}/replay`).expect(202);
    expect(reply.body).toMatchObject({ replayOf: original.id, state: 'processed' });
    expect(
      (
        await api()
          .get(`/api/records/github/${github.recordId(77)}`)
          .expect(200)
      ).body,
    ).toMatchObject({
      lastDeliveryId: reply.body.id,
    });
  });

  it('refuses (409) to replay a row logged before headers were kept when its handler reads them', async () => {
    const [github] = await deliveries('github').then((rows) =>
      rows.filter((row) => row.state === 'processed' && row.replayOf === null),
    );
    // A row as migration 0005 left it: no headers.
    await app
      .get<Database>(DRIZZLE)
      .execute(sql`update deliveries set headers = null where id = ${github.id}`);
    const before = (await deliveries('github')).length;
    expect((await api().post(`/api/deliveries/${github.id}/replay`).expect(409)).body.message).toMatch(
      /from the delivery log: github's handler reads x-github-delivery, x-github-event/,
    );
    expect(await deliveries('github')).toHaveLength(before);
  });

  it('answers 404 for an absent record', async () => {
    await api().get('/api/records/inkit/nope').expect(404);
    await api().get('/api/records/unknown/nope').expect(404);
  });
});

describe('the receiver API with ADMIN_TOKEN set', () => {
  const token = 'admin-token-for-the-e2e-suite-0123';
  let app: INestApplication;

  beforeAll(async () => {
    app = await createReceiver({
      env: { ...senderEnv, PGLITE_DATA_DIR: 'memory://', ADMIN_TOKEN: token },
      logger: false,
    });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
  });

  const api = () => request(app.getHttpServer());

  it.each(['/api/deliveries', '/api/records/inkit/doc_1'])(
    'answers 401 on %s without the token',
    async (path) => {
      const reply = await api().get(path);
      expect(reply.status).toBe(401);
      expect(reply.headers['www-authenticate']).toBe('Bearer');
      expect(JSON.stringify(reply.body)).not.toContain(token);
      expect((await api().get(path).set('Authorization', 'Bearer wrong-token')).status).toBe(401);
    },
  );

  it('guards replays like the rest of the API', async () => {
    const reply = await api().post('/api/deliveries/no-such-delivery/replay');
    expect(reply.status).toBe(401);
    await api()
      .post('/api/deliveries/no-such-delivery/replay')
      .set('Authorization', `Bearer ${token}`)
      .expect(404);
  });

  it('answers the bearer of the token', async () => {
    const reply = await api().get('/api/deliveries').set('Authorization', `Bearer ${token}`);
    expect(reply.status).toBe(200);
    expect(Array.isArray(reply.body)).toBe(true);
  });

  it('keeps /health and the webhook routes open', async () => {
    expect((await api().get('/health')).body).toEqual(databaseUp);
    const body = JSON.stringify({ event_type: 'DOCUMENT_DELETED', resource_id: 'doc_open' });
    const { signInkit } = await import('nestjs-webhooks/testing');
    const reply = await api()
      .post('/webhooks/inkit')
      .set('Content-Type', 'application/json')
      .set(signInkit(body, { secret: credentials.inkit }))
      .send(body);
    expect(reply.status).toBe(200);
  });
});

describe('the receiver API without ADMIN_TOKEN', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createReceiver({ env: { ...senderEnv, PGLITE_DATA_DIR: 'memory://' }, logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers a loopback client, and refuses one a proxy forwarded with 403', async () => {
    const api = () => request(app.getHttpServer());
    expect((await api().get('/api/deliveries')).status).toBe(200);
    const forwarded = await api().get('/api/deliveries').set('X-Forwarded-For', '203.0.113.9');
    expect(forwarded.status).toBe(403);
    const replay = api().post('/api/deliveries/no-such-delivery/replay');
    expect((await replay.set('X-Forwarded-For', '203.0.113.9')).status).toBe(403);
    expect((await api().get('/health').set('X-Forwarded-For', '203.0.113.9')).status).toBe(200);
  });
});
