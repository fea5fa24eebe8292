import { Injectable } from '@nestjs/common';
import { OnWebhook, type OvcodeCallbackDto, type WebhookEvent } from 'nestjs-webhooks';
import { RecordsRepository } from '../../database/index.js';
import { acceptedDelivery } from '../../records/accepted-delivery.js';

/** Files each OVCODE callback as its authentication's record, keyed by `reference`. */
@Injectable()
export class OvcodeHandler {
  constructor(private readonly records: RecordsRepository) {}

  @OnWebhook('ovcode.*')
  handle(event: WebhookEvent<OvcodeCallbackDto>): Promise<void> {
    const p = event.payload;
    return this.records.applyAccepted(acceptedDelivery(event), {
      sender: 'ovcode',
      reference: p.reference,
      statusCode: p.status_code as 'S' | 'F',
      cid: p.cid,
      tokenId: p.token_id,
      hash: p.hash,
      file: p.file,
      timestamp: p.timestamp,
    });
  }
}
