// `nestjs-webhooks/bullmq`: queue mode on BullMQ. Needs `bullmq` and `@nestjs/bullmq` (optional peers).
export { WebhooksBullmqModule, type WebhooksBullmqAsyncOptions } from './bullmq.module.js';
export {
  WEBHOOKS_BULLMQ_OPTIONS,
  type WebhooksBullmqOptions,
  type ResolvedWebhooksBullmqOptions,
} from './bullmq.options.js';
export {
  BullmqWebhookQueue,
  jobIdOf,
  type QueuedDeliveryState,
  type QueueJobCounts,
} from './bullmq.queue.js';
export { WebhooksWorkerHost } from './bullmq.processor.js';
