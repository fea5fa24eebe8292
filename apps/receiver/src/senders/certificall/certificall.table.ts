import { jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { defineRecordTable, tracking } from '../../database/tables.js';

// Items live in the case row: a validated case arrives whole, so a replay replaces it whole.
export const certificallCases = pgTable('certificall_cases', {
  cfRef: text('cf_ref').primaryKey(),
  reportId: text('report_id').notNull(),
  caseUrl: text('case_url').notNull(),
  createdAt: text('created_at').notNull(),
  items: jsonb('items').$type<unknown[]>().notNull(),
  ...tracking(),
});

/** What an accepted Certificall delivery leaves behind: the case by `cfRef`, with its items. */
export interface CertificallRecord {
  sender: 'certificall';
  cfRef: string;
  reportId: string;
  caseUrl: string;
  createdAt: string;
  items: unknown[];
}

export const certificallRecordTable = defineRecordTable({
  sender: 'certificall',
  table: certificallCases,
  toRow: (r: CertificallRecord) => ({
    cfRef: r.cfRef,
    reportId: r.reportId,
    caseUrl: r.caseUrl,
    createdAt: r.createdAt,
    items: r.items,
  }),
});
