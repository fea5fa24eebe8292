import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { UnrecoverableError, type Job } from 'bullmq';
import { WebhookPayloadException } from '../webhooks.exception.js';
import type { QueuedWebhookDelivery, WebhookHandledResult } from '../webhooks.queue.js';
import { WebhooksService } from '../webhooks.service.js';
import { WEBHOOKS_BULLMQ_OPTIONS, type ResolvedWebhooksBullmqOptions } from './bullmq.options.js';

/**
 * The worker: each job is one delivery, run through the same `@OnWebhook` handlers as the inline
 * path (`WebhooksService.handleQueued`). A handler's failure fails the attempt, and BullMQ retries
 * it with backoff; bytes that no longer pass the DTO fail it for good (no attempt would differ).
 */
@Injectable()
export class WebhooksWorkerHost extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly webhooks: WebhooksService,
    @Optional() private readonly listeners?: EventEmitterReadinessWatcher,
    @Optional() @Inject(WEBHOOKS_BULLMQ_OPTIONS) private readonly options?: ResolvedWebhooksBullmqOptions,
  ) {
    super();
  }

  /** The concurrency of options that came from a factory (forRootAsync), known only now. */
  onApplicationBootstrap(): void {
    if (this.options !== undefined && this.worker.concurrency !== this.options.concurrency) {
      this.worker.concurrency = this.options.concurrency;
    }
  }

  async process(job: Job<QueuedWebhookDelivery>): Promise<WebhookHandledResult> {
    // BullMQ takes jobs from module init, but @OnWebhook listeners are bound at bootstrap: a job
    // run before would find no handler, complete, and mark its key processed. Lost, so wait.
    await this.listeners?.waitUntilReady();
    try {
      return await this.webhooks.handleQueued(job.data, {
        attempt: job.attemptsMade + 1,
        attempts: job.opts.attempts ?? 1,
      });
    } catch (error) {
      if (error instanceof WebhookPayloadException) {
        this.logger.error(`Delivery ${job.data.id} no longer passes its DTO: dead without retries`);
        throw new UnrecoverableError('the stored delivery no longer passes its DTO');
      }
      throw error;
    }
  }
}

/** The worker host for one queue: `@Processor` takes the name and settings when the class is decorated. */
export function workerHostFor(options: ResolvedWebhooksBullmqOptions): typeof WebhooksWorkerHost {
  @Processor(options.queueName, {
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
  })
  @Injectable()
  class QueueWorkerHost extends WebhooksWorkerHost {}
  return QueueWorkerHost;
}
