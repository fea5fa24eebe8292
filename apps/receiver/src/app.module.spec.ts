import { describe, expect, it } from '@jest/globals';
import { RECEIVER_VARIABLES } from './app.module.js';

describe('RECEIVER_VARIABLES', () => {
  it("keeps the environment contract: the same variables, its senders' included, in the same order", () => {
    expect(RECEIVER_VARIABLES).toEqual([
      'PORT',
      'ADMIN_TOKEN',
      'DATABASE_URL',
      'DATABASE_CONNECT_TIMEOUT_MS',
      'DATABASE_QUERY_TIMEOUT_MS',
      'HEALTH_TIMEOUT_MS',
      'PGLITE_DATA_DIR',
      'REDIS_URL',
      'REDIS_KEY_PREFIX',
      'REDIS_CONNECT_TIMEOUT_MS',
      'REDIS_COMMAND_TIMEOUT_MS',
      'RETENTION_DAYS',
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
      'OXSKYT_WEBHOOK_SECRET',
      'INKIT_WEBHOOK_SECRET',
      'OVCODE_API_SECRET',
      'CERTIFICALL_AUTH_TOKEN',
      'CERTIFICALL_API_KEY',
      'CERTIFICALL_API_SECRET',
      'CERTIFICALL_BASIC_USERNAME',
      'CERTIFICALL_BASIC_PASSWORD',
      'ILLOW_PUBLIC_KEY',
      'GITHUB_WEBHOOK_SECRET',
      'STRIPE_WEBHOOK_SECRET',
      'STANDARD_WEBHOOKS_SECRET',
    ]);
  });
});
