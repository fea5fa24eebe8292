import { describe, expect, it } from '@jest/globals';
import type { WebhookDeliveryOutcome, WebhookOutcomeKind } from 'nestjs-webhooks';
import { parsePrometheus } from '../../../../test/support/prometheus.js';
import { DELIVERY_DURATION_BUCKETS, DeliveryMetrics } from './delivery.metrics.js';
import { createMetricsRegistry } from './metrics.registry.js';

const KINDS: readonly WebhookOutcomeKind[] = [
  'accepted',
  'duplicate',
  'rejected',
  'failed',
  'queued',
  'processed',
  'retrying',
  'dead',
];

const outcome = (
  sender: string,
  kind: WebhookOutcomeKind,
  durationMs: number,
  extra: Partial<WebhookDeliveryOutcome> = {},
): WebhookDeliveryOutcome => ({
  deliveryId: `${sender}-${kind}-${durationMs}`,
  sender,
  outcome: kind,
  status: kind === 'rejected' ? 401 : kind === 'failed' ? 500 : 200,
  receivedAt: new Date(),
  durationMs,
  ...extra,
});

function setUp() {
  const registry = createMetricsRegistry();
  const metrics = new DeliveryMetrics(registry);
  const scrape = async () => parsePrometheus(await registry.metrics());
  return { registry, metrics, scrape };
}

describe('DeliveryMetrics', () => {
  it('counts outcomes by sender and outcome, and duplicates by sender', async () => {
    const { metrics, scrape } = setUp();
    metrics.record(outcome('inkit', 'accepted', 2));
    metrics.record(outcome('inkit', 'accepted', 30));
    metrics.record(outcome('inkit', 'duplicate', 1));
    metrics.record(outcome('inkit', 'rejected', 0.4, { reason: 'mismatch' }));
    metrics.record(outcome('stripe', 'duplicate', 1));
    metrics.record(outcome('stripe', 'duplicate', 1, { attempt: 1, attempts: 3 }));
    const scraped = await scrape();
    expect(scraped.types.get('webhooks_deliveries_total')).toBe('counter');
    expect(scraped.all('webhooks_deliveries_total')).toEqual(
      expect.arrayContaining([
        { name: 'webhooks_deliveries_total', labels: { sender: 'inkit', outcome: 'accepted' }, value: 2 },
        { name: 'webhooks_deliveries_total', labels: { sender: 'inkit', outcome: 'duplicate' }, value: 1 },
        { name: 'webhooks_deliveries_total', labels: { sender: 'inkit', outcome: 'rejected' }, value: 1 },
        { name: 'webhooks_deliveries_total', labels: { sender: 'stripe', outcome: 'duplicate' }, value: 2 },
      ]),
    );
    expect(scraped.all('webhooks_deliveries_total')).toHaveLength(4);
    expect(scraped.types.get('webhooks_duplicates_total')).toBe('counter');
    expect(scraped.all('webhooks_duplicates_total')).toEqual([
      { name: 'webhooks_duplicates_total', labels: { sender: 'inkit' }, value: 1 },
      { name: 'webhooks_duplicates_total', labels: { sender: 'stripe' }, value: 2 },
    ]);
  });

  it('takes every outcome kind the library reports', async () => {
    const { metrics, scrape } = setUp();
    for (const kind of KINDS) metrics.record(outcome('github', kind, 5));
    const scraped = await scrape();
    for (const kind of KINDS) {
      expect(scraped.value('webhooks_deliveries_total', { sender: 'github', outcome: kind })).toBe(1);
      expect(
        scraped.value('webhooks_delivery_duration_seconds_count', { sender: 'github', outcome: kind }),
      ).toBe(1);
    }
    expect(scraped.value('webhooks_duplicates_total', { sender: 'github' })).toBe(1);
  });

  it('observes each duration in seconds, in cumulative buckets from 1 ms to 10 s', async () => {
    const { metrics, scrape } = setUp();
    for (const ms of [0.5, 2, 30, 30, 700, 12_000]) metrics.record(outcome('inkit', 'accepted', ms));
    metrics.record(outcome('inkit', 'failed', 80));
    const scraped = await scrape();
    expect(scraped.types.get('webhooks_delivery_duration_seconds')).toBe('histogram');
    const labels = { sender: 'inkit', outcome: 'accepted' };
    const bucket = (le: string) =>
      scraped.value('webhooks_delivery_duration_seconds_bucket', { ...labels, le });
    expect(
      scraped
        .all('webhooks_delivery_duration_seconds_bucket')
        .filter((sample) => sample.labels.outcome === 'accepted')
        .map((sample) => sample.labels.le),
    ).toEqual([...DELIVERY_DURATION_BUCKETS.map(String), '+Inf']);
    expect(bucket('0.001')).toBe(1);
    expect(bucket('0.0025')).toBe(2);
    expect(bucket('0.025')).toBe(2);
    expect(bucket('0.05')).toBe(4);
    expect(bucket('1')).toBe(5);
    expect(bucket('10')).toBe(5);
    expect(bucket('+Inf')).toBe(6);
    expect(scraped.value('webhooks_delivery_duration_seconds_count', labels)).toBe(6);
    expect(scraped.value('webhooks_delivery_duration_seconds_sum', labels)).toBeCloseTo(12.7625, 6);
    expect(
      scraped.value('webhooks_delivery_duration_seconds_count', { sender: 'inkit', outcome: 'failed' }),
    ).toBe(1);
  });

  it("keeps one receiver's metrics apart from another's in the same process, beside the process metrics", async () => {
    const first = setUp();
    const second = setUp();
    first.metrics.record(outcome('inkit', 'accepted', 1));
    const [one, two] = [await first.scrape(), await second.scrape()];
    expect(one.value('webhooks_deliveries_total', { sender: 'inkit', outcome: 'accepted' })).toBe(1);
    expect(two.all('webhooks_deliveries_total')).toEqual([]);
    // prom-client's default metrics, under their standard names (no prefix).
    for (const scraped of [one, two]) {
      expect(scraped.types.get('process_cpu_seconds_total')).toBe('counter');
      expect(scraped.value('process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(scraped.types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
    }
  });
});
