import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { BullmqWebhookQueue, type QueueJobCounts } from 'nestjs-webhooks/bullmq';
import { Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from './metrics.registry.js';

/**
 * The longest a scrape waits for the queue's counts, in ms: well inside Prometheus's default
 * scrape timeout (10 s), so that a slow Redis costs the queue's gauges, not the whole scrape.
 */
export const DEFAULT_QUEUE_SCRAPE_TIMEOUT_MS = 1_000;

/** Provided, overrides DEFAULT_QUEUE_SCRAPE_TIMEOUT_MS. */
export const QUEUE_SCRAPE_TIMEOUT_MS = Symbol('QUEUE_SCRAPE_TIMEOUT_MS');

/** The states that make the queue's depth: deliveries not yet run, or being run. */
const DEPTH: readonly (readonly [label: string, count: keyof QueueJobCounts])[] = [
  ['waiting', 'waiting'],
  ['active', 'active'],
  ['delayed', 'delayed'],
  ['prioritized', 'prioritized'],
  ['waiting-children', 'waitingChildren'],
];

/**
 * Queue mode's gauges, read from Redis when Prometheus scrapes (prom-client's `collect`), not
 * polled: `webhooks_queue_jobs{state}` (the depth), `webhooks_queue_dead_letters` and
 * `webhooks_queue_up`. When the counts do not come within the timeout, the first two are left
 * without a value (a stale or zero depth would look like an empty queue) and `webhooks_queue_up`
 * is 0. Without a queue (inline mode) there are no such gauges at all.
 */
@Injectable()
export class QueueMetrics {
  private readonly logger = new Logger('Metrics');
  private reading?: Promise<QueueJobCounts | undefined>;
  private down = false;

  constructor(
    @Inject(METRICS_REGISTRY) registry: Registry,
    // Provided (globally) by WebhooksBullmqModule, which only queue mode imports.
    @Optional() private readonly queue?: BullmqWebhookQueue,
    @Optional()
    @Inject(QUEUE_SCRAPE_TIMEOUT_MS)
    private readonly timeoutMs: number = DEFAULT_QUEUE_SCRAPE_TIMEOUT_MS,
  ) {
    if (!queue) return;
    const read = () => this.read();
    const registers = [registry];
    new Gauge({
      name: 'webhooks_queue_jobs',
      help: 'Deliveries in the queue not yet run or being run, by BullMQ state (queue mode).',
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = await read();
        this.reset();
        if (counts) for (const [state, count] of DEPTH) this.set({ state }, counts[count]);
      },
    });
    new Gauge({
      name: 'webhooks_queue_dead_letters',
      help: 'Dead deliveries kept in the queue: every attempt failed (queue mode).',
      registers,
      async collect() {
        const counts = await read();
        if (counts) this.set(counts.dead);
        // A gauge without labels always has a value, 0 after a reset: removed, it has none.
        else this.remove();
      },
    });
    new Gauge({
      name: 'webhooks_queue_up',
      help: "1 when this scrape read the queue's counts in time, else 0 (queue mode).",
      registers,
      async collect() {
        this.set((await read()) ? 1 : 0);
      },
    });
  }

  // One read per scrape: prom-client calls the three collects at once, and they share it.
  private read(): Promise<QueueJobCounts | undefined> {
    this.reading ??= this.readNow().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readNow(): Promise<QueueJobCounts | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the queue did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      const counts = await Promise.race([this.queue!.counts(), timeout]);
      if (this.down) this.logger.log('The queue can be read again');
      this.down = false;
      return counts;
    } catch (error) {
      // Once per outage: Prometheus scrapes every few seconds.
      if (!this.down) this.logger.warn(`The queue could not be read for /metrics: ${reasonOf(error)}`);
      this.down = true;
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
