import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'drizzle-orm';
import {
  createDatabase,
  MIGRATIONS_FOLDER,
  RecordsRepository,
  type DatabaseHandle,
  type DatabaseOptions,
} from '../../apps/receiver/src/database/index.js';
import { MIGRATIONS } from '../support/migrations.js';
import { describeIf } from '../support/needs.js';
import { createScratchDatabase } from '../support/postgres.js';

/** The committed migrations up to and including `lastTag`, in a folder of their own. */
function migrationsUpTo(lastTag: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'receiver-migrations-'));
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const last = journal.entries.findIndex((entry) => entry.tag === lastTag);
  expect(last).toBeGreaterThanOrEqual(0);
  journal.entries = journal.entries.slice(0, last + 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

/** One database, opened by as many handles (one after the other) as a test needs. */
interface Target {
  open(options?: Pick<DatabaseOptions, 'migrationsFolder'>): DatabaseHandle;
  dispose(): Promise<void>;
}

async function pgliteOnDisk(): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), 'receiver-pglite-'));
  return {
    open: (options) => createDatabase({ dataDir, ...options }),
    dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

async function dedicatedPostgres(adminUrl: string): Promise<Target> {
  const scratch = await createScratchDatabase(adminUrl, 'receiver_migrations');
  return { open: (options) => createDatabase({ url: scratch.url, ...options }), dispose: scratch.drop };
}

const adminUrl = process.env.DATABASE_URL_TEST;
const targets: [string, () => Promise<Target>][] = [['pglite', pgliteOnDisk]];
if (adminUrl) targets.push(['postgres', () => dedicatedPostgres(adminUrl)]);
describeIf(adminUrl, 'PostgreSQL')('the migrations on PostgreSQL', () => {
  it('runs every test of this file on PostgreSQL too', () => undefined);
});

// Both drivers' results carry `rows`; the driver-neutral Database type cannot say so.
const rows = async (handle: DatabaseHandle, query: ReturnType<typeof sql>) =>
  ((await handle.db.execute(query)) as unknown as { rows: Record<string, unknown>[] }).rows;

describe.each(targets)('0002_sender_column on %s', (_driver, make) => {
  let target: Target;
  let before: string;

  beforeAll(async () => {
    target = await make();
    before = migrationsUpTo('0001_raw_body_bytes');
  });
  afterAll(async () => {
    await target?.dispose();
    if (before) rmSync(before, { recursive: true, force: true });
  });

  it('renames the delivery log column provider to sender, and its index, keeping the rows', async () => {
    // A log written before the rename, by the schema of 0001.
    const old = target.open({ migrationsFolder: before });
    try {
      await old.migrate();
      await old.db.execute(sql`
        insert into deliveries (id, provider, event, status_code, duplicate, received_at, duration_ms, raw_body)
        values ('d-before', 'inkit', 'inkit.DOCUMENT_DELETED', 200, false, '2026-01-02T03:04:05.678Z', 1.5,
                convert_to('{"x":1}', 'UTF8'))`);
    } finally {
      await old.close();
    }

    const handle = target.open();
    try {
      await handle.migrate();
      expect(await rows(handle, sql`select hash from drizzle.__drizzle_migrations`)).toHaveLength(
        MIGRATIONS.length,
      );
      const columns = await rows(
        handle,
        sql`select column_name from information_schema.columns
            where table_schema = 'public' and table_name = 'deliveries' order by ordinal_position`,
      );
      expect(columns.map((c) => c.column_name)).toEqual([
        'id',
        'sender',
        'event',
        'status_code',
        'reason',
        'idempotency_key',
        'duplicate',
        'received_at',
        'duration_ms',
        'raw_body',
        'state',
        'replay_of',
        'headers',
        'tenant',
      ]);
      const indexes = await rows(
        handle,
        sql`select indexname, indexdef from pg_indexes where tablename = 'deliveries' order by 1`,
      );
      expect(indexes.map((i) => i.indexname)).toEqual([
        'deliveries_pkey',
        'deliveries_received_idx',
        'deliveries_replay_of_idx',
        'deliveries_sender_received_idx',
        'deliveries_sender_state_received_idx',
        'deliveries_state_received_idx',
        'deliveries_status_received_idx',
      ]);
      expect(indexes.find((i) => i.indexname === 'deliveries_sender_received_idx')?.indexdef).toMatch(
        /\(sender, received_at, id\)$/,
      );

      const repo = new RecordsRepository(handle.db);
      expect((await repo.listDeliveries({ sender: 'inkit' })).rows).toEqual([
        {
          id: 'd-before',
          sender: 'inkit',
          event: 'inkit.DOCUMENT_DELETED',
          statusCode: 200,
          reason: null,
          idempotencyKey: null,
          duplicate: false,
          receivedAt: new Date('2026-01-02T03:04:05.678Z'),
          durationMs: 1.5,
          rawBody: '{"x":1}',
          rawBodyEncoding: 'utf8',
          state: 'processed',
          replayOf: null,
          headers: null,
          tenant: null,
        },
      ]);
    } finally {
      await handle.close();
    }
  });
});

describe.each(targets)('0003_new_senders on %s', (_driver, make) => {
  let target: Target;
  let before: string;

  beforeAll(async () => {
    target = await make();
    before = migrationsUpTo('0002_sender_column');
  });
  afterAll(async () => {
    await target?.dispose();
    if (before) rmSync(before, { recursive: true, force: true });
  });

  it("adds GitHub's, Stripe's and Standard Webhooks' tables, leaving the others' rows alone", async () => {
    const old = target.open({ migrationsFolder: before });
    try {
      await old.migrate();
      await old.db.execute(sql`
        insert into inkit_documents (resource_id, last_event, status, updated_at, last_delivery_id)
        values ('doc-before', 'DOCUMENT_DELETED', 'deleted', '2026-01-02T03:04:05.678Z', 'd-before')`);
    } finally {
      await old.close();
    }

    const handle = target.open();
    try {
      await handle.migrate();
      expect(await rows(handle, sql`select hash from drizzle.__drizzle_migrations`)).toHaveLength(
        MIGRATIONS.length,
      );
      const columns = await rows(
        handle,
        sql`select table_name, column_name, data_type, is_nullable from information_schema.columns
            where table_schema = 'public'
              and table_name in ('github_deliveries', 'stripe_events', 'standard_messages')
            order by table_name, ordinal_position`,
      );
      const tracking = [
        ['updated_at', 'timestamp with time zone', 'NO'],
        ['last_delivery_id', 'text', 'NO'],
      ];
      const shape = (table: string) =>
        columns.filter((c) => c.table_name === table).map((c) => [c.column_name, c.data_type, c.is_nullable]);
      expect(shape('github_deliveries')).toEqual([
        ['delivery_id', 'text', 'NO'],
        ['event', 'text', 'NO'],
        ['action', 'text', 'YES'],
        ['repository', 'text', 'YES'],
        ...tracking,
      ]);
      expect(shape('stripe_events')).toEqual([
        ['event_id', 'text', 'NO'],
        ['type', 'text', 'NO'],
        ['object_id', 'text', 'YES'],
        ['livemode', 'boolean', 'NO'],
        ...tracking,
      ]);
      expect(shape('standard_messages')).toEqual([
        ['message_id', 'text', 'NO'],
        ['type', 'text', 'NO'],
        ...tracking,
      ]);
      const keys = await rows(
        handle,
        sql`select tc.table_name, kcu.column_name from information_schema.table_constraints tc
            join information_schema.key_column_usage kcu
              on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema
            where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = 'public'
              and tc.table_name in ('github_deliveries', 'stripe_events', 'standard_messages')
            order by 1`,
      );
      expect(keys.map((k) => [k.table_name, k.column_name])).toEqual([
        ['github_deliveries', 'delivery_id'],
        ['standard_messages', 'message_id'],
        ['stripe_events', 'event_id'],
      ]);

      const repo = new RecordsRepository(handle.db);
      expect(await repo.findRecord('inkit', 'doc-before')).toMatchObject({
        resourceId: 'doc-before',
        status: 'deleted',
      });
      await repo.applyAccepted(
        {
          id: 'd-after',
          sender: 'stripe',
          event: 'stripe.charge.refunded',
          statusCode: 200,
          duplicate: false,
          receivedAt: new Date('2026-01-02T03:04:06.000Z'),
          durationMs: 1,
          state: 'processed',
        },
        { sender: 'stripe', eventId: 'evt_after', type: 'charge.refunded', livemode: true },
      );
      expect(await repo.findRecord('stripe', 'evt_after')).toMatchObject({
        type: 'charge.refunded',
        objectId: null,
        livemode: true,
        lastDeliveryId: 'd-after',
      });
    } finally {
      await handle.close();
    }
  });
});

describe.each(targets)('0004_delivery_state on %s', (_driver, make) => {
  let target: Target;
  let before: string;

  beforeAll(async () => {
    target = await make();
    before = migrationsUpTo('0003_new_senders');
  });
  afterAll(async () => {
    await target?.dispose();
    if (before) rmSync(before, { recursive: true, force: true });
  });

  it('gives every logged delivery the state its outcome meant, and no replay_of', async () => {
    // Rows as the inline receiver logged them before 0004: each outcome it could answer.
    const old = target.open({ migrationsFolder: before });
    try {
      await old.migrate();
      await old.db.execute(sql`
        insert into deliveries (id, sender, status_code, reason, duplicate, received_at, duration_ms)
        values ('accepted', 'inkit', 200, null, false, now(), 1),
               ('duplicate', 'inkit', 200, null, true, now(), 1),
               ('forged', 'inkit', 401, 'mismatch', false, now(), 1),
               ('invalid', 'inkit', 400, 'invalid-payload', false, now(), 1),
               ('in-flight', 'inkit', 409, 'in-flight', false, now(), 1),
               ('verifier-down', 'illow', 500, 'unavailable', false, now(), 1),
               ('handler', 'inkit', 500, 'handler-error', false, now(), 1),
               ('store', 'inkit', 500, 'store-unavailable', false, now(), 1)`);
    } finally {
      await old.close();
    }

    const handle = target.open();
    try {
      await handle.migrate();
      const states = await rows(handle, sql`select id, state, replay_of from deliveries order by id`);
      expect(Object.fromEntries(states.map((row) => [row.id, row.state]))).toEqual({
        accepted: 'processed',
        duplicate: 'duplicate',
        forged: 'rejected',
        invalid: 'rejected',
        'in-flight': 'rejected',
        'verifier-down': 'rejected',
        handler: 'failed',
        store: 'failed',
      });
      expect(states.every((row) => row.replay_of === null)).toBe(true);
      const [column] = await rows(
        handle,
        sql`select is_nullable from information_schema.columns
            where table_name = 'deliveries' and column_name = 'state'`,
      );
      expect(column.is_nullable).toBe('NO');
    } finally {
      await handle.close();
    }
  });
});
