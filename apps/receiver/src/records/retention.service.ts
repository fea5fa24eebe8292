import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { RecordsRepository } from '../database/index.js';

/** How long the delivery log (each row with its body and headers) is kept, in days. */
export const DEFAULT_RETENTION_DAYS = 30;

/** How retention runs; the receiver sets them from RETENTION_DAYS, tests set them all. */
export interface RetentionOptions {
  /** Rows received more than this many days ago are deleted; 0 keeps everything. Default 30. */
  days: number;
  /** Rows per DELETE statement. Default 1,000: each statement is short and locks only its rows. */
  batchSize: number;
  /** Pause between two batches, so that deliveries' own writes get the database in between. Default 50 ms. */
  pauseMs: number;
  /** How often a pass runs; the first runs at startup. Default one hour. */
  intervalMs: number;
}

export const DEFAULT_RETENTION: RetentionOptions = {
  days: DEFAULT_RETENTION_DAYS,
  batchSize: 1_000,
  pauseMs: 50,
  intervalMs: 60 * 60 * 1000,
};

/** Token for overriding the options (tests); the receiver reads RETENTION_DAYS. */
export const RETENTION_OPTIONS = Symbol('RETENTION_OPTIONS');

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * RETENTION_DAYS: a whole number of days, 0 to keep the log for good; unset or blank, 30. Anything
 * else stops startup naming the variable, since a typo would otherwise keep or delete the wrong rows.
 */
export function retentionDaysFrom(value: string | undefined): number {
  const text = value?.trim();
  if (!text) return DEFAULT_RETENTION_DAYS;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new Error(`RETENTION_DAYS must be a whole number of days (0 keeps everything), not "${text}"`);
  }
  return Number(text);
}

/**
 * Prunes the delivery log: rows (their stored bodies and headers with them) and worker attempts
 * older than the retention window, in small batches with a pause between them, so that neither
 * table is locked and deliveries keep being logged while it runs. Records (the senders' tables)
 * are the app's data, not its log, and are kept. Every instance may run it: batches of two
 * instances never wait on each other for longer than one batch.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private readonly options: RetentionOptions;
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopped = false;

  constructor(
    private readonly records: RecordsRepository,
    config: ConfigService,
    @Inject(RETENTION_OPTIONS) overrides: Partial<RetentionOptions> | null,
  ) {
    this.options = {
      ...DEFAULT_RETENTION,
      days: retentionDaysFrom(config.get<string>('RETENTION_DAYS')),
      ...overrides,
    };
  }

  onApplicationBootstrap(): void {
    const { days, intervalMs } = this.options;
    if (days === 0) {
      this.logger.log('Delivery log retention: RETENTION_DAYS=0, every row is kept');
      return;
    }
    this.logger.log(
      `Delivery log retention: rows older than ${days} days are pruned every ${intervalMs / 60_000} min`,
    );
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), intervalMs);
    // A pending pass must not keep a process alive that is otherwise done.
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    // The database closes after this hook: let the batch in progress finish first.
    await this.running?.catch(() => undefined);
  }

  /**
   * One pass: batches until nothing older than the window is left. Resolves with the log rows
   * deleted; never rejects (a failure is logged, and the next pass tries again).
   */
  runOnce(now = new Date()): Promise<number> {
    // One pass at a time: a slow pass is not joined by the next tick's.
    this.running ??= this.prune(now).finally(() => (this.running = undefined));
    return this.running;
  }

  // Each pass ends with the log's statistics refreshed, which PGlite would otherwise never have.
  private async prune(now: Date): Promise<number> {
    const { days, batchSize, pauseMs } = this.options;
    if (days === 0) return 0;
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    let total = 0;
    try {
      while (!this.stopped) {
        const batch = await this.records.pruneBefore(cutoff, batchSize);
        total += batch.deliveries;
        if (batch.deliveries < batchSize && batch.attempts < batchSize) break;
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    } catch (error) {
      this.logger.warn(`Pruning stopped after ${total} rows: ${(error as Error).message}`);
      return total;
    }
    if (total > 0)
      this.logger.log(`Pruned ${total} delivery log rows received before ${cutoff.toISOString()}`);
    await this.records
      .refreshStatistics()
      .catch((error: Error) => this.logger.warn(`Could not refresh the log's statistics: ${error.message}`));
    return total;
  }
}
