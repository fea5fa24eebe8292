import { describe, expect, it } from '@jest/globals';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { RAW_BODY_PROPERTY } from './webhooks.constants.js';
import { fastifyRawBodyCapture } from './webhooks.raw-body.js';

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
