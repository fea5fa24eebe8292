import { collectDefaultMetrics, Registry } from 'prom-client';

/** The receiver's prom-client registry (what `/metrics` serves); one per app, never prom-client's global one. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/**
 * A registry of its own, with prom-client's process and Node.js metrics under their standard names
 * (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, ...), which dashboards expect as
 * they are. Not the global registry: several receivers may run in one process (the tests), and
 * each would register the same names there a second time, which prom-client refuses.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
