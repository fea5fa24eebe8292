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
const capture = fastifyRawBodyCapture({ prefix: 'webhooks', limit: 1024, tooLarge: () => new Error('413') });

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
    const middleware = expressRawBodyCapture({
      prefix: 'webhooks',
      limit: 1024,
      tooLarge: () => new Error('413'),
    });
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
