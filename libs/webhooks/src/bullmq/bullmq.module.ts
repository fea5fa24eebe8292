import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { WebhookConfigurationError } from '../schemes/index.js';
import { positiveInteger } from '../webhooks.limits.js';
import { WebhookQueue } from '../webhooks.queue.js';
import {
  WEBHOOKS_BULLMQ_OPTIONS,
  type ResolvedWebhooksBullmqOptions,
  type WebhooksBullmqOptions,
} from './bullmq.options.js';
import { workerHostFor } from './bullmq.processor.js';
import { BullmqWebhookQueue } from './bullmq.queue.js';

function resolve(options: WebhooksBullmqOptions): ResolvedWebhooksBullmqOptions {
  const backoff = options.backoff ?? { type: 'exponential', delay: 1000 };
  if (backoff.type !== 'exponential' && backoff.type !== 'fixed') {
    throw new WebhookConfigurationError('bullmq.backoff.type', "must be 'exponential' or 'fixed'");
  }
  return {
    queueName: options.queueName ?? 'webhooks',
    worker: options.worker ?? true,
    concurrency: positiveInteger('bullmq.concurrency', options.concurrency, 10),
    attempts: positiveInteger('bullmq.attempts', options.attempts, 10),
    backoff: { type: backoff.type, delay: positiveInteger('bullmq.backoff.delay', backoff.delay, 1000) },
    connection: options.connection,
    keepProcessed: {
      age: positiveInteger('bullmq.keepProcessed.age', options.keepProcessed?.age, 24 * 60 * 60),
      count: positiveInteger('bullmq.keepProcessed.count', options.keepProcessed?.count, 10_000),
    },
    lockDurationMs: positiveInteger('bullmq.lockDurationMs', options.lockDurationMs, 30_000),
    stalledIntervalMs: positiveInteger('bullmq.stalledIntervalMs', options.stalledIntervalMs, 30_000),
    commandTimeoutMs: positiveInteger('bullmq.commandTimeoutMs', options.commandTimeoutMs, 5_000),
  };
}

/** What `@Processor` and the queue's registration need when the module is defined. */
type DefinitionTimeOptions = Pick<
  WebhooksBullmqOptions,
  'queueName' | 'worker' | 'lockDurationMs' | 'stalledIntervalMs'
>;

export interface WebhooksBullmqAsyncOptions extends DefinitionTimeOptions, Pick<ModuleMetadata, 'imports'> {
  /** Providers handed to `useFactory` (e.g. `ConfigService`). */
  inject?: any[];
  /** The other options, from your configuration: attempts, backoff, concurrency, connection... */
  useFactory: (
    ...args: any[]
  ) =>
    | Omit<WebhooksBullmqOptions, keyof DefinitionTimeOptions>
    | Promise<Omit<WebhooksBullmqOptions, keyof DefinitionTimeOptions>>;
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
    return define(
      resolved,
      { provide: WEBHOOKS_BULLMQ_OPTIONS, useValue: resolved },
      BullModule.registerQueue({
        name: resolved.queueName,
        ...(resolved.connection === undefined ? {} : { connection: resolved.connection }),
      }),
    );
  }

  /**
   * The options from a factory, as `BullModule.registerQueueAsync` takes them. The queue's name,
   * whether this process runs a worker, and the worker's lock settings are given here, not by the
   * factory: `@Processor` and the queue's token need them when the module is defined.
   */
  static forRootAsync(options: WebhooksBullmqAsyncOptions): DynamicModule {
    const fixed: DefinitionTimeOptions = {
      queueName: options.queueName,
      worker: options.worker,
      lockDurationMs: options.lockDurationMs,
      stalledIntervalMs: options.stalledIntervalMs,
    };
    const definitionTime = resolve(fixed);
    const inject = options.inject ?? [];
    return define(
      definitionTime,
      {
        provide: WEBHOOKS_BULLMQ_OPTIONS,
        inject,
        useFactory: async (...args: unknown[]) =>
          resolve({ ...(await options.useFactory(...args)), ...fixed }),
      },
      BullModule.registerQueueAsync({
        name: definitionTime.queueName,
        imports: options.imports,
        inject,
        useFactory: async (...args: unknown[]) => {
          const { connection } = await options.useFactory(...args);
          return connection === undefined ? {} : { connection };
        },
      }),
      options.imports,
    );
  }
}

function define(
  definitionTime: ResolvedWebhooksBullmqOptions,
  optionsProvider: Provider,
  queue: DynamicModule,
  imports: ModuleMetadata['imports'] = [],
): DynamicModule {
  const providers: Provider[] = [
    optionsProvider,
    {
      provide: BullmqWebhookQueue,
      inject: [WEBHOOKS_BULLMQ_OPTIONS, getQueueToken(definitionTime.queueName)],
      useFactory: (opts: ResolvedWebhooksBullmqOptions, bullQueue: Queue) =>
        new BullmqWebhookQueue(opts, bullQueue),
    },
    { provide: WebhookQueue, useExisting: BullmqWebhookQueue },
  ];
  // One provider only: @nestjs/bullmq's explorer would start a second worker for an alias of it.
  if (definitionTime.worker) providers.push(workerHostFor(definitionTime));
  return {
    module: WebhooksBullmqModule,
    global: true,
    imports: [...imports, queue],
    providers,
    exports: [WebhookQueue, BullmqWebhookQueue, WEBHOOKS_BULLMQ_OPTIONS],
  };
}
