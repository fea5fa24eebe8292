import { describe, expect, it } from '@jest/globals';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { RAW_BODY_PROPERTY } from './webhooks.constants.js';
import { expressRawBodyCapture, fastifyRawBodyCapture, isIdentityEncoding } from './webhooks.raw-body.js';

/** Enough of a Fastify request: its `headers` getter merges what its setter set over the raw ones. */
function fastifyRequest(url: string, headers: IncomingHttpHeaders, additional?: IncomingHttpHeaders) {
  const raw = { headers: { ...headers } } as IncomingMessage;
  return {
    raw,
    url,
    method: 'POST',
    get headers(): IncomingHttpHeaders {
      return additional ? { ...raw.headers, ...additional } : raw.headers;
    },
  } as const;
}

const body = Buffer.from('{"event_type":"DOCUMENT_CREATE_FINISHED","resource_id":"r"}');
const sent = { 'content-type': 'application/json', 'content-length': String(body.length), host: 'h' };
const OPTIONS = {
  prefix: 'webhooks',
  limit: 1024,
  senders: new Set(['inkit']),
  credentialHeaders: ['inkit-signature'],
  tooLarge: () => new Error('413'),
};
const capture = fastifyRawBodyCapture(OPTIONS);

function preParsing(request: ReturnType<typeof fastifyRequest>): Promise<Readable | undefined> {
  return new Promise((resolve, reject) =>
    capture.preParsing(request as never, undefined, Readable.from([body]), (error, payload) =>
      error ? reject(error) : resolve(payload),
    ),
  );
}
const preValidation = (request: ReturnType<typeof fastifyRequest>) =>
  new Promise<void>((resolve) => capture.preValidation(request as never, undefined, resolve));

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('Fastify raw-body capture', () => {
  it("hides the body headers from Fastify's parsers on a sender route, then shows them as sent", async () => {
    const request = fastifyRequest('/webhooks/inkit', sent);
    await preParsing(request);
    expect((request as unknown as Record<string, unknown>)[RAW_BODY_PROPERTY]).toEqual(body);
    expect(request.headers['content-type']).toBeUndefined();
    expect(request.headers['content-length']).toBeUndefined();
    await preValidation(request);
    expect(request.headers).toEqual(sent);
    // None added that was not sent.
    expect('transfer-encoding' in request.raw.headers).toBe(false);
  });

  it("replays the bytes to the app's parsers on a user's route under the prefix", async () => {
    const request = fastifyRequest('/webhooks/custom', sent);
    const replay = await preParsing(request);
    expect(request.headers).toEqual(sent);
    expect(await read(replay as Readable)).toEqual(body);
  });

  it('replays the bytes when a hook of the app set body headers through Fastify, which it cannot hide', async () => {
    const request = fastifyRequest('/webhooks/inkit', sent, { 'content-type': 'application/json' });
    const replay = await preParsing(request);
    expect(request.headers).toEqual(sent);
    expect(await read(replay as Readable)).toEqual(body);
  });
});

describe('isIdentityEncoding', () => {
  it.each([
    [{}],
    [{ 'content-encoding': 'identity' }],
    [{ 'content-encoding': 'IDENTITY' }],
    [{ 'content-encoding': ' Identity ' }],
    [{ 'content-encoding': '' }],
    [{ 'content-encoding': ['identity'] }],
    [{ 'content-encoding': [] }],
    [{ 'Content-Encoding': 'identity' }],
  ])('takes %j as the body as sent', (headers) => {
    expect(isIdentityEncoding(headers)).toBe(true);
  });

  it.each([
    [{ 'content-encoding': 'gzip' }],
    [{ 'content-encoding': 'GZIP' }],
    [{ 'content-encoding': 'deflate' }],
    [{ 'content-encoding': 'br' }],
    [{ 'content-encoding': 'gzip, identity' }],
    [{ 'content-encoding': 'identity, identity' }],
    [{ 'content-encoding': ['identity', 'gzip'] }],
    [{ 'content-encoding': ['gzip'] }],
    [{ 'Content-Encoding': 'gzip' }],
    [{ 'content-encoding': 'x-anything' }],
  ])('refuses %j', (headers) => {
    expect(isIdentityEncoding(headers)).toBe(false);
  });
});

