import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { BullmqWebhookQueue } from 'nestjs-webhooks/bullmq';
import { DependencyHealthIndicator, HEALTH_TIMEOUT_MS } from './dependency.health.js';
import type { PingableRedis } from './redis.health.js';
import { pingRedis } from './redis.health.js';

/**
 * The BullMQ queue of queue mode (WEBHOOKS_PROCESSING=queue), when there is one: PING on the
 * queue's own connection, which is not the idempotency store's (see RedisHealthIndicator).
 */
@Injectable()
export class QueueHealthIndicator extends DependencyHealthIndicator<'queue'> {
  constructor(
    indicators: HealthIndicatorService,
    @Inject(HEALTH_TIMEOUT_MS) timeoutMs: number,
    // Provided (globally) by WebhooksBullmqModule, which only queue mode imports.
    @Optional() private readonly queue?: BullmqWebhookQueue,
  ) {
    super('queue', 'Queue', indicators, timeoutMs);
  }

  get configured(): boolean {
    return this.queue !== undefined;
  }

  protected async ping(): Promise<void> {
    if (!this.queue) throw new Error('queue mode is off');
    // Waits for the first connection, then resolves at once; the timeout bounds that wait.
    const client = await this.queue.queue.client;
    // BullMQ's client interface lists the commands BullMQ uses, not PING; its ioredis adapter
    // passes PING through to ioredis.
    await pingRedis(client as typeof client & PingableRedis);
  }
}
