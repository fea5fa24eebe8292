import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { RecordsRepository } from '../database/index.js';
import { DependencyHealthIndicator, HEALTH_TIMEOUT_MS } from './dependency.health.js';

/** The delivery log's database (PGlite or PostgreSQL), which every receiver has: `select 1`. */
@Injectable()
export class DatabaseHealthIndicator extends DependencyHealthIndicator<'database'> {
  constructor(
    private readonly records: RecordsRepository,
    indicators: HealthIndicatorService,
    @Inject(HEALTH_TIMEOUT_MS) timeoutMs: number,
  ) {
    super('database', 'Database', indicators, timeoutMs);
  }

  get configured(): boolean {
    return true;
  }

  // The repository's own bound lets go of the query's promise; the query itself ends within the
  // pool's bounds.
  protected ping(): Promise<void> {
    return this.records.ping(this.timeoutMs);
  }
}
