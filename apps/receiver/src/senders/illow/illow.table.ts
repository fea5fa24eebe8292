import { jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { defineRecordTable, tracking } from '../../database/tables.js';

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

/** What an accepted illow delivery leaves behind: the request by its metadata `id`. */
export interface IllowRecord {
  sender: 'illow';
  id: string;
  event: string;
  companyId: string;
  siteId: string;
  metadata: Record<string, unknown>;
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export const illowRecordTable = defineRecordTable({
  sender: 'illow',
  table: illowRequests,
  toRow: (r: IllowRecord) => ({
    id: r.id,
    event: r.event,
    status: stringOrNull(r.metadata.requestStatus),
    legislation: stringOrNull(r.metadata.legislation),
    dueDate: stringOrNull(r.metadata.dueDate),
    companyId: r.companyId,
    siteId: r.siteId,
    metadata: r.metadata,
  }),
});
