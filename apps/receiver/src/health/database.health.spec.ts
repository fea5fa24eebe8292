import { describe, expect, it } from '@jest/globals';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { RecordsRepository } from '../database/index.js';
import { DatabaseHealthIndicator } from './database.health.js';
import { captureLogs } from '../../../../test/support/logs.js';

function indicatorWith(ping: (timeoutMs?: number) => Promise<void>, timeoutMs = 1_000) {
  const records = { ping } as Pick<RecordsRepository, 'ping'> as RecordsRepository;
  return new DatabaseHealthIndicator(records, new HealthIndicatorService(), timeoutMs);
}

describe('DatabaseHealthIndicator', () => {
  const warned = captureLogs();

  it('is always checked: every receiver has its database', () => {
    expect(indicatorWith(() => Promise.resolve()).configured).toBe(true);
  });

  it('is up when select 1 answers, and hands the repository the timeout', async () => {
    const asked: (number | undefined)[] = [];
    const indicator = indicatorWith(async (ms) => {
      asked.push(ms);
    }, 1_234);
    expect(await indicator.check()).toEqual({ database: { status: 'up' } });
    expect(asked).toEqual([1_234]);
  });

  it('is down, with no reason in the result, when the query fails', async () => {
    const indicator = indicatorWith(() =>
      Promise.reject(
        new Error('Failed query: select 1', { cause: new Error('password authentication failed for "app"') }),
      ),
    );
    const result = await indicator.check();
    expect(result).toEqual({ database: { status: 'down' } });
    expect(warned).toEqual(['WARN Database is down: password authentication failed for "app"']);
  });

  it('is down within the timeout when the database hangs', async () => {
    const indicator = indicatorWith(() => new Promise(() => undefined), 100);
    const started = performance.now();
    expect(await indicator.check()).toEqual({ database: { status: 'down' } });
    expect(performance.now() - started).toBeLessThan(600);
  });
});
