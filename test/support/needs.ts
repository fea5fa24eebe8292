import { describe } from '@jest/globals';

/** What a suite may need that a laptop may not have, and how to provide it. */
export const NEEDS = {
  Redis: 'set REDIS_URL_TEST, or start redis-server on 127.0.0.1:6379',
  PostgreSQL: 'set DATABASE_URL_TEST, e.g. postgres://postgres@127.0.0.1:5432/test',
  'a built library': 'run npm run build first',
  'a redis-server binary': 'install redis-server (Debian: apt-get install redis-server)',
  Chromium: "install Debian's chromium (apt-get install -y chromium)",
} as const;

export type Need = keyof typeof NEEDS;

/**
 * `describe` when `available`, else `describe.skip` with the need in the title, which the skip
 * reporter (test/support/skip-reporter.mjs) lists at the end of `npm test`, and fails on in CI.
 */
export function describeIf(available: unknown, need: Need): typeof describe {
  if (available) return describe;
  const skip = ((name: string, fn: () => void) =>
    describe.skip(`${name} [needs ${need}: ${NEEDS[need]}]`, fn)) as typeof describe;
  return skip;
}
