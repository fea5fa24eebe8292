import { describe, expect, it } from '@jest/globals';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { pingRedis, RedisHealthIndicator, type PingableRedis } from './redis.health.js';
import { captureLogs } from '../../../../test/support/logs.js';

/** A client in the given state whose PING the test decides; counts the PINGs sent. */
function fakeRedis(status: string, ping: () => Promise<unknown> = () => Promise.resolve('PONG')) {
  const client = {
    status,
    pings: 0,
    ping: () => {
      client.pings++;
      return ping();
    },
  };
  return client;
}

const indicatorWith = (client: PingableRedis | null, timeoutMs = 1_000) =>
  new RedisHealthIndicator(client as Redis | null, new HealthIndicatorService(), timeoutMs);

describe('RedisHealthIndicator', () => {
  const warned = captureLogs();

  it('is not checked when REDIS_URL is unset (no client)', () => {
    expect(indicatorWith(null).configured).toBe(false);
    expect(indicatorWith(fakeRedis('ready')).configured).toBe(true);
  });

  it('is up when PING answers', async () => {
    const client = fakeRedis('ready');
    expect(await indicatorWith(client).check()).toEqual({ redis: { status: 'up' } });
    expect(client.pings).toBe(1);
  });

  it('is down when PING fails', async () => {
    const client = fakeRedis('ready', () => Promise.reject(new Error('NOAUTH Authentication required.')));
    expect(await indicatorWith(client).check()).toEqual({ redis: { status: 'down' } });
    expect(warned).toEqual(['WARN Redis is down: NOAUTH Authentication required.']);
  });

  it('is down within the timeout when Redis hangs', async () => {
    const client = fakeRedis('ready', () => new Promise(() => undefined));
    const started = performance.now();
    expect(await indicatorWith(client, 100).check()).toEqual({ redis: { status: 'down' } });
    expect(performance.now() - started).toBeLessThan(600);
  });

  it.each(['reconnecting', 'close', 'end'])(
    'is down at once while the connection is %s, leaving no PING queued',
    async (status) => {
      const client = fakeRedis(status, () => new Promise(() => undefined));
      const started = performance.now();
      expect(await indicatorWith(client, 5_000).check()).toEqual({ redis: { status: 'down' } });
      expect(performance.now() - started).toBeLessThan(500);
      expect(client.pings).toBe(0);
      expect(warned).toEqual([`WARN Redis is down: not connected (${status})`]);
    },
  );

  it.each(['wait', 'connecting', 'connect'])('sends PING while the connection is %s', async (status) => {
    const client = fakeRedis(status);
    await pingRedis(client);
    expect(client.pings).toBe(1);
  });
});