/** Resolves once the stream was read to its end (by whoever is reading it). */
const ended = (stream: Readable) =>
  stream.readableEnded ? Promise.resolve() : new Promise((resolve) => stream.once('end', resolve));

describe('raw-body capture of an encoded body', () => {
  const encoded = { ...sent, 'content-encoding': 'gzip' };

  it('on Fastify, neither keeps nor replays it, hides it from the parsers, and drains it', async () => {
    for (const url of ['/webhooks/inkit', '/integrations/inkit']) {
      const request = fastifyRequest(url, { ...encoded, 'inkit-signature': 'ab' });
      const stream = Readable.from([body]);
      const payload = await new Promise<Readable | undefined>((resolve, reject) =>
        capture.preParsing(request as never, undefined, stream, (error, out) =>
          error ? reject(error) : resolve(out),
        ),
      );
      expect(payload).toBe(stream);
      expect((request as unknown as Record<string, unknown>)[RAW_BODY_PROPERTY]).toEqual(Buffer.alloc(0));
      expect(request.headers['content-length']).toBeUndefined();
      await ended(stream);
      await preValidation(request);
      expect(request.headers['content-encoding']).toBe('gzip');
      expect(request.headers['content-length']).toBe(sent['content-length']);
    }
  });

  it("on Express, neither keeps nor parses it, and hides it from the app's parsers", async () => {
    const middleware = expressRawBodyCapture(OPTIONS);
    const request = Object.assign(Readable.from([body]), {
      method: 'POST',
      url: '/webhooks/inkit',
      headers: { ...encoded } as IncomingHttpHeaders,
    }) as unknown as IncomingMessage & Record<string, unknown>;
    await new Promise<void>((resolve, reject) =>
      middleware(request, undefined, (error?: unknown) => (error ? reject(error) : resolve())),
    );
    expect(request[RAW_BODY_PROPERTY]).toEqual(Buffer.alloc(0));
    expect(request.body).toBeUndefined();
    expect(request.headers['content-length']).toBeUndefined();
    expect(request.headers['content-encoding']).toBe('gzip');
    await ended(request as unknown as Readable);
  });
});

describe('what is captured, from the configured senders', () => {
  /** Runs the Express capture on one request; what it left on the request and what it passed on. */
  async function express(url: string, headers: IncomingHttpHeaders, limit = 1024) {
    const tooLarge: (string | undefined)[] = [];
    const middleware = expressRawBodyCapture({
      ...OPTIONS,
      limit,
      tooLarge: (sender) => {
        tooLarge.push(sender);
        return new Error('413');
      },
    });
    const request = Object.assign(Readable.from([body]), {
      method: 'POST',
      url,
      headers,
    }) as unknown as IncomingMessage & Record<string, unknown>;
    const error = await new Promise<unknown>((resolve) => middleware(request, undefined, resolve));
    return { captured: request[RAW_BODY_PROPERTY], parsed: request.body, error, tooLarge };
  }

  it("captures a route of the app's own when a JSON body carries a configured sender's credential header", async () => {
    const seen = await express('/my/hook', { ...sent, 'inkit-signature': 'ab' });
    expect(seen.captured).toEqual(body);
    expect(seen.parsed).toEqual(JSON.parse(body.toString()));
  });

  it('leaves other requests to the app: no credential header of a configured sender, or a body that is not JSON', async () => {
    // x-signature is OxsKYT's, and OxsKYT is not among the configured senders here.
    expect((await express('/my/hook', { ...sent, 'x-signature': 'ab' })).captured).toBeUndefined();
    const form = { ...sent, 'content-type': 'application/x-www-form-urlencoded', 'inkit-signature': 'ab' };
    expect((await express('/my/hook', form)).captured).toBeUndefined();
  });

  it('always captures under the prefix, and reports a body over the limit with the sender its path names', async () => {
    const sender = await express('/webhooks/INKIT?x=1', sent, 8);
    expect((sender.error as Error).message).toBe('413');
    expect(sender.tooLarge).toEqual(['inkit']);
    // Under the prefix, but no configured sender: still limited, reported without a sender.
    const other = await express('/webhooks/ovcode', sent, 8);
    expect((other.error as Error).message).toBe('413');
    expect(other.tooLarge).toEqual([undefined]);
  });
});
