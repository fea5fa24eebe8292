import { Injectable } from '@nestjs/common';
import { OnWebhook, type GithubWebhookDto, type WebhookEvent } from 'nestjs-webhooks';
import { RecordsRepository } from '../../database/index.js';
import { acceptedDelivery, deliveryHeader } from '../../records/accepted-delivery.js';

/** Files each GitHub delivery as its record, keyed by `X-GitHub-Delivery`. */
@Injectable()
export class GithubHandler {
  /** The request headers it reads (see ReceiverSender.headers). */
  static readonly HEADERS = ['x-github-delivery', 'x-github-event'] as const;

  constructor(private readonly records: RecordsRepository) {}

  // `**`: `github.push` and `github.ping` have one level, `github.issues.opened` two.
  @OnWebhook('github.**')
  handle(event: WebhookEvent<GithubWebhookDto>): Promise<void> {
    const { action, repository } = event.payload;
    return this.records.applyAccepted(acceptedDelivery(event), {
      sender: 'github',
      deliveryId: deliveryHeader(event, 'x-github-delivery'),
      event: deliveryHeader(event, 'x-github-event'),
      action,
      repository: repository?.full_name,
    });
  }
}
