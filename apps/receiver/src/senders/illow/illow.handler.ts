import { Injectable } from '@nestjs/common';
import { OnWebhook, type IllowWebhookDto, type WebhookEvent } from 'nestjs-webhooks';
import { RecordsRepository } from '../../database/index.js';
import { acceptedDelivery } from '../../records/accepted-delivery.js';

/** Files each illow event as its request's record, keyed by the DSR's id. */
@Injectable()
export class IllowHandler {
  constructor(private readonly records: RecordsRepository) {}

  @OnWebhook('illow.*')
  handle(event: WebhookEvent<IllowWebhookDto>): Promise<void> {
    const p = event.payload;
    const metadata = (typeof p.metadata === 'object' && p.metadata !== null ? p.metadata : {}) as Record<
      string,
      unknown
    >;
    // The DSR's own id when the event carries one; else the delivery's idempotency key.
    const id = typeof metadata.id === 'string' && metadata.id ? metadata.id : p.idempotencyKey;
    return this.records.applyAccepted(acceptedDelivery(event), {
      sender: 'illow',
      id,
      event: event.type,
      companyId: p.companyId,
      siteId: p.siteId,
      metadata,
    });
  }
}
