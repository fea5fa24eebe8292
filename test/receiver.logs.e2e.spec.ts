import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { signInkit } from 'nestjs-webhooks/testing';
import request from 'supertest';
import { createReceiver } from '../apps/receiver/src/bootstrap.js';
import { DRIZZLE, type Database } from '../apps/receiver/src/database/index.js';
import { credentials } from './support/senders.js';

/** Every line the app logs, as text. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private keep(level: string, message: unknown, rest: unknown[]) {
    this.lines.push(
      [level, message, ...rest]
        .map((part) => (typeof part === 'string' ? part : JSON.stringify(part)))
        .join(' '),
    );
  }
  log(message: unknown, ...rest: unknown[]) {
    this.keep('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.keep('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.keep('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.keep('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.keep('verbose', message, rest);
  }
}

describe('what the receiver logs', () => {
  const logger = new CapturingLogger();
  let app: INestApplication;
  let startup: string[] = [];

  beforeAll(async () => {
    app = await createReceiver({
      env: {
        PGLITE_DATA_DIR: 'memory://',
        INKIT_WEBHOOK_SECRET: credentials.inkit,
        OVCODE_API_SECRET: 'a-rotated-out-secret-0001,short',
      },
      logger,
    });
    await app.init();
    startup = [...logger.lines];
  });
  afterAll(async () => {
    await app?.close();
  });

  it('says at startup which senders are off and the variable that would switch each on', () => {
    expect(startup.filter((line) => line.includes(' is off: '))).toEqual([
      'log oxskyt is off: set OXSKYT_WEBHOOK_SECRET to switch it on Receiver',
      'log certificall is off: set CERTIFICALL_AUTH_TOKEN (or CERTIFICALL_API_KEY + CERTIFICALL_API_SECRET, ' +
        'or CERTIFICALL_BASIC_USERNAME + CERTIFICALL_BASIC_PASSWORD) to switch it on Receiver',
      'log illow is off: set ILLOW_PUBLIC_KEY to switch it on Receiver',
      'log github is off: set GITHUB_WEBHOOK_SECRET to switch it on Receiver',
      'log stripe is off: set STRIPE_WEBHOOK_SECRET to switch it on Receiver',
      'log standard is off: set STANDARD_WEBHOOKS_SECRET to switch it on Receiver',
    ]);
    expect(startup).toContainEqual('log Serving inkit, ovcode Webhooks');
  });

  it('warns at startup about a short part of a comma-split secret, naming the variable only', () => {
    const warnings = startup.filter((line) => line.startsWith('warn '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('OVCODE_API_SECRET holds 2 comma-separated values');
    expect(warnings[0]).not.toContain('a-rotated-out-secret');
    expect(warnings[0]).not.toMatch(/\bshort\b/);
  });

  it("logs a failed database write as the database's own error and the delivery id, never the payload", async () => {
    // Both writes of the delivery fail: the handler's (record and log row) and the failure's log row.
    const db = app.get<Database>(DRIZZLE);
    await db.execute(sql`alter table deliveries rename to deliveries_away`);
    const marker = 'PAYLOAD-MARKER-';
    const body = JSON.stringify({
      event_type: 'DOCUMENT_CREATE_FINISHED',
      resource_id: 'doc_logs',
      note: marker + 'x'.repeat(900 * 1024),
    });
    logger.lines.length = 0;
    const reply = await request(app.getHttpServer())
      .post('/webhooks/inkit')
      .set('Content-Type', 'application/json')
      .set(signInkit(body, { secret: credentials.inkit }))
      .send(body);
    expect(reply.status).toBe(500);

    const logged = logger.lines.join('\n');
    expect(logged).not.toContain(marker);
    expect(logged).not.toContain('xxxxxxxxxxxxxxxx');
    expect(logged.length).toBeLessThan(8 * 1024);
    // The handler's write and the outcome listener's, each with the database's reason and SQLSTATE.
    expect(logged).toMatch(
      /storing inkit delivery [0-9a-f-]{36} failed: relation "deliveries" does not exist \(SQLSTATE 42P01\)/,
    );
    expect(logged).toMatch(
      /logging inkit delivery [0-9a-f-]{36} failed: relation "deliveries" does not exist/,
    );
  });
});
