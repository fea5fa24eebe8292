import { Inject, Injectable } from '@nestjs/common';
import { and, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { DRIZZLE, type Database } from './database.js';
import { DatabaseWriteError } from './database.errors.js';
import {
  isSenderId,
  recordToRow,
  senderTables,
  type DeliveryLogEntry,
  type SenderId,
  type SenderRecord,
  type SenderRow,
  type SenderTable,
} from './records.js';
import { deliveries, type DeliveryState } from './schema.js';

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

export interface ListDeliveriesQuery {
  /** The sender's id, as in its route. */
  sender?: string;
  /** HTTP status the app answered. */
  status?: number;
  /** Where it stands (see DELIVERY_STATES). */
  state?: DeliveryState;
  /** Default 50, at most 500. */
  limit?: number;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

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
   */
  async updateDelivery(delivery: DeliveryLogEntry): Promise<void> {
    try {
      await upsertLog(this.db, delivery);
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

  async listDeliveries(query: ListDeliveriesQuery = {}): Promise<DeliveryRow[]> {
    const filters: SQL[] = [];
    if (query.sender !== undefined) filters.push(eq(deliveries.sender, query.sender));
    if (query.status !== undefined) filters.push(eq(deliveries.statusCode, query.status));
    if (query.state !== undefined) filters.push(eq(deliveries.state, query.state));
    const rows = await this.db
      .select()
      .from(deliveries)
      .where(and(...filters))
      .orderBy(desc(deliveries.receivedAt), desc(deliveries.id))
      .limit(clampLimit(query.limit));
    return rows.map(present);
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
