import { Injectable } from '@nestjs/common';
import { OnWebhook, type StripeEventDto, type WebhookEvent } from 'nestjs-webhooks';
import { RecordsRepository } from '../../database/index.js';
import { acceptedDelivery } from '../../records/accepted-delivery.js';

/** Files each Stripe event as its record, keyed by the event's `id`. */
@Injectable()
export class StripeHandler {
  constructor(private readonly records: RecordsRepository) {}

  // `**`: Stripe's types have two levels or more (`payment_intent.succeeded`, `issuing_card.shipping.updated`).
  @OnWebhook('stripe.**')
  handle(event: WebhookEvent<StripeEventDto>): Promise<void> {
    const { id, type, livemode, data } = event.payload;
    const objectId = data.object.id;
    return this.records.applyAccepted(acceptedDelivery(event), {
      sender: 'stripe',
      eventId: id,
      type,
      objectId: typeof objectId === 'string' ? objectId : undefined,
      livemode,
    });
  }
}
