import { describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { bullmqConnection, processingFromEnv } from './processing.config.js';

const REDIS = 'redis://127.0.0.1:6379';

describe('processingFromEnv', () => {
  it('is inline, role all, with nothing set: the receiver as it always was', () => {
    expect(processingFromEnv({})).toEqual({ mode: 'inline', role: 'all', warnings: [] });
    expect(processingFromEnv({ WEBHOOKS_PROCESSING: ' inline ', RECEIVER_ROLE: 'all' })).toEqual({
      mode: 'inline',
      role: 'all',
      warnings: [],
    });
    // REDIS_URL alone shares the idempotency store; it does not switch queue mode on.
    expect(processingFromEnv({ REDIS_URL: REDIS }).mode).toBe('inline');
  });

  it('refuses an unknown mode, naming the variable', () => {
    expect(() => processingFromEnv({ WEBHOOKS_PROCESSING: 'queued' })).toThrow(/WEBHOOKS_PROCESSING/);
    expect(() => processingFromEnv({ WEBHOOKS_PROCESSING: 'QUEUE', REDIS_URL: REDIS })).toThrow(
      /WEBHOOKS_PROCESSING must be "inline" or "queue"/,
    );
  });

  it('refuses queue mode without REDIS_URL, naming both variables', () => {
    for (const REDIS_URL of [undefined, '', '  ']) {
      expect(() => processingFromEnv({ WEBHOOKS_PROCESSING: 'queue', REDIS_URL })).toThrow(
        /WEBHOOKS_PROCESSING=queue needs REDIS_URL/,
      );
    }
  });

  it('refuses an unknown role, naming the variable', () => {
    for (const role of ['workers', 'API', 'both']) {
      expect(() =>
        processingFromEnv({ WEBHOOKS_PROCESSING: 'queue', REDIS_URL: REDIS, RECEIVER_ROLE: role }),
      ).toThrow(/^RECEIVER_ROLE must be "all", "api" or "worker"/);
    }
  });

  it.each(['api', 'worker'])('refuses RECEIVER_ROLE=%s in inline mode, naming both variables', (role) => {
    expect(() => processingFromEnv({ RECEIVER_ROLE: role })).toThrow(
      new RegExp(`RECEIVER_ROLE=${role} needs WEBHOOKS_PROCESSING=queue`),
    );
  });

  it.each([
    ['all', 'all'],
    [undefined, 'all'],
    ['api', 'api'],
    [' worker ', 'worker'],
  ])('takes RECEIVER_ROLE=%s in queue mode as %s', (role, expected) => {
    const processing = processingFromEnv({
      WEBHOOKS_PROCESSING: 'queue',
      REDIS_URL: REDIS,
      RECEIVER_ROLE: role,
    });
    expect(processing).toEqual({
      mode: 'queue',
      role: expected,
      queue: { redisUrl: REDIS, queueName: 'webhooks' },
      warnings: [],
    });
  });

  it('reads the tuning variables as positive whole numbers', () => {
    const processing = processingFromEnv({
      WEBHOOKS_PROCESSING: 'queue',
      REDIS_URL: REDIS,
      WEBHOOKS_QUEUE_NAME: 'webhooks-test-1',
      WEBHOOKS_QUEUE_TIMEOUT_MS: '750',
      WEBHOOKS_ATTEMPTS: '3',
      WEBHOOKS_BACKOFF_MS: '50',
      WEBHOOKS_CONCURRENCY: '2',
      WEBHOOKS_LOCK_DURATION_MS: '2000',
      WEBHOOKS_STALLED_INTERVAL_MS: '1000',
      WEBHOOKS_LEASE_MS: '1500',
    });
    expect(processing).toEqual({
      mode: 'queue',
      role: 'all',
      leaseMs: 1500,
      queue: {
        redisUrl: REDIS,
        queueName: 'webhooks-test-1',
        queueTimeoutMs: 750,
        attempts: 3,
        backoffMs: 50,
        concurrency: 2,
        lockDurationMs: 2000,
        stalledIntervalMs: 1000,
      },
      warnings: [],
    });
  });

  it.each([
    ['WEBHOOKS_ATTEMPTS', '0'],
    ['WEBHOOKS_ATTEMPTS', 'ten'],
    ['WEBHOOKS_BACKOFF_MS', '-5'],
    ['WEBHOOKS_CONCURRENCY', '1.5'],
    ['WEBHOOKS_QUEUE_TIMEOUT_MS', '5s'],
    ['WEBHOOKS_LOCK_DURATION_MS', '1e3'],
    ['WEBHOOKS_STALLED_INTERVAL_MS', '99999999999999999999'],
    ['WEBHOOKS_LEASE_MS', '0x10'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() =>
      processingFromEnv({ WEBHOOKS_PROCESSING: 'queue', REDIS_URL: REDIS, [name]: value }),
    ).toThrow(new RegExp(`^${name} must be a positive whole number`));
  });

  it('refuses a queue name BullMQ would refuse', () => {
    expect(() =>
      processingFromEnv({
        WEBHOOKS_PROCESSING: 'queue',
        REDIS_URL: REDIS,
        WEBHOOKS_QUEUE_NAME: 'app:webhooks',
      }),
    ).toThrow(/WEBHOOKS_QUEUE_NAME/);
  });

  it('warns, naming them, about queue settings that inline mode ignores', () => {
    const processing = processingFromEnv({
      WEBHOOKS_ATTEMPTS: '3',
      WEBHOOKS_QUEUE_NAME: 'q',
      WEBHOOKS_LEASE_MS: '9',
    });
    expect(processing).toEqual({ mode: 'inline', role: 'all', leaseMs: 9, warnings: [expect.any(String)] });
    expect(processing.warnings[0]).toMatch(/^WEBHOOKS_QUEUE_NAME, WEBHOOKS_ATTEMPTS are ignored/);
  });

  it('warns that an api process ignores WEBHOOKS_CONCURRENCY', () => {
    const env = { WEBHOOKS_PROCESSING: 'queue', REDIS_URL: REDIS, WEBHOOKS_CONCURRENCY: '4' };
    expect(processingFromEnv({ ...env, RECEIVER_ROLE: 'api' }).warnings).toEqual([
      expect.stringContaining('WEBHOOKS_CONCURRENCY is ignored'),
    ]);
    expect(processingFromEnv({ ...env, RECEIVER_ROLE: 'worker' }).warnings).toEqual([]);
  });
});

describe('bullmqConnection', () => {
  // ioredis's own reading of the same URL (what `new Redis(url)` would connect to) is the reference.
  const ioredisReading = (url: string) => {
    const client = new Redis(url, { lazyConnect: true });
    const { host, port, username, password, db, tls } = client.options;
    client.disconnect();
    // ioredis says `tls: true` for rediss:, BullMQ's options want TLS options: either switches TLS on.
    return { host, port, username: username || undefined, password: password || undefined, db, tls: !!tls };
  };

  it.each([
    'redis://127.0.0.1:6379',
    'redis://localhost',
    'redis://cache.internal:6380/2',
    'redis://:s3cret@cache.internal:6379/0',
    'redis://app:p%40ss%3Aword@10.0.0.5:7000/15',
    'rediss://app:pw@redis.example.com:6380',
    'redis://[::1]:6379/1',
  ])('connects where ioredis would for %s', (url) => {
    const options = bullmqConnection(url) as Record<string, unknown>;
    const expected = ioredisReading(url);
    expect({
      host: options.host,
      port: options.port,
      username: options.username,
      password: options.password,
      db: options.db ?? 0,
      tls: !!options.tls,
    }).toEqual(expected);
  });

  it('asks for what BullMQ workers need, and the connect bound when given', () => {
    expect(bullmqConnection(REDIS)).toMatchObject({ maxRetriesPerRequest: null });
    expect(bullmqConnection(REDIS, 1234)).toMatchObject({ connectTimeout: 1234 });
    expect(bullmqConnection(REDIS)).not.toHaveProperty('connectTimeout');
  });

  it('refuses what is not a Redis URL, without quoting it (it may hold a password)', () => {
    for (const url of ['not a url', 'http://user:hunter2@host:6379', 'redis://host:6379/zero']) {
      let message = '';
      try {
        bullmqConnection(url);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^REDIS_URL/);
      expect(message).not.toContain('hunter2');
    }
  });
});
