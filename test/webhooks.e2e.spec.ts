import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  Body,
  Controller,
  HttpCode,
  type INestApplication,
  Injectable,
  type LoggerService,
  Post,
  UseGuards,
} from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { deflateSync, gzipSync } from 'node:zlib';
import {
  InkitWebhookGuard,
  OnWebhook,
  OnWebhookOutcome,
  WebhooksModule,
  type WebhookDeliveryOutcome,
} from 'nestjs-webhooks';
import request from 'supertest';
import { ADAPTERS, createTestApp, startApp, type Recorder } from './support/app.js';
import { configuredSenders, credentials, samples, type Sample } from './support/senders.js';

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
      expect(event.sender).toBe(sample.sender);
      expect(event.name).toBe(sample.event);
      expect(event.payload).toMatchObject(sample.expected?.(1) ?? (sample.vary(1) as object));
      expect(event.payload).not.toBeInstanceOf(Array);
      expect(event.rawBody.toString()).toBe(payload);
      expect(event.idempotencyKey).toMatch(new RegExp(`^${sample.sender}:`));
      // Every credential header the sender sent, its signature's and any other (Certificall's X-Api-Key).
      const sent = Object.keys(sample.sign(payload)).map((name) => name.toLowerCase());
      expect(sent).toContain(sample.credentialHeader);
      for (const header of sent.filter((name) => sample.definition.credentialHeaders.includes(name))) {
        expect([header, event.headers[header]]).toEqual([header, '[redacted]']);
      }
      expect(recorder.outcomes.map((o) => o.outcome)).toEqual(['accepted']);
      // The outcome carries the headers as the handler saw them: what a delivery log may keep.
      expect(recorder.outcomes[0].headers).toEqual(event.headers);
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
      // A forged delivery's headers are kept to show why it failed, its credentials redacted.
      const forgedHeaders = recorder.outcomes[0].headers!;
      expect(forgedHeaders['content-type']).toMatch(/json/);
      for (const header of sample.definition.credentialHeaders) {
        if (forgedHeaders[header] !== undefined) expect(forgedHeaders[header]).toBe('[redacted]');
      }
      expect(forgedHeaders[sample.credentialHeader]).toBe('[redacted]');
    });

    it('rejects a missing credential with 401 "missing"', async () => {
      const headers = Object.fromEntries(
        Object.entries(sample.sign(body)).filter(([name]) => name.toLowerCase() !== sample.credentialHeader),
      );
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
      const name = Object.keys(headers).find((header) => header.toLowerCase() === sample.credentialHeader)!;
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
          sender: sample.sender,
          outcome: 'rejected',
          status: 413,
          reason: 'too-large',
        }),
      ]);
    });
  });
});

