import { Injectable } from '@nestjs/common';
import { OnWebhook, type InkitWebhookDto, type WebhookEvent } from 'nestjs-webhooks';
import { RecordsRepository } from '../../database/index.js';
import { acceptedDelivery } from '../../records/accepted-delivery.js';

/** Files each Inkit event as its document's record, keyed by `resource_id`. */
@Injectable()
export class InkitHandler {
  constructor(private readonly records: RecordsRepository) {}

  @OnWebhook('inkit.*')
  handle(event: WebhookEvent<InkitWebhookDto>): Promise<void> {
    const { event_type, resource_id } = event.payload;
    return this.records.applyAccepted(acceptedDelivery(event), {
      sender: 'inkit',
      resourceId: resource_id,
      eventType: event_type,
    });
  }
}
