import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import { createHmac, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { createIllowVerifier, generateIllowKeyPair } from '../senders/illow/illow.scheme.js';
import { signInkit } from '../senders/inkit/inkit.scheme.js';
import { ACCEPTED } from '../schemes/scheme.types.js';
import { BUILT_IN_SENDERS } from '../senders/index.js';
import { SAMPLE_PAYLOADS } from '../testing/samples.js';
import { defineWebhookSender, type WebhookSender } from '../webhooks.sender.js';
import { run, type CliIo } from './cli.js';

// PROVIDERS.md vectors for body {"a":1} and secret s3cr3t.
const INKIT = 'd42927434049e0b8c73ce887062238cc1c6bb6644bfe66e66d8dd0f30b85679e';
const OXSKYT = 'ce7b4b997bee6fe88045ddf612331cd2ca30c4db2f668e3aefc2d2963f74323b';
const CERTIFICALL_B64 = '1CknQ0BJ4LjHPOiHBiI4zBxrtmRL/mbmbY3Q8wuFZ54=';

const GITHUB_SECRET = 'github-cli-secret-1f2e';
const STRIPE_SECRET = 'whsec_cli0a1b2c3d4e5f60718293a4b5c6d7';
// Standard Webhooks secrets are "whsec_" and base64 of the key bytes.
const STANDARD_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
// The vendors' own libraries check what the CLI signs; stripe's signs and verifies offline.
const stripe = new Stripe('sk_test_x');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const dir = mkdtempSync(join(tmpdir(), 'nestjs-webhooks-cli-'));
const file = (name: string, content: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const VECTOR_BODY = file('vector.json', '{"a":1}');
const ARRAY_BODY = file('array.json', '[1,2]');
const keys = generateIllowKeyPair(1024);
const PRIVATE_KEY = file('illow.key.pem', keys.privateKey);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Sent {
  url: string;
  method?: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** Runs the CLI with captured output and, unless given, a fetch that records the request and answers 200 OK. */
async function cli(
  argv: string[],
  io: Partial<CliIo> & { reply?: Response } = {},
  senders?: readonly WebhookSender[],
) {
  let out = '';
  let err = '';
  const sent: Sent[] = [];
  const fakeFetch = (async (url: string, init: RequestInit) => {
    sent.push({
      url,
      method: init.method,
      headers: init.headers as Record<string, string>,
      body: Buffer.from(init.body as Uint8Array),
    });
    return io.reply ?? new Response('OK', { status: 200, statusText: 'OK' });
  }) as unknown as typeof fetch;
  const code = await run(
    argv,
    {
      stdout: (s) => (out += s),
      stderr: (s) => (err += s),
      env: {},
      fetch: fakeFetch,
      ...io,
    },
    senders,
  );
  return { code, out, err, sent };
}

const headerOf = (out: string, name: string): string | undefined =>
  out
    .split('\n')
    .find((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}: `))
    ?.slice(name.length + 2);

describe('usage errors', () => {
  it.each([
    [[]],
    [['frob']],
    [['send']],
    [['sign', 'nope', '--secret', 's']],
    [['sign', 'inkit', 'extra', '--secret', 's']],
    [['sign', 'inkit', '--bogus']],
    [['sign', 'inkit', '--secret']],
    [['sign', 'inkit', '--as-headers=yes', '--secret', 's']],
    [['sign', 'inkit']],
    [['sign', 'inkit', '--secret', 's', '--body', join(dir, 'missing.json')]],
    [['sign', 'inkit', '--secret', 's', '--format', 'xml']],
    [['sign', 'inkit', '--secret', 's', '--event', 'X']],
    [['sign', 'ovcode', '--secret', 's']],
    [['sign', 'inkit', '--secret', 's', '--as-headers']],
    [['sign', 'ovcode', '--api-secret', 's', '--as-headers', '--body', ARRAY_BODY]],
    [['sign', 'certificall']],
    [['sign', 'certificall', '--api-key', 'k']],
    [['sign', 'certificall', '--bearer-token', 't', '--method', 'digest']],
    [['sign', 'certificall', '--bearer-token', 't', '--encoding', 'hex']],
    [['sign', 'illow', '--private-key', VECTOR_BODY]],
    [['sign', 'illow', '--private-key', PRIVATE_KEY, '--delivery', 'd-1']],
    [['sign', 'inkit', '--secret', 's', '--delivery', 'd-1']],
    [['sign', 'github']],
    [['sign', 'stripe', '--delivery', 'd-1']],
    [['sign', 'standard']],
    [['sign', 'standard', '--secret', 'whsec_not base64!']],
    [['sign', 'standard', '--secret', 'whpk_AAAA']],
    [['send', 'inkit', '--secret', 's']],
    [['send', 'inkit', '--secret', 's', '--url', 'localhost:3000/webhooks/inkit']],
    [['keygen', '--bits', '512']],
    [['keygen', 'now']],
    [['replay']],
    [['replay', 'd-1']],
    [['replay', 'd-1', 'd-2', '--url', 'http://h']],
    [['replay', '..', '--url', 'http://h']],
    [['replay', 'd\u001b[2J', '--url', 'http://h']],
    [['replay', 'd-1', '--url', 'localhost:3000']],
    [['replay', 'd-1', '--url', 'http://admin:pw@h']],
    [['replay', 'd-1', '--url', 'http://h', '--admin-token', 'two words']],
    [['replay', 'd-1', '--url', 'http://h', '--admin-token']],
    [['replay', 'd-1', '--url', 'http://h', '--secret', 's']],
  ])('%j exits 2 with one line and a hint to --help, sending nothing', async (argv) => {
    const { code, out, err, sent } = await cli(argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(sent).toEqual([]);
    if (argv.length > 0)
      expect(err).toMatch(/^nestjs-webhooks: [^\n]+\nRun 'nestjs-webhooks( \w+)? --help' for usage\.\n$/);
  });

  it('never echoes a credential', async () => {
    const secret = 'TOP-SECRET-VALUE';
    const runs = [
      await cli(['sign', 'ovcode', '--secret', secret]),
      await cli(['send', 'inkit', '--secret', secret]),
      await cli(['send', 'inkit', '--secret', secret, '--url', `ftp://host/?token=${secret}`]),
      await cli(['sign', 'inkit', '--secret', 's', '--header', `Authorization ${secret}`]),
      await cli(['sign', 'illow'], { env: { ILLOW_PRIVATE_KEY: secret } }),
      await cli(['sign', 'certificall', '--api-secret', secret]),
      await cli(['sign', 'standard', '--secret', `whsec_${secret}!`]),
      await cli(['sign', 'standard'], { env: { STANDARD_WEBHOOKS_SECRET: `whsec_${secret}!` } }),
      await cli(['sign', 'stripe', '--secret', secret, '--event', 'x']),
      await cli(['replay', 'd-1', '--url', 'http://h', '--admin-token', `${secret} ${secret}`]),
      await cli(['replay', 'd-1', '--url', 'http://h'], { env: { ADMIN_TOKEN: `${secret}\r\nX: 1` } }),
      await cli(['replay', 'd-1', '--url', `http://admin:${secret}@h`]),
    ];
    for (const { code, err } of runs) {
      expect(code).toBe(2);
      expect(err).not.toContain(secret);
    }
  });
});

