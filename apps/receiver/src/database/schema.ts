// The schema both drivers (PGlite and node-postgres) and drizzle-kit read: the delivery log here,
// and each sender's record table from its own folder (senders/<id>/<id>.table.ts).
import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
} from 'drizzle-orm/pg-core';
import { bytea, timestamptz } from './tables.js';

/**
 * Where a delivery stands, its latest outcome:
 * - `queued`: queue mode, answered 200 once the queue held it; no handler has finished yet;
 * - `processed`: its handlers ran (its record is written), inline or by a worker;
 * - `retrying`: a worker's attempt failed and the queue will try again;
 * - `dead`: every attempt failed; the queue keeps it for a replay;
 * - `duplicate`: its idempotency key was already processed or queued, so nothing ran for it;
 * - `rejected`: refused before any handler ran (forged, invalid, or in flight elsewhere): the sender
 *   was answered 4xx (or 500 when its verifier was unavailable) and retries it if it should;
 * - `failed`: inline mode, a handler or the idempotency store failed (500, the sender retries);
 *   queue mode, the queue could not take it (500 queue-unavailable).
 */
export const DELIVERY_STATES = [
  'queued',
  'processed',
  'retrying',
  'dead',
  'duplicate',
  'rejected',
  'failed',
] as const;

export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** One row per delivery the app answered, whatever the outcome, and one per replay. */
export const deliveries = pgTable(
  'deliveries',
  {
    id: text('id').primaryKey(),
    sender: text('sender').notNull(),
    event: text('event'),
    statusCode: integer('status_code').notNull(),
    reason: text('reason'),
    idempotencyKey: text('idempotency_key'),
    duplicate: boolean('duplicate').notNull().default(false),
    receivedAt: timestamptz('received_at').notNull(),
    durationMs: doublePrecision('duration_ms').notNull(),
    // Only the verified body: forged bytes are not worth keeping.
    rawBody: bytea('raw_body'),
    // As handlers see them: every credential and signature header redacted by the library. Kept for
    // every delivery (a rejected one's say why), and what a replay from the log hands its handlers.
    headers: jsonb('headers').$type<Record<string, string>>(),
    /** The tenant whose credentials verified it, for a sender configured per tenant. */
    tenant: text('tenant'),
    state: text('state', { enum: DELIVERY_STATES }).notNull(),
    // A replay is a delivery of its own, run on purpose from the API: the id of the one replayed.
    replayOf: text('replay_of'),
  },
  // Ascending on purpose: scanned backwards they serve `received_at desc, id desc` exactly, where a
  // drizzle `.desc()` index (DESC NULLS LAST) would not match the default DESC NULLS FIRST ordering.
  (t) => [
    index('deliveries_received_idx').on(t.receivedAt, t.id),
    index('deliveries_sender_received_idx').on(t.sender, t.receivedAt, t.id),
    index('deliveries_status_received_idx').on(t.statusCode, t.receivedAt, t.id),
    index('deliveries_state_received_idx').on(t.state, t.receivedAt, t.id),
    // The dashboard's usual question, "what failed for this sender": both filters in one index.
    index('deliveries_sender_state_received_idx').on(t.sender, t.state, t.receivedAt, t.id),
    // A delivery's replays, in order, for its history; few rows have one. With the order columns in
    // it, PGlite (which gathers no statistics by itself) picks it rather than walking received_at:
    // 9 ms against 683 ms over a million rows (bench/dashboard.mjs --no-vacuum).
    index('deliveries_replay_of_idx')
      .on(t.replayOf, t.receivedAt, t.id)
      .where(sql`${t.replayOf} is not null`),
  ],
);

/**
 * A queued delivery's attempts, one row per worker outcome (retrying, processed, dead, duplicate):
 * its history, where the log row keeps only the latest. Inline deliveries have none: their one
 * attempt is the log row.
 */
export const deliveryAttempts = pgTable(
  'delivery_attempts',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    deliveryId: text('delivery_id').notNull(),
    attempt: integer('attempt').notNull(),
    attempts: integer('attempts').notNull(),
    state: text('state', { enum: DELIVERY_STATES }).notNull(),
    reason: text('reason'),
    at: timestamptz('at').notNull(),
    durationMs: doublePrecision('duration_ms').notNull(),
  },
  (t) => [
    index('delivery_attempts_delivery_idx').on(t.deliveryId, t.seq),
    // Retention deletes by age, in batches.
    index('delivery_attempts_at_idx').on(t.at),
  ],
);

// The senders' record tables, one line per sender.
export { oxskytReports } from '../senders/oxskyt/oxskyt.table.js';
export { inkitDocuments } from '../senders/inkit/inkit.table.js';
export { ovcodeAuthentications } from '../senders/ovcode/ovcode.table.js';
export { certificallCases } from '../senders/certificall/certificall.table.js';
export { illowRequests } from '../senders/illow/illow.table.js';
export { githubDeliveries } from '../senders/github/github.table.js';
export { stripeEvents } from '../senders/stripe/stripe.table.js';
export { standardMessages } from '../senders/standard/standard.table.js';
