import { describe, expect, it } from '@jest/globals';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DependencyHealthIndicator, healthTimeoutFrom, reasonOf } from './dependency.health.js';
import { captureLogs } from '../../../../test/support/logs.js';

/** A dependency whose answer the test decides, one ping at a time. */
class FakeHealthIndicator extends DependencyHealthIndicator<'fake'> {
  answer: (signal: AbortSignal) => Promise<unknown> = () => Promise.resolve();
  constructor(timeoutMs = 1_000) {
    super('fake', 'Fake', new HealthIndicatorService(), timeoutMs);
  }
  get configured(): boolean {
    return true;
  }
  protected ping(signal: AbortSignal): Promise<unknown> {
    return this.answer(signal);
  }
}

const secret = 'postgres://admin:hunter2@db.internal:5432/prod';
const refused = () => Promise.reject(new Error(`connect ECONNREFUSED for ${secret}`));

describe('DependencyHealthIndicator', () => {
  const logged = captureLogs(['warn', 'log']);

  it('is up, saying nothing more, when the dependency answers', async () => {
    const fake = new FakeHealthIndicator();
    expect(await fake.check()).toEqual({ fake: { status: 'up' } });
    expect(logged).toEqual([]);
  });

  it('is down without the reason, which goes to the log instead', async () => {
    const fake = new FakeHealthIndicator();
    fake.answer = refused;
    const result = await fake.check();
    expect(result).toEqual({ fake: { status: 'down' } });
    expect(JSON.stringify(result)).not.toContain('hunter2');
    expect(logged).toEqual([`WARN Fake is down: connect ECONNREFUSED for ${secret}`]);
  });

  it('logs an outage once however often it is checked, and once when it is over', async () => {
    const fake = new FakeHealthIndicator();
    fake.answer = refused;
    // Several checkers polling at the same moment as the outage starts.
    await Promise.all([fake.check(), fake.check(), fake.check()]);
    await fake.check();
    fake.answer = () => Promise.resolve();
    await fake.check();
    await fake.check();
    fake.answer = () => Promise.reject(new Error('gone again'));
    await fake.check();
    expect(logged).toEqual([
      `WARN Fake is down: connect ECONNREFUSED for ${secret}`,
      'LOG Fake is up again',
      'WARN Fake is down: gone again',
    ]);
  });

  it('is down at the timeout when the dependency never answers, and aborts its signal', async () => {
    const fake = new FakeHealthIndicator(100);
    let signal: AbortSignal | undefined;
    fake.answer = (given) => {
      signal = given;
      return new Promise(() => undefined);
    };
    const started = performance.now();
    expect(await fake.check()).toEqual({ fake: { status: 'down' } });
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(90);
    expect(took).toBeLessThan(600);
    expect(signal?.aborted).toBe(true);
    expect(logged).toEqual(['WARN Fake is down: timeout of 100ms exceeded']);
  });

  it('logs one line of the cause, where drizzle puts the driver’s reason', () => {
    const error = new Error('Failed query: select 1\nparams: ', {
      cause: new Error('Connection terminated unexpectedly\nat Socket'),
    });
    expect(reasonOf(error)).toBe('Connection terminated unexpectedly');
    expect(reasonOf('plain')).toBe('plain');
  });
});

describe('healthTimeoutFrom', () => {
  const config = (value?: string) => ({ get: <T>() => value as T });

  it('is 2 000 ms unless HEALTH_TIMEOUT_MS says otherwise', () => {
    expect(healthTimeoutFrom(config())).toBe(2_000);
    expect(healthTimeoutFrom(config(' '))).toBe(2_000);
    expect(healthTimeoutFrom(config('750'))).toBe(750);
  });

  it.each(['5s', '0', '-1', '1.5'])('refuses %j: a typo must not mean no bound', (value) => {
    expect(() => healthTimeoutFrom(config(value))).toThrow(
      `HEALTH_TIMEOUT_MS must be a positive number of milliseconds, not "${value}"`,
    );
  });

  it('refuses more than a timer can wait', () => {
    expect(() => healthTimeoutFrom(config(String(2 ** 31)))).toThrow('HEALTH_TIMEOUT_MS must be at most');
  });
});
