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
}

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
    ? createPostgres(options.url, migrationsFolder)
    : createPglite(options.dataDir || DEFAULT_PGLITE_DIR, migrationsFolder);
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

function createPostgres(url: string, migrationsFolder: string): DatabaseHandle {
  const pool = new pg.Pool({ connectionString: url });
  // An idle client dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', (error) => new Logger('Database').warn(`idle PostgreSQL client: ${error.message}`));
  const db = drizzlePg({ client: pool, schema });
  return {
    db,
    kind: 'postgres',
    // Several instances may start together: the lock lets one migrate while the others wait,
    // then find nothing left to do.
    migrate: async () => {
      const lock = await pool.connect();
      try {
        await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
        await migratePg(db, { migrationsFolder });
      } finally {
        // On a broken connection the unlock fails: discarding that session frees the lock instead.
        const unlocked = await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).then(
          () => true,
          () => false,
        );
        lock.release(!unlocked);
      }
    },
    close: once(() => pool.end()),
  };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
