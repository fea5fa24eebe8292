import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { ReceiverEnv } from '../../apps/receiver/src/app.module.js';

/** What a queue-mode receiver under test is given, and what its suite cleans up after. */
export type QueueEnv = ReceiverEnv & { WEBHOOKS_QUEUE_NAME: string; REDIS_KEY_PREFIX: string };

/**
 * Queue mode on the Redis at `redisUrl`, with a queue and an idempotency namespace of their own, so
 * suites and runs sharing that Redis see nothing of each other; three quick attempts.
 */
export function queueEnv(redisUrl: string | undefined): QueueEnv {
  const id = randomUUID();
  return {
    WEBHOOKS_PROCESSING: 'queue',
    REDIS_URL: redisUrl,
    WEBHOOKS_QUEUE_NAME: `webhooks-test-${id}`,
    REDIS_KEY_PREFIX: `webhooks-test-${id}:idem:`,
    WEBHOOKS_ATTEMPTS: '3',
    WEBHOOKS_BACKOFF_MS: '50',
  };
}

/**
 * Removes what a queue-mode suite left in Redis: its queue's keys and its idempotency keys. Run
 * after the apps are closed, since a closing worker still writes to its queue.
 */
export async function cleanRedis(redisUrl: string, env: QueueEnv): Promise<void> {
  const client = new Redis(redisUrl);
  try {
    for (const pattern of [`bull:${env.WEBHOOKS_QUEUE_NAME}:*`, `${env.REDIS_KEY_PREFIX}*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length) await client.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    client.disconnect();
  }
}
