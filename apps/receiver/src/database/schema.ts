// The single schema both drivers (PGlite and node-postgres) and drizzle-kit read.
// Kept free of relative imports so drizzle-kit can load it on its own.
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * The exact bytes: text cannot hold U+0000 and would mangle a body that is not UTF-8, and a
 * delivery kept to be replayed must be byte for byte what was verified. (node-postgres reads a
 * Buffer, PGlite a Uint8Array.)
 */
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => Buffer.from(value),
});

/** One row per delivery the app answered, whatever the outcome. */
export const deliveries = pgTable(
  'deliveries',
  {
    id: text('id').primaryKey(),
    provider: text('provider').notNull(),
    event: text('event'),
    statusCode: integer('status_code').notNull(),
    reason: text('reason'),
    idempotencyKey: text('idempotency_key'),
    duplicate: boolean('duplicate').notNull().default(false),
    receivedAt: timestamptz('received_at').notNull(),
    durationMs: doublePrecision('duration_ms').notNull(),
    // Only the verified body: headers are never stored since they may carry credentials.
    rawBody: bytea('raw_body'),
  },
  // Ascending on purpose: scanned backwards they serve `received_at desc, id desc` exactly, where a
  // drizzle `.desc()` index (DESC NULLS LAST) would not match the default DESC NULLS FIRST ordering.
  (t) => [
    index('deliveries_received_idx').on(t.receivedAt, t.id),
    index('deliveries_provider_received_idx').on(t.provider, t.receivedAt, t.id),
    index('deliveries_status_received_idx').on(t.statusCode, t.receivedAt, t.id),
  ],
);

// Every provider table ends with these, so an upsert can tell which delivery wrote the row and when.
const tracking = () => ({
  updatedAt: timestamptz('updated_at').notNull(),
  lastDeliveryId: text('last_delivery_id').notNull(),
});

export const inkitDocuments = pgTable('inkit_documents', {
  resourceId: text('resource_id').primaryKey(),
  lastEvent: text('last_event').notNull(),
  status: text('status').notNull(),
  ...tracking(),
});

export const ovcodeAuthentications = pgTable(
  'ovcode_authentications',
  {
    reference: text('reference').primaryKey(),
    status: text('status').notNull(),
    cid: text('cid'),
    tokenId: text('token_id'),
    hash: text('hash'),
    file: text('file'),
    // Kept as sent ("2024-05-31 09:04:53.0"): no time zone is documented.
    timestamp: text('timestamp'),
    ...tracking(),
  },
  (t) => [check('ovcode_authentications_status_check', sql`${t.status} in ('S', 'F')`)],
);

// Items live in the case row: a validated case arrives whole, so a replay replaces it whole.
export const certificallCases = pgTable('certificall_cases', {
  cfRef: text('cf_ref').primaryKey(),
  reportId: text('report_id').notNull(),
  caseUrl: text('case_url').notNull(),
  createdAt: text('created_at').notNull(),
  items: jsonb('items').$type<unknown[]>().notNull(),
  ...tracking(),
});

export const illowRequests = pgTable('illow_requests', {
  id: text('id').primaryKey(),
  event: text('event').notNull(),
  status: text('status'),
  legislation: text('legislation'),
  dueDate: text('due_date'),
  companyId: text('company_id').notNull(),
  siteId: text('site_id').notNull(),
  metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull(),
  ...tracking(),
});

export const oxskytReports = pgTable('oxskyt_reports', {
  reportKey: text('report_key').primaryKey(),
  data: jsonb('data').$type<unknown>().notNull(),
  ...tracking(),
});
