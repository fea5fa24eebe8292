import type { ConnectionOptions } from 'bullmq';
import type { Env } from '../senders/sender-env.js';

/** The variables that choose how deliveries are processed, and tune queue mode. */
export const PROCESSING_VARIABLES = [
  'WEBHOOKS_PROCESSING',
  'RECEIVER_ROLE',
  'WEBHOOKS_QUEUE_NAME',
  'WEBHOOKS_QUEUE_TIMEOUT_MS',
  'WEBHOOKS_ATTEMPTS',
  'WEBHOOKS_BACKOFF_MS',
  'WEBHOOKS_CONCURRENCY',
  'WEBHOOKS_LOCK_DURATION_MS',
  'WEBHOOKS_STALLED_INTERVAL_MS',
  'WEBHOOKS_LEASE_MS',
] as const;

/**
 * What this process does:
 * - `all`: answers senders, serves /api, and runs a worker (queue mode) or the handlers inline;
 * - `api`: answers senders and serves /api; its deliveries wait for workers elsewhere;
 * - `worker`: runs queued deliveries and serves /health and /metrics only.
 */
export type ReceiverRole = 'all' | 'api' | 'worker';

export const RECEIVER_ROLES: readonly ReceiverRole[] = ['all', 'api', 'worker'];

/** Queue mode's settings; each is unset (the library's default) unless its variable is set. */
export interface QueueSettings {
  /** REDIS_URL, which holds the queue as well as the idempotency store. */
  redisUrl: string;
  /** WEBHOOKS_QUEUE_NAME, default `webhooks`: every api and worker of one receiver must agree. */
  queueName: string;
  /** WEBHOOKS_QUEUE_TIMEOUT_MS: longest wait for the queue to take a delivery before a 500 (library default 5 s). */
  queueTimeoutMs?: number;
  /** WEBHOOKS_ATTEMPTS: attempts at each delivery, the first included (library default 10). */
  attempts?: number;
  /** WEBHOOKS_BACKOFF_MS: the first retry's wait, doubled for each next one (library default 1000). */
  backoffMs?: number;
  /** WEBHOOKS_CONCURRENCY: deliveries one worker runs at once (library default 10). */
  concurrency?: number;
  /** WEBHOOKS_LOCK_DURATION_MS: how long a dead worker holds its deliveries (BullMQ default 30 s). */
  lockDurationMs?: number;
  /** WEBHOOKS_STALLED_INTERVAL_MS: how often workers look for a dead worker's deliveries (BullMQ default 30 s). */
  stalledIntervalMs?: number;
}

export interface ReceiverProcessing {
  /** `inline`: the reply waits for the handlers. `queue`: 200 once BullMQ holds the delivery, workers run them. */
  mode: 'inline' | 'queue';
  role: ReceiverRole;
  /** Set in queue mode only. */
  queue?: QueueSettings;
  /** WEBHOOKS_LEASE_MS: how long a claim on an idempotency key lasts (library default 60 s), both modes. */
  leaseMs?: number;
  /** Lines to log at startup; they name variables, never values. */
  warnings: string[];
}

const QUEUE_ONLY = PROCESSING_VARIABLES.filter(
  (name) => name !== 'WEBHOOKS_PROCESSING' && name !== 'RECEIVER_ROLE' && name !== 'WEBHOOKS_LEASE_MS',
);

/**
 * How the receiver processes deliveries, from its environment. Throws (the receiver does not start)
 * on a value it cannot honour, naming the variable: a typo must not quietly mean inline mode, or a
 * process that serves nothing.
 */
export function processingFromEnv(env: Env): ReceiverProcessing {
  const text = (name: string) => env[name]?.trim() || undefined;
  const mode = text('WEBHOOKS_PROCESSING') ?? 'inline';
  if (mode !== 'inline' && mode !== 'queue') {
    throw new Error(`WEBHOOKS_PROCESSING must be "inline" or "queue", not "${mode}"`);
  }
  const role = text('RECEIVER_ROLE') ?? 'all';
  if (!(RECEIVER_ROLES as readonly string[]).includes(role)) {
    throw new Error(`RECEIVER_ROLE must be "all", "api" or "worker", not "${role}"`);
  }
  const leaseMs = positiveInteger('WEBHOOKS_LEASE_MS', text('WEBHOOKS_LEASE_MS'));
  const common = { role: role as ReceiverRole, ...(leaseMs === undefined ? {} : { leaseMs }) };

  if (mode === 'inline') {
    // An api that queues nothing, or a worker with no queue to take from, would serve nothing useful.
    if (role !== 'all') {
      throw new Error(
        `RECEIVER_ROLE=${role} needs WEBHOOKS_PROCESSING=queue (inline mode is one process: all)`,
      );
    }
    const ignored = QUEUE_ONLY.filter((name) => text(name) !== undefined);
    const warnings = ignored.length
      ? [
          `${ignored.join(', ')} ${ignored.length > 1 ? 'are' : 'is'} ignored: WEBHOOKS_PROCESSING is not queue`,
        ]
      : [];
    return { mode, ...common, warnings };
  }

  const redisUrl = text('REDIS_URL');
  if (redisUrl === undefined) {
    throw new Error(
      'WEBHOOKS_PROCESSING=queue needs REDIS_URL: the queue and the idempotency store live in Redis',
    );
  }
  const queueName = text('WEBHOOKS_QUEUE_NAME') ?? 'webhooks';
  // BullMQ's own rule, said at startup rather than at the first delivery.
  if (queueName.includes(':')) throw new Error(`WEBHOOKS_QUEUE_NAME must not contain ":"`);
  const settings: QueueSettings = { redisUrl, queueName };
  const tuning = {
    queueTimeoutMs: 'WEBHOOKS_QUEUE_TIMEOUT_MS',
    attempts: 'WEBHOOKS_ATTEMPTS',
    backoffMs: 'WEBHOOKS_BACKOFF_MS',
    concurrency: 'WEBHOOKS_CONCURRENCY',
    lockDurationMs: 'WEBHOOKS_LOCK_DURATION_MS',
    stalledIntervalMs: 'WEBHOOKS_STALLED_INTERVAL_MS',
  } as const;
  for (const [setting, name] of Object.entries(tuning) as [keyof typeof tuning, string][]) {
    const value = positiveInteger(name, text(name));
    if (value !== undefined) settings[setting] = value;
  }
  const warnings =
    role === 'api' && settings.concurrency !== undefined
      ? ['WEBHOOKS_CONCURRENCY is ignored: RECEIVER_ROLE=api runs no worker']
      : [];
  return { mode, ...common, queue: settings, warnings };
}

function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) <= 0 || !Number.isSafeInteger(Number(value))) {
    throw new Error(`${name} must be a positive whole number, not "${value}"`);
  }
  return Number(value);
}

/**
 * BullMQ's connection options from REDIS_URL (`redis://` or `rediss://`, user, password, database
 * number as the path). Options rather than a client: BullMQ makes its own connections, a blocking
 * one per worker among them, and those need `maxRetriesPerRequest: null`, which BullMQ insists on.
 */
export function bullmqConnection(url: string, connectTimeoutMs?: number): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('REDIS_URL is not a URL (redis://host:port/db)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`REDIS_URL must start with redis:// or rediss://, not ${parsed.protocol}//`);
  }
  const db = parsed.pathname.replace(/^\/+/, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new Error('REDIS_URL: the path must be a database number');
  return {
    // URL keeps IPv6 literals bracketed; ioredis wants them bare.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    ...(connectTimeoutMs === undefined ? {} : { connectTimeout: connectTimeoutMs }),
    maxRetriesPerRequest: null,
  };
}
