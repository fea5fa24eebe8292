import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import {
  OnWebhook,
  type IllowWebhookDto,
  type InkitWebhookDto,
  type OvcodeCallbackDto,
  type OxskytReportDto,
  type ShareCasesWithMetaDatasDto,
  type WebhookEvent,
} from 'nestjs-webhooks';
import { RecordsRepository, type DeliveryLogEntry, type ProviderRecord } from '../database/index.js';

/**
 * Turns each verified event into its record, written in one transaction with the delivery's
 * log row. Upserts keyed by the sender's own id, so a replayed event leaves the same state.
 */
@Injectable()
export class RecordsHandlers {
  constructor(private readonly records: RecordsRepository) {}

  @OnWebhook('inkit.*')
  inkit(event: WebhookEvent<InkitWebhookDto>): Promise<void> {
    const { event_type, resource_id } = event.payload;
    return this.apply(event, { provider: 'inkit', resourceId: resource_id, eventType: event_type });
  }

  @OnWebhook('ovcode.*')
  ovcode(event: WebhookEvent<OvcodeCallbackDto>): Promise<void> {
    const p = event.payload;
    return this.apply(event, {
      provider: 'ovcode',
      reference: p.reference,
      statusCode: p.status_code as 'S' | 'F',
      cid: p.cid,
      tokenId: p.token_id,
      hash: p.hash,
      file: p.file,
      timestamp: p.timestamp,
    });
  }

  @OnWebhook('certificall.*')
  certificall(event: WebhookEvent<ShareCasesWithMetaDatasDto>): Promise<void> {
    const p = event.payload;
    return this.apply(event, {
      provider: 'certificall',
      cfRef: p.cfRef,
      reportId: p.reportId,
      caseUrl: p.caseUrl,
      createdAt: String(p.createdAt),
      items: JSON.parse(JSON.stringify(p.items)),
    });
  }

  @OnWebhook('illow.*')
  illow(event: WebhookEvent<IllowWebhookDto>): Promise<void> {
    const p = event.payload;
    const metadata = (typeof p.metadata === 'object' && p.metadata !== null ? p.metadata : {}) as Record<
      string,
      unknown
    >;
    // The DSR's own id when the event carries one; else the delivery's idempotency key.
    const id = typeof metadata.id === 'string' && metadata.id ? metadata.id : p.idempotencyKey;
    return this.apply(event, {
      provider: 'illow',
      id,
      event: event.type,
      companyId: p.companyId,
      siteId: p.siteId,
      metadata,
    });
  }

  @OnWebhook('oxskyt.*')
  oxskyt(event: WebhookEvent<OxskytReportDto>): Promise<void> {
    const p = event.payload as Record<string, unknown>;
    const id = p.id ?? p.reportId;
    const key =
      typeof id === 'string' || typeof id === 'number'
        ? String(id)
        : createHash('sha256').update(event.rawBody).digest('hex');
    // The payload, not a fresh JSON.parse of the bytes: the library keeps integers beyond 2^53
    // exact (as strings of their digits), which a plain parse would round.
    return this.apply(event, { provider: 'oxskyt', key, data: { ...p } });
  }

  private apply(event: WebhookEvent, record: ProviderRecord): Promise<void> {
    const entry: DeliveryLogEntry = {
      id: event.id,
      provider: event.provider,
      event: event.name,
      statusCode: 200,
      idempotencyKey: event.idempotencyKey,
      duplicate: false,
      receivedAt: event.receivedAt,
      durationMs: Date.now() - event.receivedAt.getTime(),
      rawBody: event.rawBody,
    };
    return this.records.applyAccepted(entry, record);
  }
}
