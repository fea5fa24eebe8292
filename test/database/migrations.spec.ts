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
      expect(await rows(handle, sql`select hash from drizzle.__drizzle_migrations`)).toHaveLength(3);
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
      ]);
      const indexes = await rows(
        handle,
        sql`select indexname, indexdef from pg_indexes where tablename = 'deliveries' order by 1`,
      );
      expect(indexes.map((i) => i.indexname)).toEqual([
        'deliveries_pkey',
        'deliveries_received_idx',
        'deliveries_sender_received_idx',
        'deliveries_status_received_idx',
      ]);
      expect(indexes.find((i) => i.indexname === 'deliveries_sender_received_idx')?.indexdef).toMatch(
        /\(sender, received_at, id\)$/,
      );

      const repo = new RecordsRepository(handle.db);
      expect(await repo.listDeliveries({ sender: 'inkit' })).toEqual([
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
        },
      ]);
    } finally {
      await handle.close();
    }
  });
});
