import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A database of its own on the server at adminUrl, so test files sharing the server see nothing of each other. */
export async function createScratchDatabase(
  adminUrl: string,
  prefix = 'receiver_test',
): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Where a receiver under test keeps its data: the variables that say so, and what to drop after. */
export interface ReceiverDatabase {
  env: { PGLITE_DATA_DIR?: string; DATABASE_URL?: string };
  scratch?: ScratchDatabase;
}

/**
 * The databases a receiver suite runs on, for `describe.each`: embedded PGlite always, and a
 * scratch database named after `prefix` on the server of DATABASE_URL_TEST when it is set.
 */
export function receiverDatabases(prefix: string): [string, () => Promise<ReceiverDatabase>][] {
  const adminUrl = process.env.DATABASE_URL_TEST;
  const databases: [string, () => Promise<ReceiverDatabase>][] = [
    ['PGlite', async () => ({ env: { PGLITE_DATA_DIR: 'memory://' } })],
  ];
  if (adminUrl) {
    databases.push([
      'PostgreSQL',
      async () => {
        const scratch = await createScratchDatabase(adminUrl, prefix);
        return { env: { DATABASE_URL: scratch.url }, scratch };
      },
    ]);
  }
  return databases;
}
