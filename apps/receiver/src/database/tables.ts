// What the receiver's tables are made of: the delivery log (schema.ts) and each sender's record
// table (senders/<id>/<id>.table.ts). Only drizzle imports here: drizzle-kit loads these files.
import { customType, text, timestamp, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';

export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * The exact bytes: text cannot hold U+0000 and would mangle a body that is not UTF-8, and a
 * delivery kept to be replayed must be byte for byte what was verified. (node-postgres reads a
 * Buffer, PGlite a Uint8Array.)
 */
export const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => Buffer.from(value),
});

// Every sender's table ends with these, so an upsert can tell which delivery wrote the row and when.
export const tracking = () => ({
  updatedAt: timestamptz('updated_at').notNull(),
  lastDeliveryId: text('last_delivery_id').notNull(),
});

/** A sender's record table: one primary key (the sender's own id), and the tracking columns. */
export type TrackedTable = PgTable & { updatedAt: PgColumn; lastDeliveryId: PgColumn };

/** A row as a record fills it: the tracking columns come from the delivery, not from the record. */
// Distributive, so that the row of a union of tables stays a union of rows.
export type RowOf<Table extends TrackedTable> = Table extends unknown
  ? Omit<Table['$inferInsert'], 'updatedAt' | 'lastDeliveryId'>
  : never;

/** Where one sender's records are kept, and how a record becomes its row. */
export interface RecordTable<
  Sender extends string,
  Record extends { sender: Sender },
  Table extends TrackedTable = TrackedTable,
> {
  readonly sender: Sender;
  readonly table: Table;
  toRow(record: Record): RowOf<Table>;
}

export function defineRecordTable<
  const Sender extends string,
  Record extends { sender: Sender },
  Table extends TrackedTable,
>(spec: RecordTable<Sender, Record, Table>): RecordTable<Sender, Record, Table> {
  return Object.freeze({ ...spec });
}
