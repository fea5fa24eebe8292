import { Inject, Injectable } from '@nestjs/common';
import { and, asc, desc, eq, getTableColumns, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { DRIZZLE, type Database } from './database.js';
import { DatabaseWriteError } from './database.errors.js';
import {
  isSenderId,
  recordToRow,
  senderTables,
  type DeliveryAttemptEntry,
  type DeliveryLogEntry,
  type SenderId,
  type SenderRecord,
  type SenderRow,
  type SenderTable,
} from './records.js';
import { deliveries, deliveryAttempts, type DeliveryState } from './schema.js';

/** A log row as stored, its body as bytes. */
export type StoredDelivery = typeof deliveries.$inferSelect;

/**
 * A log row as the API shows it: the body as text where that is exact (valid UTF-8), else base64,
 * so that what is shown can always be replayed byte for byte.
 */
export type DeliveryRow = Omit<StoredDelivery, 'rawBody'> & {
  rawBody: string | null;
  rawBodyEncoding: 'utf8' | 'base64' | null;
};

function present({ rawBody, ...row }: StoredDelivery): DeliveryRow {
  if (!rawBody) return { ...row, rawBody: null, rawBodyEncoding: null };
  const text = rawBody.toString('utf8');
  return Buffer.from(text, 'utf8').equals(rawBody)
    ? { ...row, rawBody: text, rawBodyEncoding: 'utf8' }
    : { ...row, rawBody: rawBody.toString('base64'), rawBodyEncoding: 'base64' };
}

/** A row as the dashboard's list shows it: no body, no headers. */
export type DeliverySummary = Omit<DeliveryRow, 'rawBody' | 'rawBodyEncoding' | 'headers'>;

/** Where a page of the list ends: the next page starts after this row (newest first). */
export interface DeliveryCursor {
  receivedAt: Date;
  id: string;
}

export interface ListDeliveriesQuery {
  /** The sender's id, as in its route. */
  sender?: string;
  /** HTTP status the app answered. */
  status?: number;
  /** Where it stands (see DELIVERY_STATES). */
  state?: DeliveryState;
  /** Received at or after. */
  from?: Date;
  /** Received before. */
  to?: Date;
  /** Only rows after this one, newest first (the previous page's `next`). */
  before?: DeliveryCursor;
  /** Default 50, at most 500. */
  limit?: number;
}

export interface DeliveryPage<Row> {
  rows: Row[];
  /** Where the next page starts, when there may be one. */
  next?: DeliveryCursor;
}

/** A delivery's detail: its row, its worker attempts (queue mode) and its replays, oldest first. */
export interface DeliveryDetail extends DeliveryRow {
  history: {
    attempts: Omit<DeliveryAttemptEntry, 'deliveryId'>[];
    replays: Pick<StoredDelivery, 'id' | 'state' | 'reason' | 'receivedAt' | 'statusCode'>[];
  };
}

export type StatsBucket = 'hour' | 'day';

/** Deliveries per sender and state in each bucket of time. */
export interface DeliveryStats {
  from: Date;
  to: Date;
  bucket: StatsBucket;
  series: { at: Date; sender: string; state: DeliveryState; count: number }[];
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/** The list's columns without the body and headers: a page of them stays small whatever was sent. */
const { rawBody: _rawBody, headers: _headers, ...SUMMARY_COLUMNS } = getTableColumns(deliveries);

type Executor = Pick<Database, 'insert'>;

@Injectable()
export class RecordsRepository {
  constructor(@Inject(DRIZZLE) private readonly db: Database) {}

  /**
   * Stores the record and its delivery's log row together, or neither. In queue mode the row was
   * written when the delivery was queued: here its state becomes the entry's, in the same
   * transaction, so a record is never there while its row still says queued or retrying.
   */
  async applyAccepted(delivery: DeliveryLogEntry, record: SenderRecord): Promise<void> {
    try {
      await this.db.transaction(async (tx) => {
        await upsertLog(tx, delivery);
        await upsertRecord(tx, delivery, record);
      });
    } catch (error) {
      throw DatabaseWriteError.from(`storing ${record.sender} delivery ${delivery.id}`, error);
    }
  }

  /** For the replies that leave no record: rejected, duplicate, failed, and queued. */
  async logDelivery(delivery: DeliveryLogEntry): Promise<void> {
    try {
      await insertLog(this.db, delivery);
    } catch (error) {
      throw DatabaseWriteError.from(`logging ${delivery.sender} delivery ${delivery.id}`, error);
    }
  }

  /**
   * A worker's outcome for a queued delivery, which may run in another process: its row takes the
   * entry's state and reason. The row is written whole if it is not there yet (a worker can finish
   * before the request path has logged the delivery as queued; that write then changes nothing).
   * A worker's `attempt` is added to the delivery's history in the same transaction.
   */
  async updateDelivery(delivery: DeliveryLogEntry, attempt?: DeliveryAttemptEntry): Promise<void> {
    try {
      if (attempt === undefined) await upsertLog(this.db, delivery);
      else {
        // The row and its history move together: a row that says dead has its attempts listed.
        await this.db.transaction(async (tx) => {
          await upsertLog(tx, delivery);
          await tx.insert(deliveryAttempts).values(attempt);
        });
      }
    } catch (error) {
      throw DatabaseWriteError.from(`updating ${delivery.sender} delivery ${delivery.id}`, error);
    }
  }

  /**
   * A replay's row, written by whoever asked for it. The worker may have written it first (from its
   * outcome, which does not always say what it replays): the request's status, time and origin win.
   */
  async logReplay(delivery: DeliveryLogEntry & { replayOf: string }): Promise<void> {
    try {
      await this.db
        .insert(deliveries)
        .values(delivery)
        .onConflictDoUpdate({
          target: deliveries.id,
          set: {
            statusCode: sql`excluded.status_code`,
            receivedAt: sql`excluded.received_at`,
            replayOf: sql`excluded.replay_of`,
          },
        });
    } catch (error) {
      throw DatabaseWriteError.from(`logging the replay ${delivery.id} of ${delivery.replayOf}`, error);
    }
  }

  async findDelivery(id: string): Promise<StoredDelivery | undefined> {
    const [row] = await this.db.select().from(deliveries).where(eq(deliveries.id, id)).limit(1);
    return row;
  }

  /** The row as the API shows it, with its attempts and replays; undefined for an unknown id. */
  async deliveryDetail(id: string): Promise<DeliveryDetail | undefined> {
    const row = await this.findDelivery(id);
    if (row === undefined) return undefined;
    const [attempts, replays] = await Promise.all([
      this.db
        .select({
          attempt: deliveryAttempts.attempt,
          attempts: deliveryAttempts.attempts,
          state: deliveryAttempts.state,
          reason: deliveryAttempts.reason,
          at: deliveryAttempts.at,
          durationMs: deliveryAttempts.durationMs,
        })
        .from(deliveryAttempts)
        .where(eq(deliveryAttempts.deliveryId, id))
        .orderBy(asc(deliveryAttempts.seq))
        .limit(MAX_LIMIT),
      this.db
        .select({
          id: deliveries.id,
          state: deliveries.state,
          reason: deliveries.reason,
          receivedAt: deliveries.receivedAt,
          statusCode: deliveries.statusCode,
        })
        .from(deliveries)
        .where(eq(deliveries.replayOf, id))
        .orderBy(asc(deliveries.receivedAt), asc(deliveries.id))
        .limit(MAX_LIMIT),
    ]);
    return { ...present(row), history: { attempts, replays } };
  }

  /**
   * Deliveries per sender and state in each hour (or day, UTC) of [from, to): the dashboard's chart.
   * Reads the rows of that window through the received-at index.
   */
  async deliveryStats(from: Date, to: Date, bucket: StatsBucket): Promise<DeliveryStats> {
    // Inlined, not a parameter: GROUP BY must see the very expression of the select list, and two
    // parameters ($1, $4) are not the same expression to PostgreSQL. Only these two words get here.
    const unit = sql.raw(bucket === 'day' ? `'day'` : `'hour'`);
    const at = sql<Date>`date_trunc(${unit}, ${deliveries.receivedAt}, 'UTC')`;
    const rows = await this.db
      .select({ at, sender: deliveries.sender, state: deliveries.state, count: sql<number>`count(*)::int` })
      .from(deliveries)
      .where(and(gte(deliveries.receivedAt, from), lt(deliveries.receivedAt, to)))
      .groupBy(at, deliveries.sender, deliveries.state)
      .orderBy(at);
    // Both drivers hand an expression's timestamptz back as text.
    const series = rows.map((row) => ({ ...row, at: new Date(row.at), count: Number(row.count) }));
    return { from, to, bucket, series };
  }

  /**
   * Refreshes the planner's statistics of the log. PGlite never gathers them by itself (it has no
   * autovacuum): without them a million-row log is planned as if it were empty. ANALYZE reads a
   * sample (about a second at a million rows) and blocks neither reads nor writes.
   */
  async refreshStatistics(): Promise<void> {
    try {
      await this.db.execute(sql`analyze ${deliveries}, ${deliveryAttempts}`);
    } catch (error) {
      throw DatabaseWriteError.from('analyzing the delivery log', error);
    }
  }

  /**
   * Deletes log rows (their bodies and headers with them) and attempt rows received before
   * `cutoff`, at most `batchSize` rows per statement, so that no statement holds many row locks
   * or runs long. Resolves with the number of log rows deleted by this batch: call again until 0.
   */
  async pruneBefore(cutoff: Date, batchSize: number): Promise<{ deliveries: number; attempts: number }> {
    try {
      // ctid: the cheapest way to name the rows a limited sub-select found (PostgreSQL and PGlite).
      const oldDeliveries = await this.db.execute(sql`
        delete from ${deliveries} where ctid in (
          select ctid from ${deliveries} where ${deliveries.receivedAt} < ${cutoff.toISOString()}::timestamptz
          limit ${batchSize})`);
      const oldAttempts = await this.db.execute(sql`
        delete from ${deliveryAttempts} where ctid in (
          select ctid from ${deliveryAttempts} where ${deliveryAttempts.at} < ${cutoff.toISOString()}::timestamptz
          limit ${batchSize})`);
      return { deliveries: affected(oldDeliveries), attempts: affected(oldAttempts) };
    } catch (error) {
      throw DatabaseWriteError.from('pruning the delivery log', error);
    }
  }

  /** `undefined` for an unknown sender as for an absent id. */
  async findRecord(sender: string, id: string): Promise<SenderRow | undefined> {
    if (!isSenderId(sender)) return undefined;
    const table: SenderTable = senderTables[sender];
    const [row] = await this.db
      .select()
      .from(table)
      .where(eq(keyOf(table), id))
      .limit(1);
    return row;
  }

  /** Newest first, whole rows (body and headers). */
  async listDeliveries(query: ListDeliveriesQuery = {}): Promise<DeliveryPage<DeliveryRow>> {
    const limit = clampLimit(query.limit);
    const rows = await this.db
      .select()
      .from(deliveries)
      .where(listFilter(query))
      .orderBy(desc(deliveries.receivedAt), desc(deliveries.id))
      .limit(limit + 1);
    return pageOf(rows.map(present), limit);
  }

  /**
   * Newest first, without bodies and headers: the dashboard's list. One index range scan for any
   * one filter, sender with state, and the time window (see the indexes in schema.ts); keyset
   * pagination, so the millionth row costs what the first does.
   */
  async listDeliverySummaries(query: ListDeliveriesQuery = {}): Promise<DeliveryPage<DeliverySummary>> {
    const limit = clampLimit(query.limit);
    const rows = await this.db
      .select(SUMMARY_COLUMNS)
      .from(deliveries)
      .where(listFilter(query))
      .orderBy(desc(deliveries.receivedAt), desc(deliveries.id))
      .limit(limit + 1);
    return pageOf(rows, limit);
  }

  countRecords(sender: SenderId): Promise<number> {
    return this.db.$count(senderTables[sender]);
  }

  /**
   * Resolves when the database answers, rejects when it fails or, given `timeoutMs`, has not
   * answered by then: waiting for a free connection and then for the query could otherwise add up
   * to both of the pool's bounds, and a health check wants an answer sooner.
   */
  async ping(timeoutMs?: number): Promise<void> {
    const answer = Promise.resolve(this.db.execute(sql`select 1`));
    if (timeoutMs === undefined) {
      await answer;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      // The query goes on after a timeout, within the pool's own bounds; its outcome is ignored.
      await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function listFilter(query: ListDeliveriesQuery): SQL | undefined {
  const filters: SQL[] = [];
  if (query.sender !== undefined) filters.push(eq(deliveries.sender, query.sender));
  if (query.status !== undefined) filters.push(eq(deliveries.statusCode, query.status));
  if (query.state !== undefined) filters.push(eq(deliveries.state, query.state));
  if (query.from !== undefined) filters.push(gte(deliveries.receivedAt, query.from));
  if (query.to !== undefined) filters.push(lt(deliveries.receivedAt, query.to));
  if (query.before !== undefined) {
    // A row comparison, which PostgreSQL matches against the (…, received_at, id) indexes.
    filters.push(
      sql`(${deliveries.receivedAt}, ${deliveries.id}) < (${query.before.receivedAt.toISOString()}::timestamptz, ${query.before.id})`,
    );
  }
  return and(...filters);
}

function pageOf<Row extends { receivedAt: Date; id: string }>(rows: Row[], limit: number): DeliveryPage<Row> {
  if (rows.length <= limit) return { rows };
  const page = rows.slice(0, limit);
  const last = page[page.length - 1]!;
  return { rows: page, next: { receivedAt: last.receivedAt, id: last.id } };
}

// node-postgres says rowCount, PGlite affectedRows.
function affected(result: unknown): number {
  const { rowCount, affectedRows } = result as { rowCount?: number | null; affectedRows?: number };
  return Number(rowCount ?? affectedRows ?? 0);
}

function insertLog(executor: Executor, delivery: DeliveryLogEntry) {
  // A delivery id is logged once: a retried write must not fail on it nor rewrite it, and a queued
  // delivery's row that a worker has already brought further must not go back to queued.
  return executor.insert(deliveries).values(delivery).onConflictDoNothing({ target: deliveries.id });
}

function upsertLog(executor: Executor, delivery: DeliveryLogEntry) {
  return executor
    .insert(deliveries)
    .values(delivery)
    .onConflictDoUpdate({
      target: deliveries.id,
      set: {
        state: sql`excluded.state`,
        reason: sql`excluded.reason`,
        duplicate: sql`excluded.duplicate`,
        replayOf: sql`coalesce(${deliveries.replayOf}, excluded.replay_of)`,
      },
      // A worker that finds the key processed after this delivery's own handlers ran (its job came
      // back after a crash, say) must not turn a processed delivery into a duplicate.
      ...(delivery.state === 'duplicate' ? { setWhere: sql`${deliveries.state} <> 'processed'` } : {}),
    });
}

function upsertRecord(executor: Executor, delivery: DeliveryLogEntry, record: SenderRecord) {
  const table: SenderTable = senderTables[record.sender];
  const row = { ...recordToRow(record), updatedAt: delivery.receivedAt, lastDeliveryId: delivery.id };
  return executor
    .insert(table)
    .values(row)
    .onConflictDoUpdate({
      target: keyOf(table),
      set: replaceAll(table),
      // A delivery older than the one that wrote the row must not take the record back in time.
      setWhere: sql`${table.updatedAt} <= excluded.updated_at`,
    });
}

// Every column takes the incoming value, so a record's state depends only on the last delivery applied.
function replaceAll(table: SenderTable): Record<string, SQL> {
  return Object.fromEntries(
    Object.entries(getTableColumns(table))
      .filter(([, column]) => !column.primary)
      .map(([name, column]) => [name, sql`excluded.${sql.identifier(column.name)}`]),
  );
}

function keyOf(table: SenderTable): PgColumn {
  return Object.values(getTableColumns(table)).find((column) => column.primary) as PgColumn;
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(Math.max(Math.trunc(limit), 1), MAX_LIMIT);
}
