import { Injectable } from '@nestjs/common';
import { OnWebhook, type ShareCasesWithMetaDatasDto, type WebhookEvent } from 'nestjs-webhooks';
import { RecordsRepository } from '../../database/index.js';
import { acceptedDelivery } from '../../records/accepted-delivery.js';

/** Files each Certificall delivery as its case's record, keyed by `cfRef`, items included. */
@Injectable()
export class CertificallHandler {
  constructor(private readonly records: RecordsRepository) {}

  @OnWebhook('certificall.*')
  handle(event: WebhookEvent<ShareCasesWithMetaDatasDto>): Promise<void> {
    const p = event.payload;
    return this.records.applyAccepted(acceptedDelivery(event), {
      sender: 'certificall',
      cfRef: p.cfRef,
      reportId: p.reportId,
      caseUrl: p.caseUrl,
      createdAt: String(p.createdAt),
      items: JSON.parse(JSON.stringify(p.items)),
    });
  }
}
