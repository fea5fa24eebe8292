import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { OnWebhook, type OxskytReportDto, type WebhookEvent } from 'nestjs-webhooks';
import { RecordsRepository } from '../../database/index.js';
import { acceptedDelivery } from '../../records/accepted-delivery.js';

/** Files each OxsKYT report as its record, keyed by `id` or `reportId`, else the body's SHA-256. */
@Injectable()
export class OxskytHandler {
  constructor(private readonly records: RecordsRepository) {}

  @OnWebhook('oxskyt.*')
  handle(event: WebhookEvent<OxskytReportDto>): Promise<void> {
    const p = event.payload as Record<string, unknown>;
    const id = p.id ?? p.reportId;
    const key =
      typeof id === 'string' || typeof id === 'number'
        ? String(id)
        : createHash('sha256').update(event.rawBody).digest('hex');
    // The payload, not a fresh JSON.parse of the bytes: the library keeps integers beyond 2^53
    // exact (as strings of their digits), which a plain parse would round.
    return this.records.applyAccepted(acceptedDelivery(event), { sender: 'oxskyt', key, data: { ...p } });
  }
}
