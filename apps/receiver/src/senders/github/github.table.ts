import { pgTable, text } from 'drizzle-orm/pg-core';
import { defineRecordTable, tracking } from '../../database/tables.js';

// One row per delivery, not per repository or issue: GitHub's events are about too many kinds of
// things to file each by its own id, and the delivery's GUID is the one id every event has.
export const githubDeliveries = pgTable('github_deliveries', {
  deliveryId: text('delivery_id').primaryKey(),
  event: text('event').notNull(),
  action: text('action'),
  repository: text('repository'),
  ...tracking(),
});

/** What an accepted GitHub delivery leaves behind: the delivery by its `X-GitHub-Delivery`. */
export interface GithubRecord {
  sender: 'github';
  deliveryId: string;
  /** `X-GitHub-Event`: `issues`, `push`, `ping`. */
  event: string;
  /** The payload's `action` (`opened`), for the events that have one. */
  action?: string;
  /** The repository's `full_name` (`owner/name`), for the events about one. */
  repository?: string;
}

export const githubRecordTable = defineRecordTable({
  sender: 'github',
  table: githubDeliveries,
  toRow: (r: GithubRecord) => ({
    deliveryId: r.deliveryId,
    event: r.event,
    action: r.action ?? null,
    repository: r.repository ?? null,
  }),
});
