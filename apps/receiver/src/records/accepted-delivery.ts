import type { WebhookEvent } from 'nestjs-webhooks';
import type { DeliveryLogEntry } from '../database/index.js';

/** The log row of a delivery a handler accepted, written in one transaction with its record. */
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
  };
}
