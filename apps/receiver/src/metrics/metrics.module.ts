import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { DeliveryMetrics } from './delivery.metrics.js';
import { QueueMetrics } from './queue.metrics.js';
import { createMetricsRegistry, METRICS_REGISTRY } from './metrics.registry.js';

/**
 * The receiver's metrics: a registry of its own (METRICS_REGISTRY, exported for MetricsController),
 * the delivery metrics from the outcome events, and in queue mode the queue's gauges. The app
 * serves them with MetricsController, in the module where its access guard is.
 */
@Module({
  providers: [
    { provide: METRICS_REGISTRY, useFactory: createMetricsRegistry },
    DeliveryMetrics,
    QueueMetrics,
  ],
  exports: [METRICS_REGISTRY],
})
export class MetricsModule implements OnModuleDestroy {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  onModuleDestroy(): void {
    this.registry.clear();
  }
}
