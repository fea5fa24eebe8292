import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'drizzle-orm';
import {
  createDatabase,
  RecordsRepository,
  type DatabaseHandle,
  type DeliveryLogEntry,
  type DeliveryState,
  type SenderId,
  type SenderRecord,
} from '../../apps/receiver/src/database/index.js';
import { MIGRATIONS } from '../support/migrations.js';
import { describeIf } from '../support/needs.js';
import { createScratchDatabase } from '../support/postgres.js';

interface Target {
  handle: DatabaseHandle;
  dispose(): Promise<void>;
}

async function pglite(): Promise<Target> {
  const handle = createDatabase({ dataDir: 'memory://' });
  return { handle, dispose: handle.close };
}

async function dedicatedPostgres(adminUrl: string): Promise<Target> {
  const scratch = await createScratchDatabase(adminUrl);
  const handle = createDatabase({ url: scratch.url });
  return {
    handle,
    dispose: async () => {
      await handle.close();
      await scratch.drop();
    },
  };
}

const adminUrl = process.env.DATABASE_URL_TEST;
const targets: [string, () => Promise<Target>][] = [['pglite', pglite]];
if (adminUrl) targets.push(['postgres', () => dedicatedPostgres(adminUrl)]);
describeIf(adminUrl, 'PostgreSQL')('the repository on PostgreSQL', () => {
  it('runs every test of this file on PostgreSQL too', () => undefined);
});

const unique = (prefix: string) => `${prefix}-${randomUUID()}`;

function delivery(sender: string, overrides: Partial<DeliveryLogEntry> = {}): DeliveryLogEntry {
  return {
    id: randomUUID(),
    sender,
    event: 'event',
    statusCode: 200,
    reason: null,
    idempotencyKey: null,
    duplicate: false,
    receivedAt: new Date('2026-01-02T03:04:05.678Z'),
    durationMs: 12.5,
    rawBody: Buffer.from('{"verified":true}'),
    state: 'processed',
    replayOf: null,
    ...overrides,
  };
}

// How the API shows a stored log row: the body as text where that is exact.
const shown = (entry: DeliveryLogEntry) => ({
  headers: null,
  tenant: null,
  ...entry,
  rawBody: entry.rawBody ? entry.rawBody.toString('utf8') : null,
  rawBodyEncoding: entry.rawBody ? 'utf8' : null,
});