describe.each(ADAPTERS)('de-duplication keys on %s', (adapter) => {
  let app: INestApplication;
  let recorder: Recorder;
  const sample = (sender: Sample['sender']) => samples.find((s) => s.sender === sender)!;

  beforeAll(async () => ({ app, recorder } = await createTestApp({ adapter })));
  afterAll(() => app.close());
  beforeEach(() => {
    recorder.events.length = 0;
    recorder.outcomes.length = 0;
  });

  const post = (path: string, payload: string, headers: Record<string, string>) =>
    request(app.getHttpServer())
      .post(path)
      .set('Content-Type', 'application/json')
      .set(headers)
      .send(payload);

  it('OxsKYT: re-spaced bodies under one signature of the compact form are one delivery', async () => {
    const oxskyt = sample('oxskyt');
    const signed = '{"id":"r1-respaced"}';
    const headers = oxskyt.sign(signed);
    // The raw bytes verify for the first; only the compact re-serialization for the other two.
    for (const variant of [signed, `${signed} `, ` ${signed}`, `{ "id": "r1-respaced" }\n`]) {
      const res = await post(oxskyt.path, variant, headers);
      expect([JSON.stringify(variant), res.status]).toEqual([JSON.stringify(variant), 200]);
    }
    expect(recorder.events).toHaveLength(1);
    expect(recorder.outcomes.map((o) => o.outcome)).toEqual([
      'accepted',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    const keys = new Set(recorder.outcomes.map((o) => o.idempotencyKey));
    expect(keys.size).toBe(1);
  });

  it('OxsKYT: the key of a re-spaced body is the same whichever variant arrives first', async () => {
    const oxskyt = sample('oxskyt');
    const signed = '{"id":"r2-respaced"}';
    const headers = oxskyt.sign(signed);
    expect((await post(oxskyt.path, ` ${signed}`, headers)).status).toBe(200);
    expect((await post(oxskyt.path, signed, headers)).status).toBe(200);
    expect((await post(oxskyt.path, `${signed}\t`, headers)).status).toBe(200);
    expect(recorder.events).toHaveLength(1);
    expect(recorder.outcomes.map((o) => o.outcome)).toEqual(['accepted', 'duplicate', 'duplicate']);
  });

  it('Certificall: cfRef and reportId that hold ":" are not mistaken for another case', async () => {
    const certificall = sample('certificall');
    const base = certificall.vary(40) as Record<string, unknown>;
    for (const [cfRef, reportId] of [
      ['CF-col:R1', 'R2'],
      ['CF-col', 'R1:R2'],
    ]) {
      const payload = JSON.stringify({ ...base, cfRef, reportId });
      const res = await post(certificall.path, payload, certificall.sign(payload));
      expect(res.status).toBe(200);
    }
    expect(recorder.events.map((e) => e.payload)).toMatchObject([
      { cfRef: 'CF-col:R1', reportId: 'R2' },
      { cfRef: 'CF-col', reportId: 'R1:R2' },
    ]);
    expect(recorder.outcomes.map((o) => o.outcome)).toEqual(['accepted', 'accepted']);
  });

  it('illow: keys that differ only by an escape are two deliveries', async () => {
    const illow = sample('illow');
    for (const key of ['idem:col', 'idem%3Acol']) {
      const payload = JSON.stringify({ ...(illow.vary(41) as object), idempotencyKey: key });
      expect((await post(illow.path, payload, illow.sign(payload))).status).toBe(200);
    }
    expect(recorder.events).toHaveLength(2);
  });
});

/** Reliability, round two: what a store cannot hold, exact big integers, bounded logs, Content-Encoding. */
describe.each(ADAPTERS)('reliability round two on %s', (adapter) => {
  @Controller('integrations')
  class OwnInkitRoute {
    readonly received: unknown[] = [];
    @Post('inkit')
    @HttpCode(200)
    @UseGuards(InkitWebhookGuard)
    receive(@Body() body: unknown): string {
      this.received.push(body);
      return 'OK';
    }
  }

  let app: INestApplication;
  let recorder: Recorder;
  const sample = (sender: Sample['sender']) => samples.find((s) => s.sender === sender)!;

  beforeAll(async () => ({ app, recorder } = await createTestApp({ adapter, controllers: [OwnInkitRoute] })));
  afterAll(() => app.close());
  beforeEach(() => {
    recorder.events.length = 0;
    recorder.outcomes.length = 0;
  });

  const post = (path: string, payload: string | Buffer, headers: Record<string, string>) =>
    request(app.getHttpServer())
      .post(path)
      .set('Content-Type', 'application/json')
      .set(headers)
      .send(payload);

  describe('a signed string a store cannot hold (a lone surrogate)', () => {
    it.each([
      [
        'inkit',
        '{"event_type":"DOCUMENT_CREATE_FINISHED","resource_id":"doc-ls-1","metadata":{"name":"a\\ud800"}}',
        'metadata.name',
      ],
      [
        'inkit',
        '{"event_type":"DOCUMENT_CREATE_FINISHED","resource_id":"doc-ls-2","\\udc00":1}',
        '["\\udc00"] (its key)',
      ],
      [
        'oxskyt',
        '{"id":"rep-ls","items":[{"value":"ok"},{"value":"ok"},{"value":"x\\uDBFFy"}]}',
        'items[2].value',
      ],
    ] as const)('%s: is refused once with 400 invalid-body naming %s', async (sender, payload, path) => {
      const res = await post(sample(sender).path, payload, sample(sender).sign(payload));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, reason: 'invalid-body' });
      expect(res.body.message).toBe(
        `${path} holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), which is refused`,
      );
      expect(recorder.events).toHaveLength(0);
      expect(recorder.outcomes).toEqual([
        expect.objectContaining({ outcome: 'rejected', status: 400, reason: 'invalid-body' }),
      ]);
    });

    it('delivers an escaped surrogate pair, which is one character', async () => {
      const payload = '{"event_type":"DOCUMENT_CREATE_FINISHED","resource_id":"doc-\\ud83d\\ude00-pair"}';
      const res = await post(sample('inkit').path, payload, sample('inkit').sign(payload));
      expect(res.status).toBe(200);
      expect((recorder.events[0]?.payload as { resource_id: string }).resource_id).toBe('doc-😀-pair');
    });

    it('answers 400 naming the field for an identifier too long for an index', async () => {
      const payload = JSON.stringify({
        event_type: 'DOCUMENT_CREATE_FINISHED',
        resource_id: 'd'.repeat(3_000),
      });
      const res = await post(sample('inkit').path, payload, sample('inkit').sign(payload));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        reason: 'invalid-payload',
        message: ['resource_id must be shorter than or equal to 256 characters'],
      });
    });
  });

  describe('integers beyond 2^53', () => {
    it('OVCODE: two callbacks whose token_id differ only beyond 2^53 reach handlers as two exact ids', async () => {
      const ovcode = sample('ovcode');
      const ids = ['12345678901234567891', '12345678901234567892'];
      // JSON.parse would make both the same number.
      expect(JSON.parse(ids[0]!)).toBe(JSON.parse(ids[1]!));
      for (const [n, id] of ids.entries()) {
        const payload = `{"reference":"F-big-${n}","status_code":"S","token_id":${id}}`;
        expect((await post(ovcode.path, payload, ovcode.sign(payload))).status).toBe(200);
      }
      expect(recorder.events.map((event) => (event.payload as { token_id: unknown }).token_id)).toEqual(ids);
    });

    it('OxsKYT: an id of 9007199254740993 is delivered as its exact digits, small numbers as numbers', async () => {
      const oxskyt = sample('oxskyt');
      const payload = '{"id":9007199254740993,"score":12,"ratio":0.5}';
      expect((await post(oxskyt.path, payload, oxskyt.sign(payload))).status).toBe(200);
      expect(recorder.events[0]?.payload).toMatchObject({ id: '9007199254740993', score: 12, ratio: 0.5 });
      expect(recorder.events[0]?.rawBody.toString()).toBe(payload);
    });
  });

  describe('Content-Encoding', () => {
    const inkit = () => sample('inkit');
    const json = (n: number) => JSON.stringify(inkit().vary(9_000 + n));

    const expect415 = (res: request.Response) => {
      expect(res.status).toBe(415);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: expect.stringContaining('Content-Encoding'),
        reason: 'unsupported-encoding',
      });
    };

    it.each([
      ['gzip', gzipSync],
      ['GZIP', gzipSync],
      ['deflate', deflateSync],
      ['gzip, identity', gzipSync],
    ] as const)(
      'refuses %s with 415 on a module route, even signed over the bytes sent',
      async (coding, encode) => {
        for (const sender of ['inkit', 'oxskyt'] as const) {
          const body = encode(Buffer.from(json(1)));
          const res = await post(sample(sender).path, body, {
            ...sample(sender).sign(body),
            'Content-Encoding': coding,
          });
          expect415(res);
        }
        expect(recorder.events).toHaveLength(0);
        expect(recorder.outcomes).toEqual([
          expect.objectContaining({
            sender: 'inkit',
            outcome: 'rejected',
            status: 415,
            reason: 'unsupported-encoding',
          }),
          expect.objectContaining({
            sender: 'oxskyt',
            outcome: 'rejected',
            status: 415,
            reason: 'unsupported-encoding',
          }),
        ]);
        expect(recorder.outcomes[0]?.rawBody).toBeUndefined();
      },
    );

    it('refuses it before reading the body: a body over the limit gets 415, not 413', async () => {
      const body = Buffer.alloc(2 * 1024 * 1024, 0x61);
      expect415(await post(inkit().path, body, { ...inkit().sign(body), 'Content-Encoding': 'gzip' }));
    });

    it('refuses it on OVCODE too, whose fields may travel as headers', async () => {
      const res = await request(app.getHttpServer())
        .post(sample('ovcode').path)
        .set({ 'x-api-secret': credentials.ovcode, reference: 'F-enc-1', status_code: 'S' })
        .set('Content-Encoding', 'br')
        .send(Buffer.from([1, 2, 3]));
      expect415(res);
    });

    it.each([
      ['identity', 10],
      ['IDENTITY', 11],
      ['', 12],
    ])('accepts Content-Encoding %j as no encoding', async (coding, n) => {
      const payload = json(n);
      const res = await post(inkit().path, payload, { ...inkit().sign(payload), 'Content-Encoding': coding });
      expect(res.status).toBe(200);
      expect(recorder.events).toHaveLength(1);
    });

    it("refuses it on a user's route protected by an exported guard", async () => {
      const body = gzipSync(Buffer.from(json(2)));
      const res = await post('/integrations/inkit', body, {
        ...inkit().sign(body),
        'Content-Encoding': 'gzip',
      });
      expect415(res);
      expect(app.get(OwnInkitRoute).received).toEqual([]);
      expect(recorder.outcomes).toEqual([
        expect.objectContaining({
          sender: 'inkit',
          outcome: 'rejected',
          status: 415,
          reason: 'unsupported-encoding',
        }),
      ]);
      const plain = json(3);
      expect((await post('/integrations/inkit', plain, inkit().sign(plain))).status).toBe(200);
      expect(app.get(OwnInkitRoute).received).toEqual([JSON.parse(plain)]);
    });
  });
});