describe('sign', () => {
  it('gives the documented Inkit vector', async () => {
    const { code, out } = await cli(['sign', 'inkit', '--secret', 's3cr3t', '--body', VECTOR_BODY]);
    expect(code).toBe(0);
    expect(out).toContain(`Inkit-Signature: ${INKIT}\n`);
  });

  it('gives the documented OxsKYT vector', async () => {
    const { out } = await cli(['sign', 'oxskyt', '--secret', 's3cr3t', '--body', VECTOR_BODY]);
    expect(headerOf(out, 'x-signature')).toBe(OXSKYT);
  });

  it('gives the documented Certificall vectors, hex by default and base64 on request', async () => {
    const hmac = [
      'sign',
      'certificall',
      '--api-key',
      'cf-key',
      '--api-secret',
      's3cr3t',
      '--body',
      VECTOR_BODY,
    ];
    const hex = await cli(hmac);
    expect(headerOf(hex.out, 'Authorization')).toBe(`HMAC-SHA256 cf-key:${INKIT}`);
    expect(headerOf(hex.out, 'X-Api-Key')).toBe('cf-key');
    const b64 = await cli([...hmac, '--encoding', 'base64']);
    expect(headerOf(b64.out, 'Authorization')).toBe(`HMAC-SHA256 cf-key:${CERTIFICALL_B64}`);
  });

  it('falls back to the receiver environment variables, using the first of a rotation list', async () => {
    const env = { INKIT_WEBHOOK_SECRET: ' s3cr3t , older', OXSKYT_WEBHOOK_SECRET: 's3cr3t' };
    expect((await cli(['sign', 'inkit', '--body', VECTOR_BODY], { env })).out).toContain(INKIT);
    expect(headerOf((await cli(['sign', 'oxskyt', '--body', VECTOR_BODY], { env })).out, 'x-signature')).toBe(
      OXSKYT,
    );
    // A flag wins over the environment.
    const flagged = await cli(['sign', 'inkit', '--secret', 'other', '--body', VECTOR_BODY], { env });
    expect(flagged.out).not.toContain(INKIT);
  });

  it('reads the illow key from ILLOW_PRIVATE_KEY as PEM text (even with literal \\n) or as a path', async () => {
    const verify = createIllowVerifier({ publicKey: keys.publicKey });
    const body = readFileSync(VECTOR_BODY);
    for (const ILLOW_PRIVATE_KEY of [keys.privateKey.replaceAll('\n', '\\n'), PRIVATE_KEY]) {
      const { code, out } = await cli(['sign', 'illow', '--body', VECTOR_BODY], {
        env: { ILLOW_PRIVATE_KEY },
      });
      expect(code).toBe(0);
      expect(verify(body, { 'illow-signature': headerOf(out, 'illow-signature') })).toEqual({ ok: true });
    }
  });

  it('infers the Certificall method, flags before the environment, hmac > bearer > basic', async () => {
    const env = {
      CERTIFICALL_AUTH_TOKEN: 'tok',
      CERTIFICALL_API_KEY: 'cf-key',
      CERTIFICALL_API_SECRET: 's3cr3t',
      CERTIFICALL_BASIC_USERNAME: 'user',
      CERTIFICALL_BASIC_PASSWORD: 'pw',
    };
    const auth = async (...flags: string[]) =>
      headerOf(
        (await cli(['sign', 'certificall', '--body', VECTOR_BODY, ...flags], { env })).out,
        'Authorization',
      );
    expect(await auth()).toBe(`HMAC-SHA256 cf-key:${INKIT}`);
    expect(await auth('--bearer-token', 'flag-tok')).toBe('Bearer flag-tok');
    expect(await auth('--method', 'bearer')).toBe('Bearer tok');
    expect(await auth('--username', 'u')).toBe(`Basic ${Buffer.from('u:pw').toString('base64')}`);
  });

  it('prints a curl command that sends the file the signature covers', async () => {
    const { code, out } = await cli([
      'sign',
      'inkit',
      '--secret',
      's3cr3t',
      '--body',
      VECTOR_BODY,
      '--format',
      'curl',
    ]);
    expect(code).toBe(0);
    expect(out).toBe(
      `curl -X POST "$URL" \\\n  -H 'Content-Type: application/json' \\\n  -H 'Inkit-Signature: ${INKIT}' \\\n` +
        `  --data-binary @'${VECTOR_BODY}'\n`,
    );
  });

  it('inlines the sample body in a curl command, quoted for the shell, to an illow URL with its event', async () => {
    const { out } = await cli([
      'sign',
      'illow',
      '--private-key',
      PRIVATE_KEY,
      '--format',
      'curl',
      '--url',
      "http://h/it's/illow",
    ]);
    expect(out).toMatch(/^curl -X POST 'http:\/\/h\/it'\\''s\/illow\/DSR_CREATED' \\\n/);
    expect(out).toContain(`--data-binary '${JSON.stringify(SAMPLE_PAYLOADS.illow)}'\n`);
  });
});

describe('GitHub, Stripe and Standard Webhooks, checked by their own libraries', () => {
  const sampleBody = (id: keyof typeof SAMPLE_PAYLOADS) => JSON.stringify(SAMPLE_PAYLOADS[id]);
  /** Every header line of the output by lower-case name, each name once or the test fails. */
  const headersOf = (out: string): Record<string, string> => {
    const headers: Record<string, string> = {};
    for (const line of out.split('\n').filter(Boolean)) {
      const colon = line.indexOf(': ');
      const name = line.slice(0, colon).toLowerCase();
      expect(headers[name]).toBeUndefined();
      headers[name] = line.slice(colon + 2);
    }
    return headers;
  };

  it('signs GitHub so that @octokit/webhooks-methods verifies it, with the sample event and a new delivery each time', async () => {
    const first = await cli(['sign', 'github', '--secret', GITHUB_SECRET]);
    expect(first.code).toBe(0);
    const headers = headersOf(first.out);
    expect(headers['x-github-event']).toBe('issues');
    expect(headers['x-github-delivery']).toMatch(UUID);
    expect(headers['content-type']).toBe('application/json');
    const body = sampleBody('github');
    expect(await octokitVerify(GITHUB_SECRET, body, headers['x-hub-signature-256'])).toBe(true);
    expect(await octokitVerify('another-secret', body, headers['x-hub-signature-256'])).toBe(false);
    const second = headersOf((await cli(['sign', 'github', '--secret', GITHUB_SECRET])).out);
    expect(second['x-github-delivery']).not.toBe(headers['x-github-delivery']);
  });

  it("takes GitHub's secret from GITHUB_WEBHOOK_SECRET, and --event and --delivery as its headers", async () => {
    const body = file('push.json', '{"ref":"refs/heads/main","after":"0d1a26e6"}');
    const { code, out } = await cli(
      ['sign', 'github', '--body', body, '--event', 'push', '--delivery', 'd-0001'],
      { env: { GITHUB_WEBHOOK_SECRET: `${GITHUB_SECRET}, older-secret` } },
    );
    expect(code).toBe(0);
    const headers = headersOf(out);
    expect(headers).toMatchObject({ 'x-github-event': 'push', 'x-github-delivery': 'd-0001' });
    expect(
      await octokitVerify(GITHUB_SECRET, readFileSync(body, 'utf8'), headers['x-hub-signature-256']),
    ).toBe(true);
  });

  it('sends GitHub with its event as a header, never in the URL, which --header may replace', async () => {
    const url = 'http://h/webhooks/github';
    const { code, sent } = await cli(['send', 'github', '--url', url, '--secret', 's', '--event', 'push']);
    expect(code).toBe(0);
    expect(sent[0].url).toBe(url);
    expect(sent[0].headers['X-GitHub-Event']).toBe('push');
    const replaced = await cli([
      'send',
      'github',
      '--url',
      url,
      '--secret',
      's',
      '--header',
      'x-github-event: ping',
    ]);
    const events = Object.entries(replaced.sent[0].headers).filter(
      ([name]) => name.toLowerCase() === 'x-github-event',
    );
    expect(events).toEqual([['x-github-event', 'ping']]);
  });

  it('signs Stripe so that stripe.webhooks.constructEvent accepts it, from the flag or STRIPE_WEBHOOK_SECRET', async () => {
    const raw = `${JSON.stringify(SAMPLE_PAYLOADS.stripe, null, 2)}\n`;
    const body = file('stripe.json', raw);
    const fromFlag = await cli(['sign', 'stripe', '--secret', STRIPE_SECRET, '--body', body]);
    const fromEnv = await cli(['sign', 'stripe', '--body', body], {
      env: { STRIPE_WEBHOOK_SECRET: ` ${STRIPE_SECRET} , whsec_older` },
    });
    for (const { code, out } of [fromFlag, fromEnv]) {
      expect(code).toBe(0);
      const signature = headersOf(out)['stripe-signature'];
      expect(stripe.webhooks.constructEvent(raw, signature, STRIPE_SECRET)).toMatchObject({
        id: 'evt_3MtwBwLkdIwHu7ix0Y5hBJvL',
        type: 'payment_intent.succeeded',
      });
      expect(() => stripe.webhooks.constructEvent(raw, signature, 'whsec_older')).toThrow(/signature/i);
    }
  });

  it('signs Standard Webhooks so that the standardwebhooks library verifies it, a new webhook-id each time', async () => {
    const body = sampleBody('standard');
    const runs = [
      await cli(['sign', 'standard', '--secret', STANDARD_SECRET]),
      await cli(['sign', 'standard'], {
        env: { STANDARD_WEBHOOKS_SECRET: `${STANDARD_SECRET},whsec_b2xkZXI=` },
      }),
    ];
    const ids = new Set<string>();
    for (const { code, out } of runs) {
      expect(code).toBe(0);
      const headers = headersOf(out);
      ids.add(headers['webhook-id']);
      expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(new Webhook(STANDARD_SECRET).verify(body, headers)).toEqual(SAMPLE_PAYLOADS.standard);
      const other = new Webhook(`whsec_${randomBytes(24).toString('base64')}`);
      expect(() => other.verify(body, headers)).toThrow();
    }
    expect(ids.size).toBe(2);
  });

  it('sends Standard Webhooks headers the standardwebhooks library verifies on the bytes sent', async () => {
    const { code, sent } = await cli([
      'send',
      'standard',
      '--url',
      'http://h/webhooks/standard',
      '--secret',
      STANDARD_SECRET,
    ]);
    expect(code).toBe(0);
    const { body, headers } = sent[0];
    expect(new Webhook(STANDARD_SECRET).verify(body.toString('utf8'), headers)).toEqual(
      SAMPLE_PAYLOADS.standard,
    );
  });
});

describe('send', () => {
  const ENDPOINT = 'http://127.0.0.1:3000/webhooks/inkit';

  it('posts the body file byte for byte with the signed headers, and prints status and reply', async () => {
    const raw = Buffer.from('{ "event_type" : "DOCUMENT_CREATE_FINISHED",\n "resource_id": "dóc_1" }\n');
    const body = file('spaced.json', raw);
    const { code, out, err, sent } = await cli([
      'send',
      'inkit',
      '--url',
      ENDPOINT,
      '--secret',
      's3cr3t',
      '--body',
      body,
    ]);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toBe('HTTP 200 OK\nOK\n');
    expect(sent).toEqual([
      {
        url: ENDPOINT,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...signInkit(raw, { secret: 's3cr3t' }) },
        body: raw,
      },
    ]);
  });

  it('sends the compact sample payload by default, and reads stdin for --body -', async () => {
    const sample = await cli(['send', 'inkit', '--url', ENDPOINT, '--secret', 's']);
    expect(sample.sent[0].body.toString()).toBe(JSON.stringify(SAMPLE_PAYLOADS.inkit));
    const piped = await cli(['send', 'inkit', '--url', ENDPOINT, '--secret', 's', '--body', '-'], {
      readStdin: async () => Buffer.from('{"a":1}'),
    });
    expect(piped.sent[0].body.toString()).toBe('{"a":1}');
  });

  it('exits 1 on a non-2xx reply, printing it but never the secret', async () => {
    const reply = new Response('{"statusCode":401,"reason":"mismatch"}', {
      status: 401,
      statusText: 'Unauthorized',
    });
    const { code, out, err } = await cli(['send', 'inkit', '--url', ENDPOINT, '--secret', 'S3CR3T-VALUE'], {
      reply,
    });
    expect(code).toBe(1);
    expect(out).toBe('HTTP 401 Unauthorized\n{"statusCode":401,"reason":"mismatch"}\n');
    expect(out + err).not.toContain('S3CR3T-VALUE');
  });

  it('exits 1 when no reply comes', async () => {
    const failing = (async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }) as unknown as typeof fetch;
    const { code, err } = await cli(['send', 'inkit', '--url', ENDPOINT, '--secret', 's'], {
      fetch: failing,
    });
    expect(code).toBe(1);
    expect(err).toBe('nestjs-webhooks: no reply from 127.0.0.1:3000: ECONNREFUSED\n');
  });

  it('adds --header lines, replacing a signed header whatever its case', async () => {
    const { sent } = await cli([
      'send',
      'inkit',
      '--url',
      ENDPOINT,
      '--secret',
      's',
      '--header',
      'content-type: application/json; charset=utf-8',
      '--header',
      'X-Trace:  abc ',
    ]);
    expect(sent[0].headers).toEqual({
      'Inkit-Signature': expect.any(String),
      'content-type': 'application/json; charset=utf-8',
      'X-Trace': 'abc',
    });
  });

  it('leaves the body out of the curl command for --as-headers', async () => {
    const body = file('ovcode.json', '{"reference":"F-1","status_code":"S","token_id":7}');
    const { out } = await cli([
      'sign',
      'ovcode',
      '--api-secret',
      'tok',
      '--as-headers',
      '--body',
      body,
      '--format',
      'curl',
    ]);
    expect(out).toBe(
      `curl -X POST "$URL" \\\n  -H 'reference: F-1' \\\n  -H 'status_code: S' \\\n  -H 'token_id: 7' \\\n` +
        `  -H 'x-api-secret: tok'\n`,
    );
  });

  it('sends OVCODE fields as headers with an empty body for --as-headers', async () => {
    const { sent } = await cli(['send', 'ovcode', '--url', ENDPOINT, '--api-secret', 'tok', '--as-headers']);
    expect(sent[0].body.length).toBe(0);
    expect(sent[0].headers).toEqual({
      ...Object.fromEntries(
        Object.entries(SAMPLE_PAYLOADS.ovcode).map(([name, value]) => [name, String(value)]),
      ),
      'x-api-secret': 'tok',
    });
  });

  it.each([
    ['http://h/webhooks/illow', [], 'http://h/webhooks/illow/DSR_CREATED'],
    ['http://h/webhooks/illow/', ['--event', 'DSR_UPDATED'], 'http://h/webhooks/illow/DSR_UPDATED'],
    ['http://h/webhooks/illow?x=1', [], 'http://h/webhooks/illow/DSR_CREATED?x=1'],
    ['http://h/webhooks/illow/DSR_CREATED', ['--event', 'OTHER'], 'http://h/webhooks/illow/DSR_CREATED'],
    ['http://h/hooks/custom', [], 'http://h/hooks/custom'],
  ])('posts illow to %s %j at %s, signed with the key', async (url, flags, expected) => {
    const { code, sent } = await cli(['send', 'illow', '--url', url, '--private-key', PRIVATE_KEY, ...flags]);
    expect(code).toBe(0);
    expect(sent[0].url).toBe(expected);
    expect(createIllowVerifier({ publicKey: keys.publicKey })(sent[0].body, sent[0].headers)).toEqual({
      ok: true,
    });
  });
});

