import { readFileSync } from 'node:fs';
import { MIGRATIONS_FOLDER } from '../../apps/receiver/src/database/index.js';

/** Every committed migration of the receiver, as drizzle's journal lists them. */
export const MIGRATIONS = (
  JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as {
    entries: { tag: string }[];
  }
).entries;
