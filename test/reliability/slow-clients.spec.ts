import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createReceiver, SERVER_TIMEOUTS } from '../../apps/receiver/src/bootstrap.js';
import { credentials } from '../support/senders.js';

/**
 * The promise (README, RELIABILITY.md): slow headers are cut at the headers timeout and slow
 * bodies at the request timeout, give or take the connection-checking interval. Short limits
 * here, the receiver's own checking interval: with Node's default (30 s) both tests fail.
 */
const headersTimeout = 1_000;
const requestTimeout = 2_000;
const slack = SERVER_TIMEOUTS.connectionsCheckingInterval + 500;

/** Writes `first`, then nothing; resolves with the time until the server closed the connection and what it said. */
function stall(port: number, first: string): Promise<{ ms: number; reply: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let reply = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(first));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve({ ms: Date.now() - started, reply: reply.split('\r\n')[0] ?? '' }));
    // Bounded whatever the server does.
    setTimeout(() => socket.destroy(), 20_000).unref();
  });
}

describe('slow clients', () => {
  let app: INestApplication;
  let port: number;

  beforeAll(async () => {
    app = await createReceiver({
      env: { PGLITE_DATA_DIR: 'memory://', INKIT_WEBHOOK_SECRET: credentials.inkit },
      logger: false,
      serverTimeouts: { headersTimeout, requestTimeout },
    });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('checks connections often enough to keep the promise', () => {
    expect(SERVER_TIMEOUTS.connectionsCheckingInterval).toBeLessThanOrEqual(1_000);
  });

  it('cuts a client that never finishes its headers at the headers timeout', async () => {
    const { ms, reply } = await stall(port, 'POST /webhooks/inkit HTTP/1.1\r\nHost: x\r\n');
    expect(reply).toBe('HTTP/1.1 408 Request Timeout');
    expect(ms).toBeGreaterThanOrEqual(headersTimeout - 50);
    expect(ms).toBeLessThan(headersTimeout + slack);
  });

  it('cuts a client that never finishes its body at the request timeout', async () => {
    const head =
      'POST /webhooks/inkit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'Inkit-Signature: 00\r\nContent-Length: 100\r\n\r\n{"event_type":';
    const { ms, reply } = await stall(port, head);
    expect(reply).toBe('HTTP/1.1 408 Request Timeout');
    expect(ms).toBeGreaterThanOrEqual(requestTimeout - 50);
    expect(ms).toBeLessThan(requestTimeout + slack);
  });
});
