import { Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Redis } from 'ioredis';
import { millisecondsFrom } from '../database/database.js';

/** The receiver's Redis client, or `null` when REDIS_URL is unset. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

const QUIT_TIMEOUT_MS = 2_000;

/**
 * Bounds on waiting for Redis. Without them a Redis that stops answering (hung, or behind a
 * dropped route) holds every delivery's claim for as long as TCP takes to give up, minutes.
 */
export interface RedisTimeouts {
  /** To open the connection (each reconnection attempt too). */
  connectMs: number;
  /** For one command's reply, including time spent queued while disconnected. */
  commandMs: number;
}

export const DEFAULT_REDIS_TIMEOUTS: RedisTimeouts = { connectMs: 3_000, commandMs: 2_000 };

export function createRedisClient(url: string, timeouts: Partial<RedisTimeouts> = {}): Redis {
  const { connectMs, commandMs } = { ...DEFAULT_REDIS_TIMEOUTS, ...timeouts };
  const logger = new Logger('Redis');
  const client = new Redis(url, {
    // ioredis's default (20 retries, each after a reconnect) holds a request for tens of seconds
    // while Redis is down; failing sooner answers 500 and the sender retries later.
    maxRetriesPerRequest: 3,
    connectTimeout: connectMs,
    // The bound that matters to a delivery: a claim that times out is answered 500
    // (store-unavailable), whether its command was sent or still queued for a reconnection.
    commandTimeout: commandMs,
  });
  // One line when Redis goes away and one when it is back, not one per reconnect attempt.
  let down = false;
  client.on('error', (error: Error) => {
    if (!down) logger.warn(`${redactUrl(url)} is unreachable: ${error.message}`);
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.log(`${redactUrl(url)} is reachable again`);
    down = false;
  });
  return client;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable REDIS_URL)';
  }
}

@Module({
  imports: [ConfigModule],
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [ConfigService],
      useFactory: (config: ConfigService): Redis | null => {
        const url = config.get<string>('REDIS_URL')?.trim();
        if (!url) return null;
        return createRedisClient(url, {
          connectMs: millisecondsFrom(
            'REDIS_CONNECT_TIMEOUT_MS',
            config.get<string>('REDIS_CONNECT_TIMEOUT_MS'),
            DEFAULT_REDIS_TIMEOUTS.connectMs,
          ),
          commandMs: millisecondsFrom(
            'REDIS_COMMAND_TIMEOUT_MS',
            config.get<string>('REDIS_COMMAND_TIMEOUT_MS'),
            DEFAULT_REDIS_TIMEOUTS.commandMs,
          ),
        });
      },
    },
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly client: Redis | null) {}

  // Shutdown hooks run after the HTTP server has stopped taking requests, so no claim is cut off.
  // QUIT waits for pending replies; a Redis that is down would keep it waiting, hence the bound.
  async onApplicationShutdown(): Promise<void> {
    const client = this.client;
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.quit().catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, QUIT_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    client.disconnect();
  }
}