describe.each(ADAPTERS)('handler failure logs on %s', (adapter) => {
  /** Everything the app logs, as it would be written: message and every extra argument. */
  class CapturingLogger implements LoggerService {
    readonly lines: string[] = [];
    private keep(level: string, message: unknown, rest: unknown[]): void {
      this.lines.push([level, message, ...rest].map(String).join(' '));
    }
    log(message: unknown, ...rest: unknown[]): void {
      this.keep('log', message, rest);
    }
    error(message: unknown, ...rest: unknown[]): void {
      this.keep('error', message, rest);
    }
    warn(message: unknown, ...rest: unknown[]): void {
      this.keep('warn', message, rest);
    }
    debug(message: unknown, ...rest: unknown[]): void {
      this.keep('debug', message, rest);
    }
    verbose(message: unknown, ...rest: unknown[]): void {
      this.keep('verbose', message, rest);
    }
    fatal(message: unknown, ...rest: unknown[]): void {
      this.keep('fatal', message, rest);
    }
  }

  const PAYLOAD = 'p'.repeat(900 * 1024);

  @Injectable()
  class FailingWrite {
    readonly failed: WebhookDeliveryOutcome[] = [];

    // What a failed insert looks like: the driver quotes the query's parameters, the payload among them.
    @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
    write(): void {
      const cause = Object.assign(new Error(`value too long: ${PAYLOAD}`), { name: 'DatabaseError' });
      throw new Error(`Failed query: insert into "inkit_documents" values ($1)\nparams: ${PAYLOAD}`, {
        cause,
      });
    }

    @OnWebhookOutcome('failed')
    outcome(outcome: WebhookDeliveryOutcome): void {
      this.failed.push(outcome);
    }
  }

  let app: INestApplication;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot({ wildcard: true }),
        WebhooksModule.forRoot({ senders: configuredSenders }),
      ],
      providers: [FailingWrite],
    }).compile();
    app = await startApp(moduleRef, adapter, { logger });
  });
  afterAll(() => app.close());

  it('logs a bounded line, with the delivery id, when a handler error carries a 900 KB payload', async () => {
    const inkit = samples.find((s) => s.sender === 'inkit')!;
    const payload = JSON.stringify(inkit.vary(77));
    logger.lines.length = 0;
    const res = await request(app.getHttpServer())
      .post(inkit.path)
      .set('Content-Type', 'application/json')
      .set(inkit.sign(payload))
      .send(payload);
    expect(res.status).toBe(500);
    const [failed] = app.get(FailingWrite).failed;
    const written = logger.lines.join('\n');
    expect(written.length).toBeLessThan(4_096);
    expect(written).toContain(
      `Handler for inkit.DOCUMENT_CREATE_FINISHED (delivery ${failed!.deliveryId}) failed`,
    );
    expect(written).toContain('Failed query: insert into "inkit_documents"');
    expect(written).toContain('[cause] DatabaseError: value too long');
    expect(written).not.toMatch(/p{400}/);
  });
});
