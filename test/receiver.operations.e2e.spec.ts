import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { WebhookDeliveryOutcome } from 'nestjs-webhooks';
import request from 'supertest';
import type { ReceiverEnv } from '../apps/receiver/src/app.module.js';
import { createReceiver } from '../apps/receiver/src/bootstrap.js';
import {
  DELIVERY_STATES,
  deliveries as deliveryLog,
  DRIZZLE,
  type Database,
} from '../apps/receiver/src/database/index.js';
import { DeliveryLogListener } from '../apps/receiver/src/records/delivery-log.listener.js';
import { RetentionService } from '../apps/receiver/src/records/retention.service.js';
import { describeIf } from './support/needs.js';
import { receiverDatabases, type ScratchDatabase } from './support/postgres.js';
import { credentials, samples } from './support/senders.js';

// What an operator reads: the paged, filtered list, a delivery's detail and history, the chart's
// counts, the filters' choices, and the log's retention.

const token = 'operations-admin-token-4f1c';
const env: ReceiverEnv = {
  ADMIN_TOKEN: token,
  INKIT_WEBHOOK_SECRET: credentials.inkit,
  STRIPE_WEBHOOK_SECRET: credentials.stripe,
};
const inkit = samples.find((sample) => sample.sender === 'inkit')!;
const stripe = samples.find((sample) => sample.sender === 'stripe')!;

const adminUrl = process.env.DATABASE_URL_TEST;
const databases = receiverDatabases('receiver_operations');
describeIf(adminUrl, 'PostgreSQL')('the operator API on PostgreSQL', () => {
  it('runs every test of the suite below on PostgreSQL too', () => undefined);
});

type Row = Record<string, any>;

