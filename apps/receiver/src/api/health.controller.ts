import { Controller, Get, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { millisecondsFrom, RecordsRepository } from '../database/index.js';

/** How long /health waits for the database before it answers 503. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;

/** Open to anyone (load balancers, orchestrators): it says up or down and nothing more. */
@Controller()
export class HealthController {
  // Shorter than the checkers' own timeouts: a check that times out on their side says less
  // (and holds a connection longer) than a prompt 503.
  private readonly timeoutMs: number;
  private readonly logger = new Logger('Health');
  private down = false;

  constructor(
    private readonly records: RecordsRepository,
    config: ConfigService,
  ) {
    this.timeoutMs = millisecondsFrom(
      'HEALTH_TIMEOUT_MS',
      config.get<string>('HEALTH_TIMEOUT_MS'),
      DEFAULT_HEALTH_TIMEOUT_MS,
    );
  }

  @Get('health')
  async health() {
    try {
      await this.records.ping(this.timeoutMs);
    } catch (error) {
      // The reason goes to the log, not to whoever asks. Once per outage: checkers poll every few seconds.
      if (!this.down) this.logger.warn(`Database is down: ${reasonOf(error)}`);
      this.down = true;
      throw new ServiceUnavailableException({ status: 'error', database: 'down' });
    }
    if (this.down) this.logger.log('Database is up again');
    this.down = false;
    return { status: 'ok', database: 'up' };
  }
}

// Drizzle's error quotes the query; the driver's, under it, says why. One line of it.
function reasonOf(error: unknown): string {
  const reason = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const message = reason instanceof Error ? reason.message : String(reason);
  return message.split(/\r|\n/, 1)[0];
}
