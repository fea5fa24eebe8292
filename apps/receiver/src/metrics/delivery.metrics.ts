import { Inject, Injectable } from '@nestjs/common';
import { OnWebhookOutcome, type WebhookDeliveryOutcome } from 'nestjs-webhooks';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from './metrics.registry.js';

/**
 * Upper bounds of the duration histogram, in seconds: a verified delivery answered from memory
 * takes about a millisecond, a handler writing to a database tens of them, and senders give up
 * after 10 to 30 s, so slower than 10 s is one bucket (+Inf).
 */
export const DELIVERY_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

type OutcomeLabels = 'sender' | 'outcome';

/**
 * Delivery metrics from the library's outcome events: one event per outcome, in every role (a
 * worker reports `processed`, `retrying`, `dead` and its own `duplicate`s).
 *
 * Label values are bounded: `sender` is the id of a configured sender only, since a path naming
 * any other is answered 404 before an outcome is reported, and `outcome` is one of eight kinds.
 * The tenant (per-tenant senders) is left out on purpose: tenants are as many as the app's
 * customers, too many series for Prometheus.
 */
@Injectable()
export class DeliveryMetrics {
  private readonly deliveries: Counter<OutcomeLabels>;
  private readonly duration: Histogram<OutcomeLabels>;
  private readonly duplicates: Counter<'sender'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.deliveries = new Counter({
      name: 'webhooks_deliveries_total',
      help:
        'Delivery outcomes by sender and outcome: the reply (accepted, duplicate, rejected, failed, ' +
        'queued) and, in queue mode, each attempt of a worker (processed, retrying, dead).',
      labelNames: ['sender', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'webhooks_delivery_duration_seconds',
      help:
        'Time to each outcome by sender and outcome: from the request to its reply, or for a ' +
        "worker's outcome from the start of its attempt.",
      labelNames: ['sender', 'outcome'],
      buckets: [...DELIVERY_DURATION_BUCKETS],
      registers,
    });
    this.duplicates = new Counter({
      name: 'webhooks_duplicates_total',
      help: 'Deliveries recognised as duplicates by their idempotency key (handlers not run), by sender.',
      labelNames: ['sender'],
      registers,
    });
  }

  @OnWebhookOutcome('accepted')
  @OnWebhookOutcome('duplicate')
  @OnWebhookOutcome('rejected')
  @OnWebhookOutcome('failed')
  @OnWebhookOutcome('queued')
  @OnWebhookOutcome('processed')
  @OnWebhookOutcome('retrying')
  @OnWebhookOutcome('dead')
  record(outcome: WebhookDeliveryOutcome): void {
    const labels = { sender: outcome.sender, outcome: outcome.outcome };
    this.deliveries.inc(labels);
    this.duration.observe(labels, outcome.durationMs / 1000);
    if (outcome.outcome === 'duplicate') this.duplicates.inc({ sender: outcome.sender });
  }
}
