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

describe('the receiver when a database write fails', () => {
  const logger = new CapturingLogger();
  let app: INestApplication;

  beforeAll(async () => {
    app = await createReceiver({
      env: { PGLITE_DATA_DIR: 'memory://', INKIT_WEBHOOK_SECRET: credentials.inkit },
      logger,
    });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
  });

  it("logs the database's own error and the delivery id, never the payload", async () => {
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
