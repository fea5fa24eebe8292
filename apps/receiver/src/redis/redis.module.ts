import { Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Redis } from 'ioredis';

/** The receiver's Redis client, or `null` when REDIS_URL is unset. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

const QUIT_TIMEOUT_MS = 2_000;

export function createRedisClient(url: string): Redis {
  const logger = new Logger('Redis');
  const client = new Redis(url, {
    // ioredis's default (20 retries, each after a reconnect) holds a request for tens of seconds
    // while Redis is down; failing sooner answers 500 and the sender retries later.
    maxRetriesPerRequest: 3,
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
        return url ? createRedisClient(url) : null;
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
