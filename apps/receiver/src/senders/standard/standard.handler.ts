import { Injectable } from '@nestjs/common';
import { OnWebhook, type StandardWebhookDto, type WebhookEvent } from 'nestjs-webhooks';
import { RecordsRepository } from '../../database/index.js';
import { acceptedDelivery, deliveryHeader } from '../../records/accepted-delivery.js';

/** Files each Standard Webhooks message as its record, keyed by `webhook-id`. */
@Injectable()
export class StandardHandler {
  /** The request header it reads (see ReceiverSender.headers). */
  static readonly HEADERS = ['webhook-id'] as const;

  constructor(private readonly records: RecordsRepository) {}

  // `**`: a type has as many levels as it has dots (`contact.created`, `invoice.payment.failed`).
  @OnWebhook('standard.**')
  handle(event: WebhookEvent<StandardWebhookDto>): Promise<void> {
    return this.records.applyAccepted(acceptedDelivery(event), {
      sender: 'standard',
      messageId: deliveryHeader(event, 'webhook-id'),
      type: event.payload.type,
    });
  }
}
