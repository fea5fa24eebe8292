import { boolean, pgTable, text } from 'drizzle-orm/pg-core';
import { defineRecordTable, tracking } from '../../database/tables.js';

export const stripeEvents = pgTable('stripe_events', {
  eventId: text('event_id').primaryKey(),
  type: text('type').notNull(),
  objectId: text('object_id'),
  livemode: boolean('livemode').notNull(),
  ...tracking(),
});

/** What an accepted Stripe delivery leaves behind: the Event by its `id` (`evt_...`). */
export interface StripeRecord {
  sender: 'stripe';
  eventId: string;
  /** `payment_intent.succeeded`. */
  type: string;
  /** `data.object.id`, the API object the event is about, when it has one. */
  objectId?: string;
  livemode: boolean;
}

export const stripeRecordTable = defineRecordTable({
  sender: 'stripe',
  table: stripeEvents,
  toRow: (r: StripeRecord) => ({
    eventId: r.eventId,
    type: r.type,
    objectId: r.objectId ?? null,
    livemode: r.livemode,
  }),
});
