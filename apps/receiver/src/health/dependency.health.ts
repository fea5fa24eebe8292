import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { millisecondsFrom } from '../database/index.js';

/** How long each check of /health waits for its dependency before calling it down. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;

/** The bound of each check, in milliseconds (HEALTH_TIMEOUT_MS). */
export const HEALTH_TIMEOUT_MS = Symbol('HEALTH_TIMEOUT_MS');

/**
 * HEALTH_TIMEOUT_MS, default 2 000 ms. Refuses (the receiver does not start) what is not a positive
 * whole number of milliseconds, since a typo would otherwise mean no bound.
 */
export function healthTimeoutFrom(config: Pick<ConfigService, 'get'>): number {
  return millisecondsFrom(
    'HEALTH_TIMEOUT_MS',
    config.get<string>('HEALTH_TIMEOUT_MS'),
    DEFAULT_HEALTH_TIMEOUT_MS,
  );
}

/**
 * One dependency of the receiver, as /health sees it: `up` when it answers within the timeout,
 * `down` otherwise. The reason goes to the log, once when the dependency goes down and once when
 * it is back, and never to the reply: /health is open to anyone, and an error can name hosts,
 * users or queries.
 */
export abstract class DependencyHealthIndicator<const Key extends string = string> {
  private readonly logger = new Logger('Health');
  private down = false;

  protected constructor(
    /** The dependency's name in the reply (`info`, `error`, `details`). */
    readonly key: Key,
    /** Its name in the log: "<label> is down: <reason>". */
    private readonly label: string,
    private readonly indicators: HealthIndicatorService,
    protected readonly timeoutMs: number,
  ) {}

  /** Whether the receiver uses this dependency at all; one it does not use is not checked. */
  abstract get configured(): boolean;

  /**
   * Resolves when the dependency answers, rejects with the reason when it does not. `signal`
   * aborts at the timeout; a check that cannot be cancelled is answered `down` all the same.
   */
  protected abstract ping(signal: AbortSignal): Promise<unknown>;

  async check(): Promise<HealthIndicatorResult<Key>> {
    const session = this.indicators.check(this.key);
    const attempt = await session
      .attempt(({ signal }) =>
        this.ping(signal).then(
          () => undefined,
          // Terminus keeps only the message; the useful part may be in the cause (drizzle's does).
          (error: unknown) => Promise.reject(new Error(reasonOf(error))),
        ),
      )
      .withTimeout(this.timeoutMs);
    const { status, message } = attempt[this.key] as { status: string; message?: unknown };
    if (status === 'up') {
      if (this.down) this.logger.log(`${this.label} is up again`);
      this.down = false;
      return session.up();
    }
    // Once per outage: checkers poll every few seconds. Read and set with no await between, so
    // that checks running at the same time log it once too.
    if (!this.down) this.logger.warn(`${this.label} is down: ${String(message)}`);
    this.down = true;
    return session.down();
  }
}

/** One line of why: drizzle's error quotes the query, the driver's (its cause) says why. */
export function reasonOf(error: unknown): string {
  const reason = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const message = reason instanceof Error ? reason.message : String(reason);
  return message.split(/\r|\n/, 1)[0];
}