describe('replay, against a local HTTP server', () => {
  interface Received {
    method?: string;
    url?: string;
    headers: IncomingHttpHeaders;
  }
  const TOKEN = 'admin-T0KEN-9f8e7d';
  let server: Server;
  let base: string;
  let received: Received[] = [];
  /** How the server answers the next requests; by default the receiver's 202. */
  let answer: (res: ServerResponse, req: Received) => void;
  const json = (status: number, body: unknown) => (res: ServerResponse) =>
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));

  beforeAll(async () => {
    server = createServer((req, res) => {
      const request = { method: req.method, url: req.url, headers: req.headers };
      received.push(request);
      req.resume();
      req.on('end', () => answer(res, request));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    received = [];
    answer = json(202, { id: 'replay-2', replayOf: 'd-1' });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  answer = json(202, { id: 'replay-2', replayOf: 'd-1' });

  /** The CLI with the real fetch, ADMIN_TOKEN set unless `env` says otherwise. */
  const replay = (argv: string[], io: Partial<CliIo> = {}) =>
    cli(['replay', ...argv], { fetch, env: { ADMIN_TOKEN: TOKEN }, ...io });

  it('POSTs to <url>/api/deliveries/<id>/replay with the bearer token from ADMIN_TOKEN, and prints the new id', async () => {
    const { code, out, err } = await replay(['d-1', '--url', base]);
    expect({ code, out, err }).toEqual({ code: 0, out: 'replay-2\n', err: '' });
    expect(received).toEqual([
      {
        method: 'POST',
        url: '/api/deliveries/d-1/replay',
        headers: expect.objectContaining({ authorization: `Bearer ${TOKEN}`, accept: 'application/json' }),
      },
    ]);
  });

  it.each([
    ['/', '/api/deliveries/d-1/replay'],
    ['/receiver', '/receiver/api/deliveries/d-1/replay'],
    ['/receiver//?tenant=a#top', '/receiver/api/deliveries/d-1/replay?tenant=a'],
  ])('takes the base URL with the path %j as a prefix', async (path, expected) => {
    expect((await replay(['d-1', '--url', `${base}${path}`])).code).toBe(0);
    expect(received.map(({ url }) => url)).toEqual([expected]);
  });

  it('encodes the delivery id as one path segment', async () => {
    await replay(['a/b c?d#%', '--url', base]);
    expect(received[0].url).toBe('/api/deliveries/a%2Fb%20c%3Fd%23%25/replay');
  });

  it('takes --admin-token over ADMIN_TOKEN, trimmed, and sends no Authorization without either', async () => {
    await replay(['d-1', '--url', base, '--admin-token', ' flag-token ']);
    await replay(['d-1', '--url', base], { env: { ADMIN_TOKEN: '  ' } });
    await replay(['d-1', '--url', base], { env: {} });
    expect(received.map(({ headers }) => headers.authorization)).toEqual([
      'Bearer flag-token',
      undefined,
      undefined,
    ]);
  });

  it.each([
    [
      'an unknown delivery',
      json(404, { statusCode: 404, message: 'No delivery d-1', error: 'Not Found' }),
      'nestjs-webhooks: no delivery d-1\n',
    ],
    [
      'a route it does not have (a webhook URL given as --url)',
      json(404, { statusCode: 404, message: 'Cannot POST /webhooks/api/deliveries/d-1/replay' }),
      'nestjs-webhooks: the receiver has no replay route there (HTTP 404): --url is its base URL, e.g. http://localhost:3000\n',
    ],
    [
      'a conflict, in its words',
      json(409, { statusCode: 409, message: 'Delivery d-1 is still queued', error: 'Conflict' }),
      'nestjs-webhooks: Delivery d-1 is still queued\n',
    ],
    [
      'a conflict without words',
      (res: ServerResponse) => res.writeHead(409).end(),
      'nestjs-webhooks: delivery d-1 cannot be replayed now (HTTP 409)\n',
    ],
    [
      'a wrong token',
      json(401, { statusCode: 401, message: 'This API needs Authorization: Bearer <ADMIN_TOKEN>' }),
      'nestjs-webhooks: the receiver refused the admin token (HTTP 401): check ADMIN_TOKEN\n',
    ],
    [
      'a refused access (its own host only)',
      json(403, {
        statusCode: 403,
        message: 'This API answers loopback clients only unless ADMIN_TOKEN is set',
      }),
      'nestjs-webhooks: the receiver refused access (HTTP 403): This API answers loopback clients only unless ADMIN_TOKEN is set\n',
    ],
    [
      'an error of its own, its words on one line without escapes',
      json(500, { statusCode: 500, message: 'boom\n\u001b[31mred' }),
      'nestjs-webhooks: the receiver answered HTTP 500 Internal Server Error: boom  [31mred\n',
    ],
    [
      'a plain-text error',
      (res: ServerResponse) => res.writeHead(502, { 'Content-Type': 'text/plain' }).end('bad gateway\n'),
      'nestjs-webhooks: the receiver answered HTTP 502 Bad Gateway: bad gateway\n',
    ],
    [
      'a redirect, not followed',
      (res: ServerResponse) => res.writeHead(302, { Location: '/elsewhere' }).end(),
      'nestjs-webhooks: the receiver answered HTTP 302, a redirect, not followed: give --url where it serves\n',
    ],
    [
      'a 202 naming no delivery',
      json(202, { replayOf: 'd-1' }),
      'nestjs-webhooks: the receiver took the replay (HTTP 202) but its reply names no delivery id\n',
    ],
    [
      'a 202 that is not JSON',
      (res: ServerResponse) => res.writeHead(202).end('Accepted'),
      'nestjs-webhooks: the receiver took the replay (HTTP 202) but its reply names no delivery id\n',
    ],
  ])('exits 1 with one line on stderr on %s', async (_name, reply, line) => {
    answer = reply;
    const { code, out, err } = await replay(['d-1', '--url', base]);
    expect({ code, out, err }).toEqual({ code: 1, out: '', err: line });
    expect(received).toHaveLength(1);
  });

  it('says the token is missing on a 401 without one', async () => {
    answer = json(401, { statusCode: 401, message: 'This API needs Authorization: Bearer <ADMIN_TOKEN>' });
    const { code, err } = await replay(['d-1', '--url', base], { env: {} });
    expect(code).toBe(1);
    expect(err).toBe('nestjs-webhooks: the receiver needs its admin token (HTTP 401): set ADMIN_TOKEN\n');
  });

  it('never prints the token, even when the receiver echoes it back', async () => {
    const runs = [];
    for (const reply of [
      json(202, { id: `id-${TOKEN}`, replayOf: 'd-1' }),
      json(409, { message: `token ${TOKEN} cannot replay` }),
      json(403, { message: `Bearer ${TOKEN}` }),
      json(500, { message: TOKEN }),
      json(401, { message: TOKEN }),
      json(404, { message: TOKEN }),
    ]) {
      answer = reply;
      runs.push(await replay(['d-1', '--url', base]));
      runs.push(await replay(['d-1', '--url', base, '--admin-token', TOKEN], { env: {} }));
    }
    expect(runs.map(({ code }) => code)).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(runs[0].out).toBe('id-***\n');
    expect(runs[2].err).toBe('nestjs-webhooks: token *** cannot replay\n');
    for (const { out, err } of runs) expect(out + err).not.toContain(TOKEN);
    expect(received.every(({ headers }) => headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('exits 1 when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const { code, out, err } = await replay(['d-1', '--url', `http://127.0.0.1:${port}`]);
    expect({ code, out, err }).toEqual({
      code: 1,
      out: '',
      err: `nestjs-webhooks: no reply from 127.0.0.1:${port}: ECONNREFUSED\n`,
    });
  });

  it.each([
    ['no answer at all', () => undefined],
    ['an answer that stalls mid-body', (res: ServerResponse) => res.writeHead(202).write('{"id":')],
  ])('gives up after the timeout on %s', async (_name, reply) => {
    answer = reply;
    const started = Date.now();
    const { code, out, err } = await replay(['d-1', '--url', base], { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect({ code, out, err }).toEqual({
      code: 1,
      out: '',
      err: `nestjs-webhooks: no reply from ${new URL(base).host} within 0.3 s\n`,
    });
  });
});

describe('keygen', () => {
  it('prints an RSA pair node:crypto parses', async () => {
    const { code, out } = await cli(['keygen', '--bits', '1024']);
    expect(code).toBe(0);
    const [publicPem, privatePem] = out.split(/(?=-----BEGIN PRIVATE KEY-----)/);
    expect(createPublicKey(publicPem).asymmetricKeyDetails?.modulusLength).toBe(1024);
    expect(createPrivateKey(privatePem).asymmetricKeyType).toBe('rsa');
  });

  it('writes the pair to --out-dir, the private key mode 0600, and will not overwrite it', async () => {
    const outDir = join(dir, 'keys', 'nested');
    const { code, out } = await cli(['keygen', '--bits', '1024', '--out-dir', outDir]);
    expect(code).toBe(0);
    expect(out).toContain('illow.key.pem');
    const privatePath = join(outDir, 'illow.key.pem');
    expect(statSync(privatePath).mode & 0o777).toBe(0o600);
    const publicKey = createPublicKey(readFileSync(join(outDir, 'illow.pub.pem')));
    expect(
      createPublicKey(createPrivateKey(readFileSync(privatePath))).export({ type: 'spki', format: 'pem' }),
    ).toBe(publicKey.export({ type: 'spki', format: 'pem' }));
    const before = readFileSync(privatePath, 'utf8');
    expect((await cli(['keygen', '--bits', '1024', '--out-dir', outDir])).code).toBe(2);
    expect(readFileSync(privatePath, 'utf8')).toBe(before);
  });
});

describe('help and version', () => {
  const signing = [
    '--body',
    '--header',
    '--event',
    '--as-headers',
    '--secret',
    '--api-secret',
    '--bearer-token',
    '--api-key',
    '--username',
    '--password',
    '--method',
    '--encoding',
    '--private-key',
    '--delivery',
    '--help',
  ];
  const environment = [
    'OXSKYT_WEBHOOK_SECRET',
    'INKIT_WEBHOOK_SECRET',
    'OVCODE_API_SECRET',
    'CERTIFICALL_AUTH_TOKEN',
    'CERTIFICALL_API_KEY',
    'CERTIFICALL_API_SECRET',
    'CERTIFICALL_BASIC_USERNAME',
    'CERTIFICALL_BASIC_PASSWORD',
    'ILLOW_PRIVATE_KEY',
    'GITHUB_WEBHOOK_SECRET',
    'STRIPE_WEBHOOK_SECRET',
    'STANDARD_WEBHOOKS_SECRET',
  ];
  it.each([
    [['--help'], [...signing, '--url', '--format', '--bits', '--out-dir', '--version', ...environment]],
    [['-h'], ['send', 'sign', 'keygen', 'replay <delivery-id>', '--admin-token', 'ADMIN_TOKEN']],
    [
      ['send', '--help'],
      [...signing, '--url', ...environment],
    ],
    [
      ['send', 'inkit', '-h'],
      [...signing, '--url', ...environment],
    ],
    [
      ['sign', '--help'],
      [...signing, '--url', '--format', ...environment],
    ],
    [
      ['keygen', '--help'],
      ['--bits', '--out-dir', '--help'],
    ],
    [
      ['replay', '--help'],
      [
        '--url <receiver-url>',
        '--admin-token <token>',
        '--help',
        'ADMIN_TOKEN',
        'http://localhost:3000',
        '/api/deliveries/',
      ],
    ],
  ])('%j documents every flag and environment variable', async (argv, mentioned) => {
    const { code, out } = await cli(argv);
    expect(code).toBe(0);
    for (const word of mentioned) expect(out).toContain(word);
  });

  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(await cli(['--version'])).toMatchObject({ code: 0, out: `${version}\n` });
  });
});

describe('derived from the sender definitions', () => {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  it.each([[['--help']], [['send', '--help']], [['sign', '--help']]])(
    '%j lists every built-in sender with its credentials, variables and options',
    async (argv) => {
      const { code, out } = await cli(argv);
      expect(code).toBe(0);
      expect(out).toContain(`Senders: ${BUILT_IN_SENDERS.map(({ id }) => id).join(', ')}\n`);
      for (const sender of BUILT_IN_SENDERS as readonly WebhookSender[]) {
        if (sender.cli === undefined) throw new Error(`${sender.id}: a built-in the CLI cannot sign as`);
        const credentials = Object.entries(sender.cli.credentials);
        for (const [i, [flag, { env, help }]] of credentials.entries()) {
          // One row of the environment table each, the sender named on its first.
          const row = `^  ${i === 0 ? escape(sender.id) : ''} +--${escape(flag)} +${env}$`;
          expect(out).toMatch(new RegExp(row, 'm'));
          expect(out).toMatch(
            new RegExp(`^  --${escape(flag)} .*\\b${escape(sender.id)}\\b[^;]*: ${escape(help)}`, 'm'),
          );
        }
        for (const [name, option] of Object.entries(sender.cli.options ?? {})) {
          expect(out).toMatch(
            new RegExp(`^  --${escape(name)}\\b.*${escape(sender.id)}: ${escape(option.help)}`, 'm'),
          );
        }
        if (sender.eventType === 'route') {
          expect(out).toMatch(
            new RegExp(
              `^  --event .*${sender.id}: .*/${sender.id} \\(default ${sender.sample.event}\\)`,
              'm',
            ),
          );
        }
      }
    },
  );

  // A sender of one's own, unknown to the CLI's code: it signs as the definition says.
  const sha256 = (secret: string, body: string | Uint8Array) =>
    createHmac('sha256', secret).update(body).digest('hex');
  class ThingDto {
    id!: string;
  }
  const acme = defineWebhookSender({
    id: 'acme',
    title: 'Acme',
    credentialHeaders: ['Acme-Signature'],
    verifier: () => () => ACCEPTED,
    sign: (body, signing: { secret: string; upper: boolean }) => {
      const signature = sha256(signing.secret, body);
      return { 'Acme-Signature': signing.upper ? signature.toUpperCase() : signature };
    },
    dto: ThingDto,
    eventType: 'route',
    idempotencyKey: (payload) => [payload.id],
    sample: { payload: { id: 'thing-1', done: true }, event: 'THING_DONE' },
    cli: {
      credentials: { secret: { env: 'ACME_WEBHOOK_SECRET', arg: '<secret>', help: 'the shared secret' } },
      options: { upper: { type: 'boolean', help: 'upper-case the signature' } },
      signing: (input) => ({ secret: input.need('secret'), upper: input.option('upper') === true }),
    },
  });
  const senders: readonly WebhookSender[] = [...BUILT_IN_SENDERS, acme];

  it("documents a sender of one's own, grouping a flag it shares", async () => {
    const { code, out } = await cli(['--help'], {}, senders);
    expect(code).toBe(0);
    expect(out).toContain(
      'exactly as OxsKYT, Inkit, OVCODE, Certificall, illow, GitHub, Stripe, Standard Webhooks and Acme do',
    );
    expect(out).toContain(`Senders: ${[...BUILT_IN_SENDERS.map(({ id }) => id), 'acme'].join(', ')}\n`);
    // Each help once, after the senders that share it, in the order of the list.
    expect(out).toMatch(
      /^ {2}--secret <secret> +oxskyt, inkit, acme: the shared secret; github: the webhook's secret; stripe: /m,
    );
    expect(out).toMatch(/^ {2}--upper +acme: upper-case the signature$/m);
    expect(out).toMatch(
      /^ {2}--event <name> +illow: .*; acme: event appended to a URL ending in \/acme \(default THING_DONE\)$/m,
    );
    expect(out).toMatch(/^ {2}acme +--secret +ACME_WEBHOOK_SECRET$/m);
  });

  it('sends its sample, signed by its definition, to its route with its event', async () => {
    const body = JSON.stringify(acme.sample.payload);
    const { code, sent } = await cli(
      ['send', 'acme', '--url', 'http://h/webhooks/acme', '--upper'],
      { env: { ACME_WEBHOOK_SECRET: 'k1, k0' } },
      senders,
    );
    expect(code).toBe(0);
    expect(sent).toEqual([
      {
        url: 'http://h/webhooks/acme/THING_DONE',
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Acme-Signature': sha256('k1', body).toUpperCase() },
        body: Buffer.from(body),
      },
    ]);
    const evented = await cli(
      [
        'sign',
        'acme',
        '--secret',
        'k',
        '--event',
        'THING_UNDONE',
        '--url',
        'http://h/acme',
        '--format',
        'curl',
      ],
      {},
      senders,
    );
    expect(evented.out).toMatch(/^curl -X POST 'http:\/\/h\/acme\/THING_UNDONE' \\\n/);
    expect(evented.out).toContain(`-H 'Acme-Signature: ${sha256('k', body)}'`);
  });

  it.each([
    [['sign', 'inkit', '--secret', 's', '--upper'], senders, '--upper does not apply to inkit'],
    [['sign', 'acme'], senders, 'acme needs --secret or ACME_WEBHOOK_SECRET'],
    [['sign', 'inkit', '--secret', 's'], [acme], "unknown sender 'inkit' (expected one of acme)"],
    [
      ['sign', 'acme', '--secret', 's'],
      [BUILT_IN_SENDERS[1], { ...acme, cli: undefined }],
      "sender 'acme' has no cli in its definition, so it cannot be signed here (expected one of inkit)",
    ],
  ])('%j refuses what the definitions do not allow', async (argv, list, message) => {
    const { code, err } = await cli(argv, {}, list);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });

  it('refuses a definition whose flag would shadow one of its own', async () => {
    const clash = { ...acme, cli: { ...acme.cli, options: { url: { type: 'string', help: 'x' } } } };
    const { code, err } = await cli(['--help'], {}, [clash as WebhookSender]);
    expect(code).toBe(1);
    expect(err).toBe("nestjs-webhooks: acme: --url is one of the CLI's own flags\n");
  });
});