// One record per sender, shaped like the vendors' documented samples, with the row findRecord returns.
function samples(): { record: SenderRecord; id: string; row: Record<string, unknown>; label?: string }[] {
  const resourceId = unique('doc');
  const reference = unique('F');
  const ovcode = {
    cid: 'QmdsF6eSo47eLwnHC3ChdefJC1vHaLZSKppVSVMoaYDN78',
    hash: '47e795f5a9f9e091e2df10c692fcfe6c0af9e8206c160b2d6f1ea16f7df54057',
    file: 'https://msovcode.blob.core.windows.net/encryption-test/Example.pdf',
    timestamp: '2024-05-31 09:04:53.0',
  };
  const certificall = {
    cfRef: unique('case'),
    reportId: 'report-1',
    caseUrl: 'https://example.test/case.pdf',
    createdAt: '2026-01-01T10:00:00.000Z',
    items: [{ cfRef: 'item-1', stepAction: 'PHOTOGRAPHY', data: 'front', geolocLatitude: '48.8' }],
  };
  const metadata = {
    id: unique('dsr'),
    companyId: 'company',
    createdAt: '2026-01-01T00:00:00Z',
    dueDate: '2026-02-01',
    legislation: 'GDPR',
    requestStatus: 'pending',
  };
  const illow = { id: metadata.id, event: 'dsr.created', companyId: 'company', siteId: 'site', metadata };
  const reportKey = unique('report');
  const report = { id: reportKey, pages: 3, nested: { ok: true } };
  const githubDelivery = randomUUID();
  const ping = randomUUID();
  const stripeEvent = unique('evt');
  const message = unique('msg');
  return [
    {
      record: { sender: 'inkit', resourceId, eventType: 'DOCUMENT_CREATE_FINISHED' },
      id: resourceId,
      row: { resourceId, lastEvent: 'DOCUMENT_CREATE_FINISHED', status: 'finished' },
    },
    {
      record: { sender: 'ovcode', reference, statusCode: 'S', tokenId: 1, ...ovcode },
      id: reference,
      row: { reference, status: 'S', tokenId: '1', ...ovcode },
    },
    {
      record: { sender: 'certificall', ...certificall },
      id: certificall.cfRef,
      row: certificall,
    },
    {
      record: { sender: 'illow', ...illow },
      id: illow.id,
      row: { ...illow, status: 'pending', legislation: 'GDPR', dueDate: '2026-02-01' },
    },
    {
      record: { sender: 'oxskyt', key: reportKey, data: report },
      id: reportKey,
      row: { reportKey, data: report },
    },
    {
      record: {
        sender: 'github',
        deliveryId: githubDelivery,
        event: 'issues',
        action: 'opened',
        repository: 'Codertocat/Hello-World',
      },
      id: githubDelivery,
      row: {
        deliveryId: githubDelivery,
        event: 'issues',
        action: 'opened',
        repository: 'Codertocat/Hello-World',
      },
    },
    {
      // A ping has no action, and a hook on an organization no repository.
      label: 'github ping',
      record: { sender: 'github', deliveryId: ping, event: 'ping' },
      id: ping,
      row: { deliveryId: ping, event: 'ping', action: null, repository: null },
    },
    {
      record: {
        sender: 'stripe',
        eventId: stripeEvent,
        type: 'payment_intent.succeeded',
        objectId: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
        livemode: false,
      },
      id: stripeEvent,
      row: {
        eventId: stripeEvent,
        type: 'payment_intent.succeeded',
        objectId: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
        livemode: false,
      },
    },
    {
      record: { sender: 'standard', messageId: message, type: 'contact.created' },
      id: message,
      row: { messageId: message, type: 'contact.created' },
    },
  ];
}

