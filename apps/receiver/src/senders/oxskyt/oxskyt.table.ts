import { jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { defineRecordTable, tracking } from '../../database/tables.js';

export const oxskytReports = pgTable('oxskyt_reports', {
  reportKey: text('report_key').primaryKey(),
  data: jsonb('data').$type<unknown>().notNull(),
  ...tracking(),
});

/**
 * What an accepted OxsKYT report leaves behind. `key`: the body's `id` or `reportId` when present,
 * else the SHA-256 hex of the raw body.
 */
export interface OxskytRecord {
  sender: 'oxskyt';
  key: string;
  data: unknown;
}

export const oxskytRecordTable = defineRecordTable({
  sender: 'oxskyt',
  table: oxskytReports,
  toRow: (r: OxskytRecord) => ({ reportKey: r.key, data: r.data }),
});
