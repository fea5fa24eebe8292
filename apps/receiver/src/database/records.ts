import { certificallRecordTable } from '../senders/certificall/certificall.table.js';
import { githubRecordTable } from '../senders/github/github.table.js';
import { illowRecordTable } from '../senders/illow/illow.table.js';
import { inkitRecordTable } from '../senders/inkit/inkit.table.js';
import { ovcodeRecordTable } from '../senders/ovcode/ovcode.table.js';
import { oxskytRecordTable } from '../senders/oxskyt/oxskyt.table.js';
import { standardRecordTable } from '../senders/standard/standard.table.js';
import { stripeRecordTable } from '../senders/stripe/stripe.table.js';
import type { DeliveryState } from './schema.js';
import type { RecordTable, RowOf } from './tables.js';

/** One delivery as answered by the app, accepted or not. */
export interface DeliveryLogEntry {
  id: string;
  /** The sender's id, as in its route. */
  sender: string;
  event?: string | null;
  statusCode: number;
  reason?: string | null;
  idempotencyKey?: string | null;
  duplicate: boolean;
  receivedAt: Date;
  durationMs: number;
  /** The exact bytes, for verified deliveries only. */
  rawBody?: Buffer | null;
  /** Where it stands (see DELIVERY_STATES). */
  state: DeliveryState;
  /** On a replay: the id of the delivery replayed. */
  replayOf?: string | null;
  /** Request headers, credentials redacted (the library's outcome and event carry them so). */
  headers?: Record<string, string> | null;
  /** For a sender configured per tenant. */
  tenant?: string | null;
}

/** One worker attempt at a queued delivery, for its history. */
export interface DeliveryAttemptEntry {
  deliveryId: string;
  attempt: number;
  attempts: number;
  state: DeliveryState;
  reason?: string | null;
  at: Date;
  durationMs: number;
}

/** Where each sender's records are kept (its table and row mapping live in its folder), one line per sender. */
export const RECORD_TABLES = [
  oxskytRecordTable,
  inkitRecordTable,
  ovcodeRecordTable,
  certificallRecordTable,
  illowRecordTable,
  githubRecordTable,
  stripeRecordTable,
  standardRecordTable,
] as const;

type AnyRecordTable = (typeof RECORD_TABLES)[number];
type RecordOf<T> = T extends RecordTable<string, infer R, any> ? R : never;

/** What an accepted delivery leaves behind, one shape per sender. */
export type SenderRecord = RecordOf<AnyRecordTable>;

/** The senders the receiver keeps records for. */
export type SenderId = SenderRecord['sender'];

type RecordTableOf<S extends SenderId> = Extract<AnyRecordTable, { sender: S }>;

/** Each sender's record table, by its id. */
export const senderTables = Object.fromEntries(RECORD_TABLES.map((t) => [t.sender, t.table])) as {
  readonly [S in SenderId]: RecordTableOf<S>['table'];
};

export type SenderTable = (typeof senderTables)[SenderId];
export type SenderRow = SenderTable['$inferSelect'];

// By id, for the writes: each mapping takes its own sender's records only.
const recordTablesById = new Map(
  RECORD_TABLES.map((t) => [t.sender, t as unknown as RecordTable<SenderId, SenderRecord, SenderTable>]),
);

/** A sender's record as the row of its table (without the tracking columns, which the delivery fills). */
export function recordToRow(record: SenderRecord): RowOf<SenderTable> {
  return recordTablesById.get(record.sender)!.toRow(record);
}

/** A sender the receiver keeps records for (an own property, so `toString` is none). */
export function isSenderId(name: string): name is SenderId {
  return Object.hasOwn(senderTables, name);
}
