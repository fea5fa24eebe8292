import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';

/**
 * A connected client, or `undefined` (with a warning) when Redis is not there on a developer's
 * machine. In CI (`CI=true`) a missing Redis fails the suite instead: these tests must run there.
 */
export async function connectOrSkip(suite: string): Promise<Redis | undefined> {
  // One attempt decides: ioredis's default would retry for ever and hang the suite.
  const client = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, connectTimeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (error) {
    client.disconnect();
    if (process.env.CI === 'true') {
      throw new Error(
        `${suite}: Redis is required in CI and is unreachable at ${REDIS_URL}: ${String(error)}`,
        { cause: error },
      );
    }
    console.warn(`SKIPPED ${suite}: no Redis at ${REDIS_URL} (set REDIS_URL_TEST, or start redis-server)`);
    return undefined;
  }
}

/** Processed marks outlive a run by their TTL: each run works under its own prefix. */
export function runPrefix(suite: string): string {
  return `test:${suite}:${randomUUID()}:`;
}

export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Listens on a free loopback port; real sockets, so two apps answer truly at the same time. */
export async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  return `http://127.0.0.1:${port}`;
}

export interface Reply {
  status: number;
  body: string;
  /** performance.now() when the reply was complete. */
  at: number;
}

export async function post(url: string, body: string, headers: Record<string, string>): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  const text = await response.text();
  return { status: response.status, body: text, at: performance.now() };
}
