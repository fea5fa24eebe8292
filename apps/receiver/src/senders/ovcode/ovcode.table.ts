import { sql } from 'drizzle-orm';
import { check, pgTable, text } from 'drizzle-orm/pg-core';
import { defineRecordTable, tracking } from '../../database/tables.js';

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

/** What an accepted OVCODE callback leaves behind: the authentication by `reference`. */
export interface OvcodeRecord {
  sender: 'ovcode';
  reference: string;
  statusCode: 'S' | 'F';
  cid?: string | null;
  // The vendor's sample sends a number; headers bring a string.
  tokenId?: string | number | null;
  hash?: string | null;
  file?: string | null;
  timestamp?: string | null;
}

export const ovcodeRecordTable = defineRecordTable({
  sender: 'ovcode',
  table: ovcodeAuthentications,
  toRow: (r: OvcodeRecord) => ({
    reference: r.reference,
    status: r.statusCode,
    cid: r.cid ?? null,
    tokenId: r.tokenId == null ? null : String(r.tokenId),
    hash: r.hash ?? null,
    file: r.file ?? null,
    timestamp: r.timestamp ?? null,
  }),
});
