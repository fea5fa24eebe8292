import { pgTable, text } from 'drizzle-orm/pg-core';
import { defineRecordTable, tracking } from '../../database/tables.js';

export const standardMessages = pgTable('standard_messages', {
  messageId: text('message_id').primaryKey(),
  type: text('type').notNull(),
  ...tracking(),
});

/** What an accepted Standard Webhooks delivery leaves behind: the message by its `webhook-id`. */
export interface StandardRecord {
  sender: 'standard';
  messageId: string;
  /** The payload's `type`: `contact.created`. */
  type: string;
}

export const standardRecordTable = defineRecordTable({
  sender: 'standard',
  table: standardMessages,
  toRow: (r: StandardRecord) => ({ messageId: r.messageId, type: r.type }),
});
