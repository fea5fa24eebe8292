import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { WebhookConfigurationError } from '../schemes/index.js';
import { WebhookQueue } from '../webhooks.queue.js';
import {
  WEBHOOKS_BULLMQ_OPTIONS,
  type ResolvedWebhooksBullmqOptions,
  type WebhooksBullmqOptions,
} from './bullmq.options.js';
import { workerHostFor } from './bullmq.processor.js';
import { BullmqWebhookQueue } from './bullmq.queue.js';

function positiveInteger(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new WebhookConfigurationError(`bullmq.${option}`, 'must be a positive integer');
  }
  return value;
}

function resolve(options: WebhooksBullmqOptions): ResolvedWebhooksBullmqOptions {
  const backoff = options.backoff ?? { type: 'exponential', delay: 1000 };
  if (backoff.type !== 'exponential' && backoff.type !== 'fixed') {
    throw new WebhookConfigurationError('bullmq.backoff.type', "must be 'exponential' or 'fixed'");
  }
  return {
    queueName: options.queueName ?? 'webhooks',
    worker: options.worker ?? true,
    concurrency: positiveInteger('concurrency', options.concurrency, 10),
    attempts: positiveInteger('attempts', options.attempts, 10),
    backoff: { type: backoff.type, delay: positiveInteger('backoff.delay', backoff.delay, 1000) },
    connection: options.connection,
    keepProcessed: {
      age: positiveInteger('keepProcessed.age', options.keepProcessed?.age, 24 * 60 * 60),
      count: positiveInteger('keepProcessed.count', options.keepProcessed?.count, 10_000),
    },
    lockDurationMs: positiveInteger('lockDurationMs', options.lockDurationMs, 30_000),
    stalledIntervalMs: positiveInteger('stalledIntervalMs', options.stalledIntervalMs, 30_000),
    commandTimeoutMs: positiveInteger('commandTimeoutMs', options.commandTimeoutMs, 5_000),
  };
}

/**
 * Queue mode on BullMQ, with `@nestjs/bullmq`'s conventions: the connection from your
 * `BullModule.forRoot(...)` (or `connection` here), one registered queue, and a worker host that
 * runs your `@OnWebhook` handlers. With `WebhooksModule.forRoot({ processing: 'queue', ... })`.
 * Global, like WebhooksModule, so each can reach the other's providers.
 */
@Module({})
export class WebhooksBullmqModule {
  static forRoot(options: WebhooksBullmqOptions = {}): DynamicModule {
    const resolved = resolve(options);
    const providers: Provider[] = [
      { provide: WEBHOOKS_BULLMQ_OPTIONS, useValue: resolved },
      {
        provide: BullmqWebhookQueue,
        inject: [WEBHOOKS_BULLMQ_OPTIONS, getQueueToken(resolved.queueName)],
        useFactory: (opts: ResolvedWebhooksBullmqOptions, queue: Queue) =>
          new BullmqWebhookQueue(opts, queue),
      },
      { provide: WebhookQueue, useExisting: BullmqWebhookQueue },
    ];
    if (resolved.worker) providers.push(workerHostFor(resolved));
    return {
      module: WebhooksBullmqModule,
      global: true,
      imports: [
        BullModule.registerQueue({
          name: resolved.queueName,
          ...(resolved.connection === undefined ? {} : { connection: resolved.connection }),
        }),
      ],
      providers,
      exports: [WebhookQueue, BullmqWebhookQueue, WEBHOOKS_BULLMQ_OPTIONS],
    };
  }
}
