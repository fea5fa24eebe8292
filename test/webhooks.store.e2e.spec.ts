import { afterEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { MemoryIdempotencyStore, type WebhookClaim, type WebhookIdempotencyStore } from 'nestjs-webhooks';
import { signInkit } from 'nestjs-webhooks/testing';
import request from 'supertest';
import { createTestApp } from './support/app.js';
import { credentials } from './support/senders.js';

/** A store that works until told to fail, as Redis does when it goes away. */
class FlakyStore implements WebhookIdempotencyStore {
  private readonly inner = new MemoryIdempotencyStore();
  failing: 'claim' | 'complete' | undefined;

  claim(key: string, owner: string, leaseMs: number): Promise<WebhookClaim> {
    if (this.failing === 'claim') return Promise.reject(new Error('connection to the store lost'));
    return this.inner.claim(key, owner, leaseMs);
  }
  complete(key: string, owner: string, ttlMs: number): Promise<void> {
    if (this.failing === 'complete') return Promise.reject(new Error('connection to the store lost'));
    return this.inner.complete(key, owner, ttlMs);
  }
  release(key: string, owner: string): Promise<void> {
    return this.inner.release(key, owner);
  }
}

describe('when the idempotency store fails', () => {
  let app: INestApplication | undefined;
  afterEach(() => app?.close());

  it('answers 500 store-unavailable, reports a failed outcome, and processes the retry once it is back', async () => {
    const store = new FlakyStore();
    const created = await createTestApp({ webhooks: { store } });
    app = created.app;
    const body = JSON.stringify({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: 'doc_store' });
    const send = () =>
      request(app!.getHttpServer())
        .post('/webhooks/inkit')
        .set('Content-Type', 'application/json')
        .set(signInkit(body, { secret: credentials.inkit }))
        .send(body);

    store.failing = 'claim';
    const down = await send();
    expect(down.status).toBe(500);
    expect(down.body).toMatchObject({ reason: 'store-unavailable' });
    expect(down.text).not.toContain('connection to the store lost');
    expect(created.recorder.events).toHaveLength(0);
    expect(created.recorder.outcomes.at(-1)).toMatchObject({
      outcome: 'failed',
      status: 500,
      reason: 'store-unavailable',
    });

    store.failing = undefined;
    expect((await send()).status).toBe(200);
    expect(created.recorder.events).toHaveLength(1);
  });
});
