import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { Logger } from '@nestjs/common';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from './schema.js';

/** The Drizzle database, whichever driver is behind it. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseOptions {
  /** `postgres://…`: use that server; absent: embedded PGlite. */
  url?: string;
  /** PGlite data folder; `memory://` keeps nothing. Default `.data/pglite` under the working directory. */
  dataDir?: string;
  /** Folder of the drizzle-kit migrations; default apps/receiver/drizzle. */
  migrationsFolder?: string;
  /** Bounds on waiting for PostgreSQL; PGlite runs in the process and needs none. */
  timeouts?: Partial<DatabaseTimeouts>;
}

/**
 * A PostgreSQL server that stops answering must cost a delivery a bounded wait, then a 500 that the
 * sender retries, rather than hold it (and the pool's connections) for as long as TCP takes to
 * give up, which is minutes.
 */
export interface DatabaseTimeouts {
  /** To open a connection, or to get one from the pool when all are in use. */
  connectMs: number;
  /**
   * For one statement. The server cancels it after this (statement_timeout), which leaves the
   * connection usable; the client stops waiting after this too (query_timeout), for a server that
   * cannot answer at all, and then discards the connection.
   */
  queryMs: number;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = { connectMs: 3_000, queryMs: 3_000 };

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** Applies the pending migrations; a no-op when there are none. */
  migrate(): Promise<void>;
  /** Closes the client; later calls do nothing. */
  close(): Promise<void>;
}

/** Nest injection tokens: the Drizzle database, and the handle that owns its client. */
export const DRIZZLE = Symbol('DRIZZLE');
export const DATABASE_HANDLE = Symbol('DATABASE_HANDLE');

export const DEFAULT_PGLITE_DIR = '.data/pglite';
const MEMORY = 'memory://';

// Both src/database (ts sources under jest) and dist/database (compiled app) sit two levels below
// apps/receiver, so the same relative URL finds the committed migrations from either.
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

// Any constant will do; it only has to be the same in every instance of the app.
const MIGRATION_LOCK_ID = 0x7765_6268;

export function createDatabase(options: DatabaseOptions = {}): DatabaseHandle {
  const migrationsFolder = options.migrationsFolder ?? MIGRATIONS_FOLDER;
  return options.url
    ? createPostgres(options.url, migrationsFolder, { ...DEFAULT_DATABASE_TIMEOUTS, ...options.timeouts })
    : createPglite(options.dataDir || DEFAULT_PGLITE_DIR, migrationsFolder);
}

// setTimeout's ceiling: a bound above it would fire at once, not never.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * A duration setting in milliseconds from the environment: `fallback` when unset or blank, and an
 * error (the app does not start) when it is anything but a positive whole number up to setTimeout's
 * ceiling (about 24.8 days), since a typo would otherwise mean no bound at all, or one of 1 ms.
 */
export function millisecondsFrom(name: string, value: string | undefined, fallback: number): number {
  const text = value?.trim();
  if (!text) return fallback;
  if (!/^\d+$/.test(text) || Number(text) <= 0 || !Number.isSafeInteger(Number(text))) {
    throw new Error(`${name} must be a positive number of milliseconds, not "${text}"`);
  }
  if (Number(text) > MAX_TIMEOUT_MS) {
    throw new Error(`${name} must be at most ${MAX_TIMEOUT_MS} milliseconds, not "${text}"`);
  }
  return Number(text);
}

function createPglite(dataDir: string, migrationsFolder: string): DatabaseHandle {
  let path = dataDir;
  if (dataDir !== MEMORY) {
    path = resolve(dataDir);
    // PGlite creates only the last folder of the path; `.data/` is not there on a fresh clone.
    mkdirSync(path, { recursive: true });
  }
  const client = new PGlite(path);
  const db = drizzlePglite({ client, schema });
  return {
    db,
    kind: 'pglite',
    migrate: () => migratePglite(db, { migrationsFolder }),
    close: once(() => client.close()),
  };
}

