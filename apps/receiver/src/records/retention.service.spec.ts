import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ConfigService } from '@nestjs/config';
import { sql } from 'drizzle-orm';
import { createDatabase, type DatabaseHandle } from '../database/database.js';
import { RecordsRepository } from '../database/records.repository.js';
import { deliveries, deliveryAttempts } from '../database/schema.js';
import { retentionDaysFrom, RetentionService, type RetentionOptions } from './retention.service.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-11-28T12:00:00.000Z');

describe('retentionDaysFrom', () => {
  it('defaults to 30 days, takes whole days, 0 keeps everything', () => {
    expect(retentionDaysFrom(undefined)).toBe(30);
    expect(retentionDaysFrom(' ')).toBe(30);
    expect(retentionDaysFrom('7')).toBe(7);
    expect(retentionDaysFrom('0')).toBe(0);
  });

  it.each(['-1', '1.5', '30d', 'forever'])('refuses %s, naming the variable', (value) => {
    expect(() => retentionDaysFrom(value)).toThrow(/RETENTION_DAYS must be a whole number of days/);
  });
});

describe('RetentionService on PGlite', () => {
  let handle: DatabaseHandle;
  let repository: RecordsRepository;
  /** The size of each pruning batch, as the repository was asked and answered. */
  let batches: { deliveries: number; attempts: number }[];

  beforeAll(async () => {
    handle = createDatabase({ dataDir: 'memory://' });
    await handle.migrate();
  });
  afterAll(() => handle.close());

  beforeEach(async () => {
    await handle.db.execute(sql`truncate deliveries, delivery_attempts`);
    repository = new RecordsRepository(handle.db);
    batches = [];
    const prune = repository.pruneBefore.bind(repository);
    repository.pruneBefore = async (cutoff, batchSize) => {
      const result = await prune(cutoff, batchSize);
      batches.push(result);
      return result;
    };
  });

  const service = (options: Partial<RetentionOptions>, env: Record<string, string> = {}) =>
    new RetentionService(repository, new ConfigService(env), { pauseMs: 1, ...options });

  async function logRows(ages: number[]): Promise<string[]> {
    const ids = ages.map((_, i) => `d-${i}`);
    await handle.db.insert(deliveries).values(
      ages.map((ageDays, i) => ({
        id: ids[i]!,
        sender: 'inkit',
        statusCode: 200,
        duplicate: false,
        receivedAt: new Date(NOW.getTime() - ageDays * DAY),
        durationMs: 1,
        rawBody: Buffer.from('{"kept":"until pruned"}'),
        headers: { 'content-type': 'application/json' },
        state: 'processed' as const,
      })),
    );
    await handle.db.insert(deliveryAttempts).values(
      ages.map((ageDays, i) => ({
        deliveryId: ids[i]!,
        attempt: 1,
        attempts: 3,
        state: 'processed' as const,
        at: new Date(NOW.getTime() - ageDays * DAY),
        durationMs: 1,
      })),
    );
    return ids;
  }

  const remaining = async () =>
    (await handle.db.select({ id: deliveries.id }).from(deliveries).orderBy(deliveries.id)).map((r) => r.id);
  const remainingAttempts = async () =>
    (await handle.db.select({ id: deliveryAttempts.deliveryId }).from(deliveryAttempts)).length;

  it('deletes rows and attempts older than RETENTION_DAYS in batches of at most batchSize', async () => {
    // Seven older than 10 days, three younger.
    await logRows([40, 31, 30.5, 12, 11, 10.01, 10.5, 9.99, 2, 0]);
    const pruned = await service({ batchSize: 3 }, { RETENTION_DAYS: '10' }).runOnce(NOW);
    expect(pruned).toBe(7);
    expect(await remaining()).toEqual(['d-7', 'd-8', 'd-9']);
    expect(await remainingAttempts()).toBe(3);
    // 3 + 3 + 1: never more than a batch per statement, and it stopped once a batch came back short.
    expect(batches.map((b) => b.deliveries)).toEqual([3, 3, 1]);
  });

  it("ends each pass with the log's planner statistics refreshed (PGlite gathers none by itself)", async () => {
    await logRows([1, 2, 3]);
    const analyzed = async () => {
      // PGlite's driver answers { rows }, typed loosely through drizzle's shared database type.
      const result = (await handle.db.execute(
        sql`select relname, last_analyze is not null as analyzed from pg_stat_user_tables
            where relname in ('deliveries', 'delivery_attempts') order by relname`,
      )) as unknown as { rows: { relname: string; analyzed: boolean }[] };
      return result.rows;
    };
    await service({}).runOnce(NOW);
    expect(await analyzed()).toEqual([
      { relname: 'deliveries', analyzed: true },
      { relname: 'delivery_attempts', analyzed: true },
    ]);
  });

  it('defaults to 30 days', async () => {
    await logRows([45, 31, 29, 1]);
    expect(await service({ batchSize: 100 }).runOnce(NOW)).toBe(2);
    expect(await remaining()).toEqual(['d-2', 'd-3']);
  });

  it('keeps every row with RETENTION_DAYS=0', async () => {
    await logRows([400, 40, 1]);
    expect(await service({}, { RETENTION_DAYS: '0' }).runOnce(NOW)).toBe(0);
    expect(await remaining()).toHaveLength(3);
    expect(batches).toHaveLength(0);
  });

  it('never rejects when the database fails: the pass stops and the next one tries again', async () => {
    await logRows([40, 35]);
    repository.pruneBefore = () => Promise.reject(new Error('connection lost'));
    await expect(service({}).runOnce(NOW)).resolves.toBe(0);
    expect(await remaining()).toHaveLength(2);
  });

  it('stops between batches once the app shuts down', async () => {
    await logRows([40, 39, 38, 37, 36, 35]);
    const retention = service({ batchSize: 1, pauseMs: 20 });
    const pass = retention.runOnce(NOW);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await retention.onApplicationShutdown();
    const pruned = await pass;
    expect(pruned).toBeGreaterThan(0);
    expect(pruned).toBeLessThan(6);
    expect(await remaining()).toHaveLength(6 - pruned);
  });
});
