import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ADAPTERS, createTestApp, type Recorder } from './support/app.js';
import { credentialHeader, samples } from './support/senders.js';

describe.each(ADAPTERS)('on %s', (adapter) => {
  describe.each(samples)('$sender end to end', (sample) => {
    let app: INestApplication;
    let recorder: Recorder;
    const body = JSON.stringify(sample.body);

    beforeAll(async () => ({ app, recorder } = await createTestApp({ adapter })));
    afterAll(() => app.close());
    beforeEach(() => {
      recorder.events.length = 0;
      recorder.outcomes.length = 0;
      recorder.failNext = 0;
    });

    const post = (
      payload: string | Buffer,
      headers: Record<string, string>,
      contentType = 'application/json',
    ) => {
      const req = request(app.getHttpServer()).post(sample.path);
      // superagent labels a string body as a form unless told otherwise; a Buffer goes out with no type.
      if (!contentType) return req.set(headers).send(Buffer.from(payload));
      return req.set('Content-Type', contentType).set(headers).send(payload);
    };

    it('delivers a verified, valid delivery to a typed handler and answers 200 OK text/plain', async () => {
      const payload = JSON.stringify(sample.vary(1));
      const res = await post(payload, sample.sign(payload));
      expect(res.status).toBe(200);
      expect(res.text).toBe('OK');
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(recorder.events).toHaveLength(1);
      const [event] = recorder.events;
      expect(event.provider).toBe(sample.sender);
      expect(event.name).toBe(sample.event);
      expect(event.payload).toMatchObject(sample.expected?.(1) ?? (sample.vary(1) as object));
      expect(event.payload).not.toBeInstanceOf(Array);
      expect(event.rawBody.toString()).toBe(payload);
      expect(event.idempotencyKey).toMatch(new RegExp(`^${sample.sender}:`));
      const header = credentialHeader[sample.sender].toLowerCase();
      expect(event.headers[header]).toBe('[redacted]');
      expect(recorder.outcomes.map((o) => o.outcome)).toEqual(['accepted']);
    });

    it('rejects a tampered body with 401, reaching no handler', async () => {
      const headers = sample.sign(body);
      // A changed value, not whitespace: OxsKYT and Certificall rightly accept a compact re-serialization.
      const tampered = body.replace('1', '2');
      expect(tampered).not.toBe(body);
      const res = await post(tampered, headers);
      if (sample.sender === 'ovcode') {
        // OVCODE documents a static token that does not cover the content: only TLS protects the body.
        expect(res.status).toBe(200);
        return;
      }
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ statusCode: 401, reason: 'mismatch' });
      expect(recorder.events).toHaveLength(0);
      expect(recorder.outcomes[0]).toMatchObject({ outcome: 'rejected', status: 401, reason: 'mismatch' });
      expect(recorder.outcomes[0].rawBody).toBeUndefined();
    });

    it('rejects a missing credential with 401 "missing"', async () => {
      const headers = { ...sample.sign(body) };
      delete headers[credentialHeader[sample.sender]];
      const res = await post(body, headers);
      expect(res.status).toBe(401);
      expect(res.body.reason).toBe('missing');
      expect(recorder.events).toHaveLength(0);
    });

    it('rejects a wrong credential with 401 and never echoes the expected value', async () => {
      const res = await post(body, sample.forge(body));
      expect(res.status).toBe(401);
      expect(res.body.reason).toBe('mismatch');
      const expected = Object.values(sample.sign(body));
      for (const value of expected) expect(res.text).not.toContain(value.split(' ').pop());
      expect(recorder.events).toHaveLength(0);
    });

    it('answers 400 naming the failing field when a signed body fails the DTO', async () => {
      const invalid = JSON.stringify(sample.invalid.body);
      const res = await post(invalid, sample.sign(invalid));
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain(sample.invalid.field);
      expect(recorder.events).toHaveLength(0);
      expect(recorder.outcomes[0]).toMatchObject({
        outcome: 'rejected',
        status: 400,
        reason: 'invalid-payload',
      });
    });

    it('answers 400 for a signed body that is not JSON', async () => {
      if (sample.sender === 'ovcode') return; // covered below: OVCODE may carry its fields as headers
      const res = await post('not json', sample.sign('not json'), 'text/plain');
      expect(res.status).toBe(400);
      expect(res.body.reason).toBe('invalid-body');
    });

    it('runs handlers once for a duplicate, and still answers 200 OK', async () => {
      const payload = JSON.stringify(sample.vary(2));
      const headers = sample.sign(payload);
      expect((await post(payload, headers)).status).toBe(200);
      const again = await post(payload, headers);
      expect(again.status).toBe(200);
      expect(again.text).toBe('OK');
      expect(recorder.events).toHaveLength(1);
      expect(recorder.outcomes.map((o) => o.outcome)).toEqual(['accepted', 'duplicate']);
    });

    it('answers 500 when a handler throws, and the retry runs the handler again', async () => {
      const payload = JSON.stringify(sample.vary(3));
      const headers = sample.sign(payload);
      recorder.failNext = 1;
      const failed = await post(payload, headers);
      expect(failed.status).toBe(500);
      expect(failed.body.reason).toBe('handler-error');
      expect(failed.text).not.toContain('exploded');
      expect(recorder.events).toHaveLength(0);
      const retried = await post(payload, headers);
      expect(retried.status).toBe(200);
      expect(recorder.events).toHaveLength(1);
      expect(recorder.outcomes.map((o) => o.outcome)).toEqual(['failed', 'accepted']);
    });

    it('runs the handlers once when the same delivery arrives twice at the same moment', async () => {
      const payload = JSON.stringify(sample.vary(4));
      const headers = sample.sign(payload);
      recorder.delayMs = 50;
      try {
        const replies = await Promise.all([post(payload, headers), post(payload, headers)]);
        expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
      } finally {
        recorder.delayMs = 0;
      }
      expect(recorder.events).toHaveLength(1);
    });

    it('verifies the exact bytes whatever the content type, or with none', async () => {
      for (const [n, type] of [
        [5, ''],
        [6, 'text/plain'],
        [7, 'application/json; charset=utf-8'],
        [8, 'application/octet-stream'],
        [9, 'application/x-www-form-urlencoded'],
      ] as const) {
        const payload = JSON.stringify(sample.vary(n), null, 2);
        const res = await post(payload, sample.sign(payload), type);
        expect([type, res.status, res.text]).toEqual([type, 200, 'OK']);
      }
      expect(recorder.events).toHaveLength(5);
    });

    it('refuses a credential header sent twice, as malformed', async () => {
      const headers = sample.sign(body);
      const name = credentialHeader[sample.sender];
      const res = await request(app.getHttpServer())
        .post(sample.path)
        .set('Content-Type', 'application/json')
        .set({ ...headers, [name]: [headers[name], headers[name]] })
        .send(body);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ statusCode: 401, reason: 'malformed' });
      expect(recorder.events).toHaveLength(0);
    });

    it('answers 413 for a body over the limit', async () => {
      const huge = JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) });
      const res = await post(huge, sample.sign(huge));
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toMatchObject({ statusCode: 413, reason: 'too-large' });
      expect(recorder.events).toHaveLength(0);
      expect(recorder.outcomes).toEqual([
        expect.objectContaining({
          provider: sample.sender,
          outcome: 'rejected',
          status: 413,
          reason: 'too-large',
        }),
      ]);
    });
  });
});