function createPostgres(url: string, migrationsFolder: string, timeouts: DatabaseTimeouts): DatabaseHandle {
  const logger = new Logger('Database');
  // One line when connections start failing and one when a new one succeeds, not one per client:
  // a restart drops them all at once. The message only, which is the driver's or the server's own
  // and holds no query nor parameter.
  let failing = false;
  const dropped = (error: Error) => {
    if (!failing) logger.warn(`PostgreSQL connection dropped: ${firstLine(error.message)}`);
    failing = true;
  };
  const pool = new GuardedPool(
    {
      connectionString: url,
      connectionTimeoutMillis: timeouts.connectMs,
      statement_timeout: timeouts.queryMs,
      query_timeout: timeouts.queryMs,
      keepAlive: true,
    },
    dropped,
  );
  // A connection can drop at any time (a restart, a failover, pg_terminate_backend): its client then
  // emits 'error', and an 'error' nobody listens to ends the process. The pool listens only while a
  // client is idle; this listener stays for the client's whole life, checked out or not. The query
  // in progress fails by itself (its delivery gets 500) and the pool replaces the client.
  pool.on('connect', (client) => {
    if (failing) logger.log('PostgreSQL connections succeed again');
    failing = false;
    client.on('error', dropped);
  });
  // The pool re-emits an idle client's error, which the listener above has already logged.
  pool.on('error', () => undefined);
  const db = drizzlePg({ client: pool, schema });
  return {
    db,
    kind: 'postgres',
    migrate: async () => {
      // A connection of its own, without the statement bounds: a migration may rightly take longer
      // than a delivery's statements may, and so may waiting for another instance's migration.
      const client = new pg.Client({
        connectionString: url,
        connectionTimeoutMillis: timeouts.connectMs,
        keepAlive: true,
      });
      client.on('error', (error) =>
        logger.warn(`PostgreSQL connection lost while migrating: ${firstLine(error.message)}`),
      );
      await client.connect();
      try {
        // Several instances may start together: the lock lets one migrate while the others wait,
        // then find nothing left to do. Ending the session releases it, even on a broken connection.
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
        await migratePg(drizzlePg({ client, schema }), { migrationsFolder });
      } finally {
        await client.end();
      }
    },
    close: once(() => pool.end()),
  };
}

/**
 * The pool Drizzle checks a client out of for each transaction. After a query timed out or lost its
 * connection, the client is in no known state: a timed-out query may still be running on it, and
 * a ROLLBACK sent behind it would only wait as long again. Such a client fails its next queries at
 * once, with the error that broke it (so the delivery's log says why), and leaves the pool at once:
 * back in it, it would fail the next delivery that got it, and Drizzle does not release a client
 * whose BEGIN failed, which would hold its place in the pool for good.
 * (`pool.query`, the other way in, releases a client with its query's error and needs none of this.)
 */
class GuardedPool extends pg.Pool {
  constructor(
    config: pg.PoolConfig,
    private readonly onUnusable: (error: Error) => void,
  ) {
    super(config);
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(
    callback: (
      err: Error | undefined,
      client: pg.PoolClient | undefined,
      done: (release?: unknown) => void,
    ) => void,
  ): void;
  override connect(
    callback?: (
      err: Error | undefined,
      client: pg.PoolClient | undefined,
      done: (release?: unknown) => void,
    ) => void,
  ): Promise<pg.PoolClient> | void {
    if (callback) return super.connect(callback);
    return super.connect().then((client) => guard(client, this.onUnusable));
  }
}

/** The current checkout of a client handed out by GuardedPool.connect(). */
interface Checkout {
  release: (error?: Error | boolean) => void;
  broken?: Error;
  done: boolean;
}

const checkouts = new WeakMap<pg.ClientBase, Checkout>();
const guarded = new WeakSet<pg.ClientBase>();

function guard(client: pg.PoolClient, onUnusable: (error: Error) => void): pg.PoolClient {
  // The pool hands the same client out again and again: its query is wrapped once, and the
  // wrapper looks up the checkout of the moment (none while idle or used by pool.query).
  if (!guarded.has(client)) {
    guarded.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const checkout = checkouts.get(client);
      if (!checkout) return query(...args);
      if (checkout.broken) return Promise.reject(checkout.broken);
      const result = query(...args);
      // Attached before the caller's own handlers, so it has run by the time the caller reacts
      // (with a ROLLBACK, say) to the failure.
      if (result instanceof Promise) {
        result.catch((error: unknown) => {
          if (checkout.done || checkout.broken || leavesSessionUsable(error)) return;
          checkout.broken = error instanceof Error ? error : new Error(String(error));
          onUnusable(checkout.broken);
          finish(client, checkout, checkout.broken);
        });
      }
      return result;
    }) as typeof client.query;
  }
  const checkout: Checkout = { release: client.release, done: false };
  checkouts.set(client, checkout);
  client.release = (error?: Error | boolean) => {
    // Already discarded when it broke; a second release of a healthy checkout still throws, as it should.
    if (checkout.broken) return;
    finish(client, checkout, error);
  };
  return client;
}

function finish(client: pg.ClientBase, checkout: Checkout, error?: Error | boolean): void {
  if (checkouts.get(client) === checkout) checkouts.delete(client);
  checkout.done = true;
  checkout.release(error);
}

/**
 * An error the server reported about a statement (a constraint, a cancelled statement) ends the
 * statement or the transaction, not the session. A FATAL one ends the session; anything that is not
 * the server's answer (a timeout, a cut connection) leaves the session's state unknown.
 */
function leavesSessionUsable(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.severity !== 'FATAL' && error.severity !== 'PANIC';
}

function firstLine(text: string): string {
  return text.split(/\r|\n/, 1)[0].trim() || 'no message';
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