describe.each(targets)('records on %s', (_driver, open) => {
  let target: Target;
  let repo: RecordsRepository;

  beforeAll(async () => {
    target = await open();
    await target.handle.migrate();
    repo = new RecordsRepository(target.handle.db);
  });

  afterAll(() => target?.dispose());

  // Both drivers' results carry `rows`; the driver-neutral Database type cannot say so.
  const rows = async (query: ReturnType<typeof sql>) =>
    ((await target.handle.db.execute(query)) as unknown as { rows: Record<string, unknown>[] }).rows;
  const deliveryCount = async (id: string) =>
    (await rows(sql`select count(*)::int as n from deliveries where id = ${id}`))[0].n;

  it('applies the migrations once; applying them again changes nothing', async () => {
    const before = await rows(sql`select hash from drizzle.__drizzle_migrations`);
    await target.handle.migrate();
    expect(await rows(sql`select hash from drizzle.__drizzle_migrations`)).toEqual(before);
    expect(before).toHaveLength(MIGRATIONS.length);
    const tables = await rows(
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'certificall_cases',
      'deliveries',
      'delivery_attempts',
      'github_deliveries',
      'illow_requests',
      'inkit_documents',
      'ovcode_authentications',
      'oxskyt_reports',
      'standard_messages',
      'stripe_events',
    ]);
  });

  it('answers ping', async () => {
    await expect(repo.ping()).resolves.toBeUndefined();
  });

  it.each(samples().map((s) => [s.label ?? s.record.sender, s] as const))(
    'writes the %s record with its log row, and a replay leaves the same state',
    async (_name, { record, id, row }) => {
      const sender = record.sender;
      const entry = delivery(sender);
      await repo.applyAccepted(entry, record);

      const expected = { ...row, updatedAt: entry.receivedAt, lastDeliveryId: entry.id };
      const stored = await repo.findRecord(sender, id);
      expect(stored).toEqual(expected);
      expect(JSON.parse(JSON.stringify(stored))).toEqual({
        ...row,
        updatedAt: '2026-01-02T03:04:05.678Z',
        lastDeliveryId: entry.id,
      });
      expect((await repo.listDeliveries({ sender })).rows).toContainEqual({
        ...shown(entry),
        event: 'event',
      });

      const count = await repo.countRecords(sender);
      await repo.applyAccepted(entry, record);
      expect(await repo.findRecord(sender, id)).toEqual(expected);
      expect(await repo.countRecords(sender)).toBe(count);
      expect(await deliveryCount(entry.id)).toBe(1);

      // The same event delivered again under a new delivery id: same record, pointing at the newer delivery.
      const retry = delivery(sender, { receivedAt: new Date(entry.receivedAt.getTime() + 1000) });
      await repo.applyAccepted(retry, record);
      expect(await repo.findRecord(sender, id)).toEqual({
        ...row,
        updatedAt: retry.receivedAt,
        lastDeliveryId: retry.id,
      });
      expect(await repo.countRecords(sender)).toBe(count);
    },
  );

  it('stores JSON columns as JSON values, not as JSON strings', async () => {
    const [, , certificall, , oxskyt] = samples();
    await repo.applyAccepted(delivery('certificall'), certificall.record);
    await repo.applyAccepted(delivery('oxskyt'), oxskyt.record);
    expect(
      await rows(
        sql`select jsonb_typeof(items) as t from certificall_cases where cf_ref = ${certificall.id}`,
      ),
    ).toEqual([{ t: 'array' }]);
    expect(
      await rows(sql`select jsonb_typeof(data) as t from oxskyt_reports where report_key = ${oxskyt.id}`),
    ).toEqual([{ t: 'object' }]);
  });

  it('derives the Inkit status from the event type and keeps the newest delivery', async () => {
    const resourceId = unique('doc');
    const deleted = delivery('inkit', { receivedAt: new Date('2026-03-01T00:00:02Z') });
    const late = delivery('inkit', { receivedAt: new Date('2026-03-01T00:00:01Z') });
    await repo.applyAccepted(deleted, { sender: 'inkit', resourceId, eventType: 'DOCUMENT_DELETED' });
    await repo.applyAccepted(late, { sender: 'inkit', resourceId, eventType: 'MAGIC_LINK_ACCESS' });
    expect(await repo.findRecord('inkit', resourceId)).toMatchObject({
      status: 'deleted',
      lastDeliveryId: deleted.id,
    });
    expect(await deliveryCount(late.id)).toBe(1);

    const later = delivery('inkit', { receivedAt: new Date('2026-03-01T00:00:03Z') });
    await repo.applyAccepted(later, { sender: 'inkit', resourceId, eventType: 'MAGIC_LINK_ACCESS' });
    expect(await repo.findRecord('inkit', resourceId)).toMatchObject({ status: 'accessed' });
  });

  it.each([
    ['a NOT NULL violation', { sender: 'inkit', resourceId: null, eventType: 'FOLDER_CREATED' }],
    ['a CHECK violation', { sender: 'ovcode', reference: unique('F'), statusCode: 'X' }],
  ])('stores neither record nor log row on %s', async (_case, record) => {
    const entry = delivery(record.sender);
    await expect(repo.applyAccepted(entry, record as unknown as SenderRecord)).rejects.toThrow();
    expect(await deliveryCount(entry.id)).toBe(0);
    if ('reference' in record) expect(await repo.findRecord('ovcode', record.reference)).toBeUndefined();
  });

  it('logs outcomes without a record once per delivery id', async () => {
    const entry = delivery('inkit', {
      statusCode: 401,
      reason: 'invalid signature',
      rawBody: null,
      state: 'rejected',
    });
    await repo.logDelivery(entry);
    await repo.logDelivery({ ...entry, statusCode: 500 });
    expect(await deliveryCount(entry.id)).toBe(1);
    expect((await repo.listDeliveries({ sender: 'inkit', status: 401 })).rows).toContainEqual(shown(entry));
  });

  it('lists deliveries newest first, filtered by sender and status, within the limits', async () => {
    const sender = unique('list');
    const at = (seconds: number) => new Date(Date.UTC(2026, 4, 1, 0, 0, seconds));
    const entries = [
      delivery(sender, { id: `${sender}-a`, receivedAt: at(1), statusCode: 200 }),
      delivery(sender, { id: `${sender}-b`, receivedAt: at(3), statusCode: 401, duplicate: true }),
      delivery(sender, { id: `${sender}-c`, receivedAt: at(3), statusCode: 200 }),
      delivery(sender, { id: `${sender}-d`, receivedAt: at(2), statusCode: 200 }),
    ];
    for (const entry of entries) await repo.logDelivery(entry);

    const ids = async (query: Parameters<RecordsRepository['listDeliveries']>[0]) =>
      (await repo.listDeliveries({ sender, ...query })).rows.map((d) => d.id.slice(sender.length + 1));
    expect(await ids({})).toEqual(['c', 'b', 'd', 'a']);
    expect(await ids({ status: 200 })).toEqual(['c', 'd', 'a']);
    expect(await ids({ status: 401 })).toEqual(['b']);
    expect(await ids({ limit: 2 })).toEqual(['c', 'b']);
    expect(await ids({ limit: 0 })).toEqual(['c']);
    expect((await repo.listDeliveries({ sender: unique('none') })).rows).toEqual([]);

    const all = (await repo.listDeliveries()).rows;
    expect(all.length).toBeGreaterThanOrEqual(entries.length);
    const times = all.map((d) => d.receivedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('caps the listing at 500 rows and defaults to 50', async () => {
    const sender = unique('many');
    await target.handle.db.execute(sql`
      insert into deliveries (id, sender, status_code, duplicate, received_at, duration_ms, state)
      select ${sender} || '-' || n, ${sender}, 200, false, now(), 1, 'processed' from generate_series(1, 501) n`);
    expect((await repo.listDeliveries({ sender })).rows).toHaveLength(50);
    expect((await repo.listDeliveries({ sender, limit: 10_000 })).rows).toHaveLength(500);
  });

  it.each<[string, string]>([
    ['inkit', 'absent'],
    ['oxskyt', 'absent'],
    ['unknown', 'absent'],
    ['toString', 'absent'],
  ])('finds nothing for %s/%s', async (sender, id) => {
    expect(await repo.findRecord(sender, id)).toBeUndefined();
  });

  it('keeps the exact bytes of a body that text cannot hold (U+0000, invalid UTF-8)', async () => {
    const raw = Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x7d]);
    const entry = delivery('inkit', { id: unique('bytes'), rawBody: raw });
    await repo.logDelivery(entry);
    const [row] = (await repo.listDeliveries({ sender: 'inkit', limit: 500 })).rows.filter(
      (d) => d.id === entry.id,
    );
    expect(row).toMatchObject({ rawBody: raw.toString('base64'), rawBodyEncoding: 'base64' });
    expect(Buffer.from(row.rawBody!, 'base64').equals(raw)).toBe(true);
  });

  describe('a queued delivery (queue mode)', () => {
    const queued = (overrides: Partial<DeliveryLogEntry> = {}) =>
      delivery('inkit', { state: 'queued', idempotencyKey: unique('inkit:K'), ...overrides });
    const stored = async (id: string) => (await repo.findDelivery(id))!;

    it('moves its row through the states a worker reports, keeping what the request logged', async () => {
      const entry = queued();
      await repo.logDelivery(entry);
      await repo.updateDelivery({ ...entry, state: 'retrying', reason: 'handler-error', durationMs: 99 });
      expect(await stored(entry.id)).toMatchObject({
        state: 'retrying',
        reason: 'handler-error',
        durationMs: 12.5,
      });
      await repo.updateDelivery({ ...entry, state: 'dead', reason: 'handler-error' });
      expect((await stored(entry.id)).state).toBe('dead');
      await repo.updateDelivery({ ...entry, state: 'processed', reason: null });
      expect(await stored(entry.id)).toMatchObject({ state: 'processed', reason: null, statusCode: 200 });
      expect(await deliveryCount(entry.id)).toBe(1);
    });

    it('is not taken back to queued by a request log that comes after the worker', async () => {
      const entry = queued();
      await repo.updateDelivery({ ...entry, state: 'processed' });
      await repo.logDelivery(entry);
      expect((await stored(entry.id)).state).toBe('processed');
    });

    it('writes the record and moves the row to processed in one transaction, or neither', async () => {
      const resourceId = unique('doc');
      const entry = queued();
      await repo.logDelivery(entry);
      await repo.applyAccepted(
        { ...entry, state: 'processed' },
        { sender: 'inkit', resourceId, eventType: 'DOCUMENT_DELETED' },
      );
      expect((await stored(entry.id)).state).toBe('processed');
      expect(await repo.findRecord('inkit', resourceId)).toMatchObject({ lastDeliveryId: entry.id });

      const failing = queued();
      await repo.logDelivery(failing);
      const invalid = {
        sender: 'inkit',
        resourceId: null,
        eventType: 'FOLDER_CREATED',
      } as unknown as SenderRecord;
      await expect(repo.applyAccepted({ ...failing, state: 'processed' }, invalid)).rejects.toThrow();
      expect((await stored(failing.id)).state).toBe('queued');
    });

    it("keeps a processed row processed when a worker later finds its key processed (its own run's)", async () => {
      const entry = queued();
      await repo.logDelivery(entry);
      await repo.updateDelivery({ ...entry, state: 'processed' });
      await repo.updateDelivery({ ...entry, state: 'duplicate', duplicate: true });
      expect(await stored(entry.id)).toMatchObject({ state: 'processed', duplicate: false });

      const other = queued();
      await repo.logDelivery(other);
      await repo.updateDelivery({ ...other, state: 'duplicate', duplicate: true });
      expect(await stored(other.id)).toMatchObject({ state: 'duplicate', duplicate: true });
    });

    it('logs a replay with the request its status, time and origin, whichever write comes first', async () => {
      const original = queued({ state: 'processed' });
      await repo.logDelivery(original);
      const at = new Date('2026-06-01T00:00:00Z');
      const replay = {
        ...original,
        id: unique('replay'),
        statusCode: 202,
        receivedAt: at,
        replayOf: original.id,
      };

      // The request first, then the worker's outcome.
      await repo.logReplay({ ...replay, state: 'queued' });
      await repo.updateDelivery({
        ...replay,
        statusCode: 200,
        receivedAt: original.receivedAt,
        replayOf: null,
        state: 'dead',
      });
      expect(await stored(replay.id)).toMatchObject({
        state: 'dead',
        statusCode: 202,
        receivedAt: at,
        replayOf: original.id,
      });

      // The worker first (its outcome not saying what it replays), then the request.
      const late = { ...replay, id: unique('replay') };
      await repo.applyAccepted(
        { ...late, statusCode: 200, receivedAt: original.receivedAt, replayOf: null, state: 'processed' },
        { sender: 'inkit', resourceId: unique('doc'), eventType: 'DOCUMENT_DELETED' },
      );
      await repo.logReplay({ ...late, state: 'queued' });
      expect(await stored(late.id)).toMatchObject({
        state: 'processed',
        statusCode: 202,
        receivedAt: at,
        replayOf: original.id,
      });
    });

    it('finds a row by id, and filters the listing by state', async () => {
      const sender = unique('states');
      const entries = (['queued', 'processed', 'dead', 'queued'] as const).map((state) =>
        delivery(sender, { state }),
      );
      for (const entry of entries) await repo.logDelivery(entry);
      expect(await repo.findDelivery(entries[2].id)).toMatchObject({ id: entries[2].id, state: 'dead' });
      expect(await repo.findDelivery(unique('absent'))).toBeUndefined();
      const ids = async (state: DeliveryState) =>
        (await repo.listDeliveries({ sender, state })).rows.map((row) => row.id).sort();
      expect(await ids('queued')).toEqual([entries[0].id, entries[3].id].sort());
      expect(await ids('dead')).toEqual([entries[2].id]);
      expect(await ids('retrying')).toEqual([]);
    });
  });

  it('counts records per sender', async () => {
    const sender: SenderId = 'oxskyt';
    const before = await repo.countRecords(sender);
    await repo.applyAccepted(delivery(sender), { sender, key: unique('k'), data: { a: 1 } });
    expect(await repo.countRecords(sender)).toBe(before + 1);
  });
});
