import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../redis/redis.module.js';
import { DependencyHealthIndicator, HEALTH_TIMEOUT_MS } from './dependency.health.js';

/** What a Redis check needs of a client: ioredis's, or BullMQ's adapter of it. */
export interface PingableRedis {
  readonly status: string;
  ping(): Promise<unknown>;
}

// ioredis's states between a lost connection and the next attempt: a PING sent now would wait in
// the offline queue (forever, with BullMQ's maxRetriesPerRequest: null) for an answer that the
// state already gives. `wait`, `connecting` and `connect` are on their way to `ready`: PING then.
const DISCONNECTED = new Set(['close', 'reconnecting', 'end']);

/** PING, or the connection's state when it is known to be down. */
export async function pingRedis(client: PingableRedis): Promise<void> {
  if (DISCONNECTED.has(client.status)) throw new Error(`not connected (${client.status})`);
  await client.ping();
}

/** The Redis of REDIS_URL (the shared idempotency store), when it is set: PING. */
@Injectable()
export class RedisHealthIndicator extends DependencyHealthIndicator<'redis'> {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
    indicators: HealthIndicatorService,
    @Inject(HEALTH_TIMEOUT_MS) timeoutMs: number,
  ) {
    super('redis', 'Redis', indicators, timeoutMs);
  }

  get configured(): boolean {
    return this.redis !== null;
  }

  // Also bounded by the client's REDIS_COMMAND_TIMEOUT_MS, so a PING left behind by the timeout
  // does not wait for long.
  protected ping(): Promise<void> {
    if (!this.redis) return Promise.reject(new Error('REDIS_URL is not set'));
    return pingRedis(this.redis);
  }
}
