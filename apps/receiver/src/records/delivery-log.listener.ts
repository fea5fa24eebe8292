import { Injectable } from '@nestjs/common';
import { OnWebhookOutcome, type WebhookDeliveryOutcome } from 'nestjs-webhooks';
import { RecordsRepository } from '../database/index.js';

/**
 * Logs every delivery that did not produce a record. Accepted ones are logged by their handler,
 * in the same transaction as the record they wrote.
 */
@Injectable()
export class DeliveryLogListener {
  constructor(private readonly records: RecordsRepository) {}

  @OnWebhookOutcome('duplicate')
  @OnWebhookOutcome('rejected')
  @OnWebhookOutcome('failed')
  log(outcome: WebhookDeliveryOutcome): Promise<void> {
    return this.records.logDelivery({
      id: outcome.deliveryId,
      sender: outcome.sender,
      event: outcome.event ?? null,
      statusCode: outcome.status,
      reason: outcome.reason ?? null,
      idempotencyKey: outcome.idempotencyKey ?? null,
      duplicate: outcome.outcome === 'duplicate',
      receivedAt: outcome.receivedAt,
      durationMs: outcome.durationMs,
      // Only verified bytes are worth keeping (to inspect and replay); forged ones are not.
      rawBody: outcome.rawBody ?? null,
    });
  }
}
