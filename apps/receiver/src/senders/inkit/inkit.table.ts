import { pgTable, text } from 'drizzle-orm/pg-core';
import { defineRecordTable, tracking } from '../../database/tables.js';

export const inkitDocuments = pgTable('inkit_documents', {
  resourceId: text('resource_id').primaryKey(),
  lastEvent: text('last_event').notNull(),
  status: text('status').notNull(),
  ...tracking(),
});

/** What an accepted Inkit delivery leaves behind: the document by `resource_id`. */
export interface InkitRecord {
  sender: 'inkit';
  resourceId: string;
  eventType: string;
}

const INKIT_STATUSES: [suffix: string, status: string][] = [
  ['_FINISHED', 'finished'],
  ['_FAILED', 'failed'],
  ['_DELETED', 'deleted'],
  ['_CREATED', 'created'],
  ['_ACCESS', 'accessed'],
];

/** Inkit sends only an event type; its suffix says where the resource stands. */
export function inkitStatus(eventType: string): string {
  const upper = eventType.toUpperCase();
  return INKIT_STATUSES.find(([suffix]) => upper.endsWith(suffix))?.[1] ?? eventType.toLowerCase();
}

export const inkitRecordTable = defineRecordTable({
  sender: 'inkit',
  table: inkitDocuments,
  toRow: (r: InkitRecord) => ({
    resourceId: r.resourceId,
    lastEvent: r.eventType,
    status: inkitStatus(r.eventType),
  }),
});
