import type { WebhookEvent } from 'nestjs-webhooks';
import type { DeliveryLogEntry } from '../database/index.js';

/**
 * The log row of a delivery a handler accepted, written in one transaction with its record: a new
 * row inline, and in queue mode the row logged when it was queued, now processed.
 */
export function acceptedDelivery(event: WebhookEvent): DeliveryLogEntry {
  return {
    id: event.id,
    sender: event.sender,
    event: event.name,
    statusCode: 200,
    idempotencyKey: event.idempotencyKey,
    duplicate: false,
    receivedAt: event.receivedAt,
    durationMs: Date.now() - event.receivedAt.getTime(),
    rawBody: event.rawBody,
    state: 'processed',
    headers: { ...event.headers },
    tenant: event.tenant ?? null,
  };
}

/**
 * A header the sender's definition requires (its idempotency key, or its event name): a delivery
 * without it was answered 400 before any handler ran, so its absence here is a bug, and the
 * handler fails (500, so the sender retries) rather than file a record under no id.
 */
export function deliveryHeader(event: WebhookEvent, name: string): string {
  const value = event.headers[name];
  if (!value) throw new Error(`${event.sender} delivery ${event.id}: no ${name} header`);
  return value;
}