describe.each(databases)('the operator API on %s', (_name, makeDatabase) => {
  let app: INestApplication;
  let scratch: ScratchDatabase | undefined;
  const sent: string[] = [];

  const api = () => request(app.getHttpServer());
  const get = (path: string) => api().get(path).set('Authorization', `Bearer ${token}`);
  const deliver = (path: string, body: string, headers: Record<string, string>) =>
    api().post(path).set('Content-Type', 'application/json').set(headers).send(body);

  beforeAll(async () => {
    const database = await makeDatabase();
    scratch = database.scratch;
    app = await createReceiver({ env: { ...env, ...database.env }, logger: false });
    await app.init();
    // Seven inkit deliveries a few milliseconds apart (so their order is their sending order), a
    // forged one, and one from Stripe.
    for (let i = 0; i < 7; i++) {
      const body = JSON.stringify(inkit.vary(300 + i));
      expect((await deliver(inkit.path, body, inkit.sign(body))).status).toBe(200);
      sent.push(body);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const forged = JSON.stringify(inkit.vary(399));
    expect((await deliver(inkit.path, forged, inkit.forge(forged))).status).toBe(401);
    const charge = JSON.stringify(stripe.vary(5));
    expect((await deliver(stripe.path, charge, stripe.sign(charge))).status).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
    await scratch?.drop();
  });

  it('pages the list newest first with a cursor, each row once, summaries without body or headers', async () => {
    const pages: Row[][] = [];
    let path: string | undefined = '/api/deliveries?sender=inkit&state=processed&limit=3&view=summary';
    while (path !== undefined) {
      const reply: request.Response = await get(path).expect(200);
      pages.push(reply.body);
      const cursor = reply.headers['x-next-cursor'];
      if (cursor === undefined) {
        expect(reply.headers.link).toBeUndefined();
        path = undefined;
      } else {
        // The Link header is the same request with the cursor: following either is the same.
        const link: string = /^<([^>]+)>; rel="next"$/.exec(reply.headers.link)![1]!;
        expect(link).toContain(`before=${cursor}`);
        expect(link).toContain('sender=inkit');
        path = link;
      }
    }
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    const rows = pages.flat();
    const times = rows.map((row) => Date.parse(row.receivedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(rows.map((row) => row.id)).size).toBe(7);
    for (const row of rows) {
      expect(row).not.toHaveProperty('rawBody');
      expect(row).not.toHaveProperty('headers');
      expect(row).toMatchObject({ sender: 'inkit', state: 'processed', statusCode: 200 });
    }
  });

  it('filters by sender, outcome, status and time', async () => {
    const all = (await get('/api/deliveries?view=summary&limit=500').expect(200)).body as Row[];
    expect(new Set(all.map((row) => row.sender))).toEqual(new Set(['inkit', 'stripe']));
    const stripeRows = (await get('/api/deliveries?sender=stripe').expect(200)).body as Row[];
    expect(stripeRows.map((row) => row.sender)).toEqual(['stripe']);
    const rejected = (await get('/api/deliveries?state=rejected').expect(200)).body as Row[];
    expect(rejected.map((row) => [row.sender, row.reason])).toEqual([['inkit', 'mismatch']]);
    expect((await get('/api/deliveries?status=401').expect(200)).body).toHaveLength(1);
    // A window that starts at the fourth inkit delivery and ends before the forged one.
    const inkitRows = (await get('/api/deliveries?sender=inkit&state=processed').expect(200)).body as Row[];
    const oldestFirst = [...inkitRows].reverse();
    const from = oldestFirst[3]!.receivedAt;
    const to = oldestFirst[6]!.receivedAt;
    const window = (await get(`/api/deliveries?sender=inkit&from=${from}&to=${to}`).expect(200))
      .body as Row[];
    expect(window.map((row) => row.id)).toEqual(
      oldestFirst
        .slice(3, 6)
        .map((row) => row.id)
        .reverse(),
    );
  });

  it.each([
    ['?before=not-a-cursor', /before= is not a cursor/],
    ['?from=yesterday', /from= must be an ISO 8601 time/],
    ['?to=2026-13-45T00:00:00Z', /to= must be an ISO 8601 time/],
    ['?view=full', /view= is summary/],
    ['?state=lost', /state= is one of/],
    ['?status=abc', /numeric/],
  ])('answers 400 for %s', async (query, message) => {
    const reply = await get(`/api/deliveries${query}`).expect(400);
    expect(JSON.stringify(reply.body.message)).toMatch(message);
  });

  it("shows a delivery's detail: redacted headers, its body, and its replays in its history", async () => {
    const [latest] = (await get('/api/deliveries?sender=inkit&state=processed&limit=1').expect(200))
      .body as Row[];
    const replay = await api()
      .post(`/api/deliveries/${latest!.id}/replay`)
      .set('Authorization', `Bearer ${token}`)
      .expect(202);
    const detail = (await get(`/api/deliveries/${latest!.id}`).expect(200)).body;
    expect(detail).toMatchObject({
      id: latest!.id,
      sender: 'inkit',
      state: 'processed',
      rawBodyEncoding: 'utf8',
    });
    expect(sent).toContain(detail.rawBody);
    expect(detail.headers[inkit.credentialHeader]).toBe('[redacted]');
    expect(detail.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.stringify(detail)).not.toContain(credentials.inkit);
    expect(detail.history.replays).toEqual([
      expect.objectContaining({ id: replay.body.id, state: 'processed', statusCode: 202 }),
    ]);
    expect(detail.history.attempts).toEqual([]);
    // The replay's own detail points back at it.
    expect((await get(`/api/deliveries/${replay.body.id}`).expect(200)).body).toMatchObject({
      replayOf: latest!.id,
    });
    // A forged delivery: its headers (why it failed), never its bytes.
    const [forged] = (await get('/api/deliveries?state=rejected').expect(200)).body as Row[];
    const forgedDetail = (await get(`/api/deliveries/${forged!.id}`).expect(200)).body;
    expect(forgedDetail).toMatchObject({ reason: 'mismatch', statusCode: 401, rawBody: null });
    expect(forgedDetail.headers[inkit.credentialHeader]).toBe('[redacted]');
    await get('/api/deliveries/no-such-delivery').expect(404);
  });

  it("lists a queued delivery's attempts, as its worker reported them, in its history", async () => {
    const listener = app.get(DeliveryLogListener);
    const id = `queued-${Date.now()}`;
    const base = {
      deliveryId: id,
      sender: 'inkit',
      status: 500,
      event: 'inkit.DOCUMENT_DELETED',
      idempotencyKey: `inkit:${id}`,
      receivedAt: new Date(),
      attempts: 3,
    } satisfies Partial<WebhookDeliveryOutcome>;
    await listener.log({ ...base, outcome: 'queued', status: 200, durationMs: 1 });
    await listener.progress({
      ...base,
      outcome: 'retrying',
      reason: 'handler-error',
      attempt: 1,
      durationMs: 5,
    });
    await listener.progress({
      ...base,
      outcome: 'retrying',
      reason: 'handler-error',
      attempt: 2,
      durationMs: 6,
    });
    await listener.progress({ ...base, outcome: 'processed', status: 200, attempt: 3, durationMs: 7 });
    const detail = (await get(`/api/deliveries/${id}`).expect(200)).body;
    expect(detail.state).toBe('processed');
    expect(
      detail.history.attempts.map((a: Row) => [a.attempt, a.attempts, a.state, a.reason, a.durationMs]),
    ).toEqual([
      [1, 3, 'retrying', 'handler-error', 5],
      [2, 3, 'retrying', 'handler-error', 6],
      [3, 3, 'processed', null, 7],
    ]);
  });

  it('counts outcomes per sender and hour for the chart', async () => {
    const stats = (await get('/api/deliveries/stats').expect(200)).body;
    expect(stats.bucket).toBe('hour');
    expect(Date.parse(stats.to) - Date.parse(stats.from)).toBe(24 * 60 * 60 * 1000);
    const count = (sender: string, state: string) =>
      stats.series
        .filter((point: Row) => point.sender === sender && point.state === state)
        .reduce((sum: number, point: Row) => sum + point.count, 0);
    // Seven sent, one replayed (its own row), one queued by hand above.
    expect(count('inkit', 'processed')).toBe(9);
    expect(count('inkit', 'rejected')).toBe(1);
    expect(count('stripe', 'processed')).toBe(1);
    for (const point of stats.series) expect(new Date(point.at).getUTCMinutes()).toBe(0);
    const days = (
      await get('/api/deliveries/stats?bucket=day&from=2026-01-01T00:00:00Z&to=2026-01-08T00:00:00Z').expect(
        200,
      )
    ).body;
    expect(days.series).toEqual([]);
    await get('/api/deliveries/stats?bucket=week').expect(400);
    await get('/api/deliveries/stats?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z').expect(400);
    await get('/api/deliveries/stats?bucket=hour&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z').expect(
      400,
    );
  });

  it('names every sender for the filters, and which are served', async () => {
    const meta = (await get('/api/meta').expect(200)).body;
    expect(meta.senders).toContainEqual({ id: 'inkit', enabled: true });
    expect(meta.senders).toContainEqual({ id: 'stripe', enabled: true });
    expect(meta.senders).toContainEqual({ id: 'github', enabled: false });
    expect(meta.states).toEqual([...DELIVERY_STATES]);
  });

  it('answers 401 without the admin token, on every operator route', async () => {
    for (const path of [
      '/api/meta',
      '/api/deliveries/stats',
      '/api/deliveries?view=summary',
      `/api/deliveries/x`,
    ]) {
      await api().get(path).expect(401);
      await api().get(path).set('Authorization', 'Bearer wrong-token').expect(401);
    }
  });

  it('prunes rows older than RETENTION_DAYS (30 by default), keeping the rest', async () => {
    const db = app.get<Database>(DRIZZLE);
    const old = new Date(Date.now() - 31 * 24 * 60 * 60 * 1000);
    await db.insert(deliveryLog).values({
      id: 'from-last-month',
      sender: 'inkit',
      statusCode: 200,
      duplicate: false,
      receivedAt: old,
      durationMs: 1,
      rawBody: Buffer.from('{}'),
      state: 'processed',
    });
    await get('/api/deliveries/from-last-month').expect(200);
    const before = ((await get('/api/deliveries?limit=500&view=summary').expect(200)).body as Row[]).length;
    expect(await app.get(RetentionService).runOnce()).toBe(1);
    await get('/api/deliveries/from-last-month').expect(404);
    expect((await get('/api/deliveries?limit=500&view=summary').expect(200)).body).toHaveLength(before - 1);
  });
});
