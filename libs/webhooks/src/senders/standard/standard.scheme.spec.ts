import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import {
  createStandardWebhooksVerifier,
  generateStandardWebhookKeyPair,
  signStandardWebhook,
  STANDARD_WEBHOOK_ID_HEADER,
  STANDARD_WEBHOOK_SIGNATURE_HEADER,
  STANDARD_WEBHOOK_TIMESTAMP_HEADER,
  type StandardWebhooksCredentials,
} from './standard.scheme.js';
import { WebhookConfigurationError } from '../../schemes/scheme.errors.js';
import type { HeaderBag, RejectionReason } from '../../schemes/scheme.types.js';

// The vectors of the specification's own JavaScript library, libraries/javascript/src/webhook.test.ts
// in github:standard-webhooks/standard-webhooks (commit b2fa7b8719fb75d326b591077f5d1b385cfcdfae),
// test "sign function works"; its other tests reuse the secret, the id and the payload.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const BARE_SECRET = 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const MSG_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = 1614265330;
const PAYLOAD = '{"test": 2432232314}';
const EXPECTED = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const BODY = Buffer.from(PAYLOAD);
// Their "multi sig payload is valid" test: signatures around the genuine one.
const WRONG_V1 = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';
const V2 = 'v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';

const clockAt = (seconds: number) => () => seconds * 1000;
const verifierAt = (seconds: number, credentials: StandardWebhooksCredentials = { secret: SECRET }) =>
  createStandardWebhooksVerifier({ clock: clockAt(seconds), ...credentials });
const verify = verifierAt(TIMESTAMP);

const headersOf = (
  signature: string = EXPECTED,
  id: string = MSG_ID,
  timestamp: string | number = TIMESTAMP,
): Record<string, string> => ({
  'webhook-id': id,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': signature,
});
const without = (name: string): HeaderBag => {
  const headers: Record<string, string> = headersOf();
  delete headers[name];
  return headers;
};

/** A `v1` signature made by the specification's own library (fast-sha256, @stablelib/base64). */
const theirV1 = (payload: string, id = MSG_ID, timestamp = TIMESTAMP, secret = SECRET) =>
  new Webhook(secret).sign(id, new Date(timestamp * 1000), payload);

const ALL_HEADERS = [
  STANDARD_WEBHOOK_ID_HEADER,
  STANDARD_WEBHOOK_TIMESTAMP_HEADER,
  STANDARD_WEBHOOK_SIGNATURE_HEADER,
];

describe('Standard Webhooks: the JavaScript library vectors', () => {
  it('accepts the published signature, with the whsec_ prefix or without', () => {
    expect(verify(BODY, headersOf())).toEqual({ ok: true });
    expect(verifierAt(TIMESTAMP, { secret: BARE_SECRET })(BODY, headersOf())).toEqual({ ok: true });
  });

  it('signs the published signature', () => {
    expect(signStandardWebhook(PAYLOAD, { secret: SECRET, id: MSG_ID, timestamp: TIMESTAMP })).toEqual({
      'webhook-id': MSG_ID,
      'webhook-timestamp': String(TIMESTAMP),
      'webhook-signature': EXPECTED,
    });
    expect(
      signStandardWebhook(BODY, { secret: BARE_SECRET, id: MSG_ID, timestamp: new Date(TIMESTAMP * 1000) }),
    ).toMatchObject({ 'webhook-signature': EXPECTED });
  });

  it.each(ALL_HEADERS)('refuses a delivery without %s, naming it', (name) => {
    expect(verify(BODY, without(name))).toEqual({
      ok: false,
      reason: 'missing',
      message: `${name} header is missing`,
    });
  });

  it('refuses an invalid timestamp', () => {
    expect(verify(BODY, headersOf(EXPECTED, MSG_ID, 'hello'))).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it.each([
    ['an invalid signature', 'v1,dawfeoifkpqwoekfpqoekf'],
    ['a partial signature', EXPECTED.slice(0, 8)],
    ['an empty signature', 'v1,'],
  ])('refuses %s', (_what, signature) => {
    expect(verify(BODY, headersOf(signature))).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('refuses an old and a new timestamp, beyond the tolerance by one second', () => {
    // Their tests sign at now - 301 s and now + 301 s; the same distance, with the clock moved instead.
    for (const now of [TIMESTAMP + 301, TIMESTAMP - 301]) {
      expect(verifierAt(now)(BODY, headersOf())).toMatchObject({ ok: false, reason: 'timestamp' });
    }
  });

  it('accepts a header of several signatures where one matches', () => {
    expect(verify(BODY, headersOf([WRONG_V1, V2, EXPECTED, WRONG_V1].join(' ')))).toEqual({ ok: true });
  });

  it.each([[''], [undefined], [null], ['whsec_']])('refuses the empty key %j at configuration', (secret) => {
    expect(() => createStandardWebhooksVerifier({ secret: secret as string })).toThrow(
      WebhookConfigurationError,
    );
  });

  it('accepts an empty payload', () => {
    const signature = theirV1('');
    expect(verify(Buffer.alloc(0), headersOf(signature))).toEqual({ ok: true });
  });
});

describe('Standard Webhooks: the standardwebhooks npm package', () => {
  const BODIES: [string, string][] = [
    [
      'the specification example',
      '{"type":"contact.created","timestamp":"2022-11-03T20:26:10.344522Z","data":{}}',
    ],
    ['pretty JSON', '{\n  "type": "user.created",\n  "data": { "id": 1 }\n}\n'],
    ['a unicode body', '{"name":"dóc_👩‍🔬_𝄞_𠜎","quote":"\\"a.b\\""}'],
    ['an empty body', ''],
    ['a large body', JSON.stringify({ blob: randomBytes(96 * 1024).toString('base64') })],
  ];
  const secrets = [SECRET, `whsec_${randomBytes(32).toString('base64')}`, randomBytes(64).toString('base64')];

  describe.each(BODIES)('on %s', (_name, payload) => {
    it.each(secrets)('accepts what its sign makes (secret #%#)', (secret) => {
      const id = `msg_${randomBytes(8).toString('hex')}`;
      const signature = theirV1(payload, id, TIMESTAMP, secret);
      const ours = verifierAt(TIMESTAMP, { secret });
      expect(ours(Buffer.from(payload), headersOf(signature, id))).toEqual({ ok: true });
      expect(ours(Buffer.from(payload + ' '), headersOf(signature, id))).toMatchObject({
        reason: 'mismatch',
      });
    });

    it.each(secrets)('makes what its verify accepts (secret #%#)', (secret) => {
      // Its verify reads the real clock; ours signs at the real time by default.
      const headers = signStandardWebhook(payload, { secret });
      expect(() => new Webhook(secret).verify(payload, headers)).not.toThrow();
      expect(() =>
        new Webhook(secrets[0]!).verify(payload, signStandardWebhook(payload, { secret: secrets[1]! })),
      ).toThrow();
    });
  });

  it('accepts a secret whose base64 padding was left out', () => {
    const secret = randomBytes(32).toString('base64');
    expect(secret.endsWith('=')).toBe(true);
    const signature = theirV1(PAYLOAD, MSG_ID, TIMESTAMP, secret);
    const unpadded = verifierAt(TIMESTAMP, { secret: `whsec_${secret.replace(/=+$/, '')}` });
    expect(unpadded(BODY, headersOf(signature))).toEqual({ ok: true });
  });

  it('makes a header its verify accepts when it also holds a v1a signature', () => {
    const { privateKey } = generateStandardWebhookKeyPair();
    const headers = signStandardWebhook(PAYLOAD, { secret: SECRET, privateKey });
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1a,\S+$/);
    expect(() => new Webhook(SECRET).verify(PAYLOAD, headers)).not.toThrow();
  });
});

describe('Standard Webhooks: v1a (ed25519) against the openssl CLI', () => {
  let dir: string;
  let files = 0;
  const path = (name: string) => join(dir, name);
  const tempFile = (content: string | Uint8Array): string => {
    const file = path(`f${files++}`);
    writeFileSync(file, content);
    return file;
  };
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  /** The specification's signed content, `<id>.<timestamp>.<body>`, as bytes. */
  const content = (id: string, timestamp: number, body: Uint8Array) =>
    Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
  const opensslSign = (key: string, message: Uint8Array): string => {
    const out = path(`s${files++}`);
    openssl('pkeyutl', '-sign', '-rawin', '-inkey', key, '-in', tempFile(message), '-out', out);
    return readFileSync(out).toString('base64');
  };
  const opensslVerifies = (publicKey: string, message: Uint8Array, signature: string, keyform = 'PEM') => {
    const sig = tempFile(Buffer.from(signature, 'base64'));
    try {
      openssl(
        'pkeyutl',
        '-verify',
        '-pubin',
        '-keyform',
        keyform,
        '-inkey',
        publicKey,
        '-rawin',
        '-in',
        tempFile(message),
        '-sigfile',
        sig,
      );
      return true;
    } catch {
      return false;
    }
  };
  // RFC 8410's SPKI header for an ed25519 key, so openssl can read a raw key from a file.
  const spkiFile = (raw: Buffer) =>
    tempFile(Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]));
  const v1a = (signature: string) => `v1a,${signature}`;

  let keyPem: string;
  let publicPem: string;
  let whpk: string;
  let seed: Buffer;
  let rawPublic: Buffer;
  let otherKey: string;
  let otherPublicPem: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'standard-webhooks-'));
    openssl('genpkey', '-algorithm', 'ed25519', '-out', path('key.pem'));
    openssl('pkey', '-in', path('key.pem'), '-pubout', '-out', path('pub.pem'));
    openssl('pkey', '-pubin', '-in', path('pub.pem'), '-outform', 'DER', '-out', path('pub.der'));
    openssl('pkey', '-in', path('key.pem'), '-outform', 'DER', '-out', path('key.der'));
    openssl('genpkey', '-algorithm', 'ed25519', '-out', path('other.pem'));
    openssl('pkey', '-in', path('other.pem'), '-pubout', '-out', path('other.pub.pem'));
    keyPem = readFileSync(path('key.pem'), 'utf8');
    publicPem = readFileSync(path('pub.pem'), 'utf8');
    otherKey = path('other.pem');
    otherPublicPem = readFileSync(path('other.pub.pem'), 'utf8');
    // The raw key and seed are the last 32 bytes of the SPKI and PKCS#8 encodings.
    rawPublic = readFileSync(path('pub.der')).subarray(-32);
    seed = readFileSync(path('key.der')).subarray(-32);
    whpk = `whpk_${rawPublic.toString('base64')}`;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts an openssl signature under the PEM key and under the whpk_ key, as v1a', () => {
    const signature = opensslSign(path('key.pem'), content(MSG_ID, TIMESTAMP, BODY));
    for (const publicKey of [publicPem, whpk, publicPem.replaceAll('\n', '\\n')]) {
      const verifyV1a = verifierAt(TIMESTAMP, { publicKey });
      expect(verifyV1a(BODY, headersOf(v1a(signature)))).toEqual({ ok: true, method: 'v1a' });
    }
  });

  it('accepts an empty body and a unicode body signed by openssl', () => {
    const verifyV1a = verifierAt(TIMESTAMP, { publicKey: whpk });
    for (const body of [Buffer.alloc(0), Buffer.from('{"t":"a.b","n":"🚀_𐐷_ß"}')]) {
      const signature = opensslSign(path('key.pem'), content(MSG_ID, TIMESTAMP, body));
      expect(verifyV1a(body, headersOf(v1a(signature)))).toEqual({ ok: true, method: 'v1a' });
    }
  });

  it('refuses a tampered body, id or timestamp, and another key', () => {
    const verifyV1a = verifierAt(TIMESTAMP, { publicKey: whpk });
    const signature = v1a(opensslSign(path('key.pem'), content(MSG_ID, TIMESTAMP, BODY)));
    const tampered = Buffer.from(BODY);
    tampered[3] ^= 0x01;
    const other = v1a(opensslSign(otherKey, content(MSG_ID, TIMESTAMP, BODY)));
    for (const [body, headers] of [
      [tampered, headersOf(signature)],
      [BODY, headersOf(signature, `${MSG_ID}x`)],
      [BODY, headersOf(signature, MSG_ID, TIMESTAMP + 1)],
      [BODY, headersOf(other)],
    ] as const) {
      expect(verifyV1a(body, headers)).toMatchObject({ ok: false, reason: 'mismatch' });
    }
  });

  it('accepts either key while one is rotated out', () => {
    const verifyBoth = verifierAt(TIMESTAMP, { publicKey: [whpk, otherPublicPem] });
    for (const key of [path('key.pem'), otherKey]) {
      const signature = opensslSign(key, content(MSG_ID, TIMESTAMP, BODY));
      expect(verifyBoth(BODY, headersOf(v1a(signature)))).toEqual({ ok: true, method: 'v1a' });
    }
  });

  it('signs as openssl does with the PEM key, the whsk_ seed and the whsk_ seed and public key', () => {
    const message = content(MSG_ID, TIMESTAMP, BODY);
    const theirs = opensslSign(path('key.pem'), message);
    // Ed25519 is deterministic: the same key and message give the same signature.
    for (const privateKey of [
      keyPem,
      `whsk_${seed.toString('base64')}`,
      `whsk_${Buffer.concat([seed, rawPublic]).toString('base64')}`,
    ]) {
      const headers = signStandardWebhook(BODY, { privateKey, id: MSG_ID, timestamp: TIMESTAMP });
      expect(headers['webhook-signature']).toBe(v1a(theirs));
      expect(opensslVerifies(path('pub.pem'), message, theirs)).toBe(true);
    }
    expect(opensslVerifies(path('pub.pem'), content(MSG_ID, TIMESTAMP + 1, BODY), theirs)).toBe(false);
  });

  it('generates key pairs openssl agrees with', () => {
    const pair = generateStandardWebhookKeyPair();
    expect(pair.publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    expect(pair.privateKey).toMatch(/^whsk_[A-Za-z0-9+/]{86}==$/);
    const headers = signStandardWebhook(BODY, {
      privateKey: pair.privateKey,
      id: MSG_ID,
      timestamp: TIMESTAMP,
    });
    const signature = headers['webhook-signature']!.slice('v1a,'.length);
    const der = spkiFile(Buffer.from(pair.publicKey.slice('whpk_'.length), 'base64'));
    expect(opensslVerifies(der, content(MSG_ID, TIMESTAMP, BODY), signature, 'DER')).toBe(true);
  });

  it("refuses a whsk_ key whose public half is not its seed's", () => {
    const spliced = `whsk_${Buffer.concat([seed, randomBytes(32)]).toString('base64')}`;
    expect(() => signStandardWebhook(BODY, { privateKey: spliced })).toThrow(WebhookConfigurationError);
  });

  it('checks v1 and v1a signatures of one header with whichever credential is configured', () => {
    const v1aSignature = v1a(opensslSign(path('key.pem'), content(MSG_ID, TIMESTAMP, BODY)));
    const both = headersOf(`${EXPECTED} ${v1aSignature}`);
    expect(verifierAt(TIMESTAMP, { secret: SECRET })(BODY, both)).toEqual({ ok: true });
    expect(verifierAt(TIMESTAMP, { publicKey: whpk })(BODY, both)).toEqual({ ok: true, method: 'v1a' });
    expect(verifierAt(TIMESTAMP, { secret: SECRET, publicKey: whpk })(BODY, both)).toEqual({ ok: true });
    const wrongV1 = headersOf(`${WRONG_V1} ${v1aSignature}`);
    expect(verifierAt(TIMESTAMP, { secret: SECRET, publicKey: whpk })(BODY, wrongV1)).toEqual({
      ok: true,
      method: 'v1a',
    });
  });

  it('refuses v1a signatures alone when no public key is configured, v1 alone when no secret is', () => {
    const v1aSignature = v1a(opensslSign(path('key.pem'), content(MSG_ID, TIMESTAMP, BODY)));
    expect(verify(BODY, headersOf(v1aSignature))).toMatchObject({ ok: false, reason: 'unsupported' });
    expect(verifierAt(TIMESTAMP, { publicKey: whpk })(BODY, headersOf())).toMatchObject({
      ok: false,
      reason: 'unsupported',
    });
  });

  it('refuses at configuration a key that is not an ed25519 public key, naming the option', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    const table: [unknown, string][] = [
      [`whpk_${randomBytes(31).toString('base64')}`, '"standard.publicKey"'],
      ['whpk_not base64!', '"standard.publicKey"'],
      [keyPem, 'PRIVATE KEY'],
      [rsa, 'ed25519'],
      [SECRET, '"standard.publicKey"'],
      [[whpk, 'whpk_'], '"standard.publicKey[1]"'],
      ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', 'could not be parsed'],
    ];
    for (const [publicKey, named] of table) {
      const make = () => createStandardWebhooksVerifier({ publicKey: publicKey as string });
      expect(make).toThrow(WebhookConfigurationError);
      expect(make).toThrow(named);
    }
  });
});

describe('Standard Webhooks: refusals', () => {
  const flipped = Buffer.from(BODY);
  flipped[flipped.length - 2] ^= 0x01;
  const otherSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const table: [string, Uint8Array, HeaderBag, RejectionReason][] = [
    ['an empty webhook-id', BODY, { ...headersOf(), 'webhook-id': '' }, 'missing'],
    ['a repeated webhook-id', BODY, { ...headersOf(), 'webhook-id': [MSG_ID, 'msg_2'] }, 'malformed'],
    ['a repeated webhook-timestamp', BODY, { ...headersOf(), 'webhook-timestamp': ['1', '2'] }, 'malformed'],
    [
      'a repeated webhook-signature',
      BODY,
      { ...headersOf(), 'webhook-signature': [EXPECTED, EXPECTED] },
      'malformed',
    ],
    ['a negative timestamp', BODY, headersOf(EXPECTED, MSG_ID, `-${TIMESTAMP}`), 'malformed'],
    ['a fractional timestamp', BODY, headersOf(EXPECTED, MSG_ID, `${TIMESTAMP}.0`), 'malformed'],
    ['a timestamp in ms', BODY, headersOf(EXPECTED, MSG_ID, TIMESTAMP * 1000), 'malformed'],
    ['a timestamp in exponent form', BODY, headersOf(EXPECTED, MSG_ID, '1.6e9'), 'malformed'],
    [
      'a signature under another secret',
      BODY,
      headersOf(theirV1(PAYLOAD, MSG_ID, TIMESTAMP, otherSecret)),
      'mismatch',
    ],
    ['a tampered body', flipped, headersOf(), 'mismatch'],
    ['a tampered id', BODY, headersOf(EXPECTED, 'msg_p5jXN8AQM9LWM0D4loKWxJeK'), 'mismatch'],
    ['a tampered timestamp', BODY, headersOf(EXPECTED, MSG_ID, TIMESTAMP - 1), 'mismatch'],
    ['a BOM-prefixed body', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), BODY]), headersOf(), 'mismatch'],
    ['only an unknown version', BODY, headersOf(V2), 'unsupported'],
    ['only unknown versions', BODY, headersOf(`${V2} v1b,${EXPECTED.slice(3)} v0,abc`), 'unsupported'],
    [
      'an entry without a version',
      BODY,
      headersOf('g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='),
      'malformed',
    ],
    [
      'an entry with an empty version',
      BODY,
      headersOf(',g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='),
      'malformed',
    ],
    ['a v1 signature without its padding', BODY, headersOf(EXPECTED.slice(0, -1)), 'malformed'],
    [
      'a v1 signature in base64url',
      BODY,
      headersOf('v1,g0hM9SsE-OTPJTGt_tmIKtSyZlE3uFJELVlNIOLJ1OE='),
      'malformed',
    ],
    ['a v1 signature of 31 bytes', BODY, headersOf(`v1,${randomBytes(31).toString('base64')}`), 'malformed'],
    ['a v1 signature in hex', BODY, headersOf(`v1,${randomBytes(32).toString('hex')}`), 'malformed'],
    [
      'a v1a signature of 32 bytes',
      BODY,
      headersOf(`v1a,${randomBytes(32).toString('base64')}`),
      'malformed',
    ],
    ['a comma-separated list', BODY, headersOf(`${WRONG_V1},${EXPECTED}`), 'malformed'],
    [
      'a webhook-id of 256 characters',
      BODY,
      headersOf(theirV1(PAYLOAD, 'm'.repeat(256)), 'm'.repeat(256)),
      'malformed',
    ],
    ['a non-ASCII webhook-id', BODY, headersOf(theirV1(PAYLOAD, 'msg_é'), 'msg_é'), 'malformed'],
    ['a 10,000-char signature header', BODY, headersOf(`v1,${'A'.repeat(10_000)}`), 'malformed'],
  ];
  it.each(table)('refuses %s', (_what, body, headers, reason) => {
    const result = verify(body, headers);
    expect(result).toMatchObject({ ok: false, reason });
  });

  it('accepts a webhook-id of 255 characters, and a "." in it', () => {
    for (const id of ['m'.repeat(255), 'evt.2024.07']) {
      expect(verify(BODY, headersOf(theirV1(PAYLOAD, id), id))).toEqual({ ok: true });
    }
  });

  it('refuses 17 signatures even when one matches, and accepts 16', () => {
    const wrong = Array.from({ length: 15 }, () => `v1,${randomBytes(32).toString('base64')}`);
    expect(verify(BODY, headersOf([...wrong, EXPECTED].join(' ')))).toEqual({ ok: true });
    expect(verify(BODY, headersOf([...wrong, V2, EXPECTED].join(' ')))).toMatchObject({
      ok: false,
      reason: 'malformed',
      message: 'webhook-signature holds more than 16 signatures',
    });
  });

  it('tolerates repeated spaces between signatures, and surrounding whitespace', () => {
    expect(verify(BODY, headersOf(`  ${WRONG_V1}   ${EXPECTED}  `))).toEqual({ ok: true });
  });

  it('answers mismatch, not malformed, when a well-formed signature fails beside a broken one', () => {
    expect(verify(BODY, headersOf(`${WRONG_V1} v1,broken`))).toMatchObject({ reason: 'mismatch' });
    expect(verify(BODY, headersOf(`${EXPECTED} v1,broken`))).toEqual({ ok: true });
  });

  it('reads the headers in any case', () => {
    const headers = {
      'Webhook-Id': MSG_ID,
      'WEBHOOK-TIMESTAMP': String(TIMESTAMP),
      'Webhook-Signature': EXPECTED,
    };
    expect(verify(BODY, headers)).toEqual({ ok: true });
  });

  describe('the timestamp', () => {
    const signedAt = (seconds: number) => headersOf(theirV1(PAYLOAD, MSG_ID, seconds), MSG_ID, seconds);

    it('accepts 300 s either way, refuses 301 s (expired and future) as timestamp', () => {
      for (const offset of [-300, 0, 300])
        expect(verify(BODY, signedAt(TIMESTAMP + offset))).toEqual({ ok: true });
      expect(verify(BODY, signedAt(TIMESTAMP - 301))).toMatchObject({
        ok: false,
        reason: 'timestamp',
        message: 'webhook-timestamp timestamp is older than the 300 s tolerance',
      });
      expect(verify(BODY, signedAt(TIMESTAMP + 301))).toMatchObject({
        ok: false,
        reason: 'timestamp',
        message: 'webhook-timestamp timestamp is more than 300 s in the future',
      });
    });

    it('follows the tolerance option', () => {
      const strict = verifierAt(TIMESTAMP, { secret: SECRET, tolerance: 10 });
      expect(strict(BODY, signedAt(TIMESTAMP - 10))).toEqual({ ok: true });
      expect(strict(BODY, signedAt(TIMESTAMP + 10))).toEqual({ ok: true });
      expect(strict(BODY, signedAt(TIMESTAMP - 11))).toMatchObject({ reason: 'timestamp' });
      expect(strict(BODY, signedAt(TIMESTAMP + 11))).toMatchObject({ reason: 'timestamp' });
      const lenient = verifierAt(TIMESTAMP, { secret: SECRET, tolerance: 3600 });
      expect(lenient(BODY, signedAt(TIMESTAMP - 3600))).toEqual({ ok: true });
    });

    it('is checked before the signature and the id', () => {
      const old = TIMESTAMP - 301;
      for (const headers of [
        headersOf(WRONG_V1, MSG_ID, old),
        headersOf('v1,broken', MSG_ID, old),
        headersOf(V2, MSG_ID, old),
        headersOf(EXPECTED, 'm'.repeat(300), old),
      ]) {
        expect(verify(BODY, headers)).toMatchObject({ ok: false, reason: 'timestamp' });
      }
    });

    it('reads the real clock by default', () => {
      const now = Math.floor(Date.now() / 1000);
      const live = createStandardWebhooksVerifier({ secret: SECRET });
      expect(live(BODY, signedAt(now))).toEqual({ ok: true });
      expect(live(BODY, signedAt(now - 3600))).toMatchObject({ reason: 'timestamp' });
    });
  });

  it('accepts every secret while one is rotated out, and nothing else', () => {
    const next = `whsec_${randomBytes(32).toString('base64')}`;
    const rotating = verifierAt(TIMESTAMP, { secret: [SECRET, next] });
    expect(rotating(BODY, headersOf())).toEqual({ ok: true });
    expect(rotating(BODY, headersOf(theirV1(PAYLOAD, MSG_ID, TIMESTAMP, next)))).toEqual({ ok: true });
    expect(rotating(BODY, headersOf(theirV1(PAYLOAD, MSG_ID, TIMESTAMP, otherSecret)))).toMatchObject({
      reason: 'mismatch',
    });
  });

  it('keeps the secret and the expected signature out of its messages', () => {
    const results = [
      verify(BODY, headersOf(theirV1(PAYLOAD, MSG_ID, TIMESTAMP, otherSecret))),
      verify(flipped, headersOf()),
      verify(BODY, headersOf('v1,broken')),
      verify(BODY, headersOf(V2)),
    ];
    for (const result of results) {
      const text = JSON.stringify(result);
      expect(result.ok).toBe(false);
      expect(text).not.toContain(BARE_SECRET);
      expect(text).not.toContain(EXPECTED.slice(3));
    }
  });

  it('answers unavailable, without throwing, when handed a parsed body instead of the raw bytes', () => {
    for (const body of [PAYLOAD, { test: 2432232314 }, undefined]) {
      expect(verify(body as unknown as Uint8Array, headersOf())).toMatchObject({
        ok: false,
        reason: 'unavailable',
      });
    }
  });
});

describe('Standard Webhooks: configuration', () => {
  it('requires a secret or a public key, naming the secret option', () => {
    for (const credentials of [{}, undefined, { tolerance: 60 }]) {
      const make = () => createStandardWebhooksVerifier(credentials as StandardWebhooksCredentials);
      expect(make).toThrow(WebhookConfigurationError);
      expect(make).toThrow('"standard.secret"');
    }
    expect(() => createStandardWebhooksVerifier({}, 'senders.acme')).toThrow('"senders.acme.secret"');
  });

  it.each([
    ['an empty list', [], '"standard.secret"'],
    ['a bare prefix', 'whsec_', '"standard.secret"'],
    ['text that is not base64', 'whsec_not base64!', '"standard.secret"'],
    ['a plain password', 'correct horse battery staple', '"standard.secret"'],
    ['base64 with a stray bit', `whsec_${'A'.repeat(42)}B=`, '"standard.secret"'],
    ['a base64 length that cannot be', 'whsec_MfKQ9', '"standard.secret"'],
    ['a bad second secret', [SECRET, 'whsec_#'], '"standard.secret[1]"'],
    ['an empty second secret', [SECRET, ''], '"standard.secret[1]"'],
    ['a public key', `whpk_${randomBytes(32).toString('base64')}`, 'publicKey'],
  ])('refuses %s as the secret, naming the option', (_what, secret, named) => {
    const make = () => createStandardWebhooksVerifier({ secret: secret as string });
    expect(make).toThrow(WebhookConfigurationError);
    expect(make).toThrow(named);
  });

  it('keeps the secret out of its configuration errors', () => {
    const secret = 'whsec_s3cr3t-but-not-base64';
    expect(() => createStandardWebhooksVerifier({ secret })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cr3t') }),
    );
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses the tolerance %p, naming it', (tolerance) => {
    expect(() => createStandardWebhooksVerifier({ secret: SECRET, tolerance })).toThrow(
      '"standard.tolerance"',
    );
  });
});

describe('Standard Webhooks: signing', () => {
  it('makes a fresh msg_ id and signs at the current second by default', () => {
    const before = Math.floor(Date.now() / 1000);
    const first = signStandardWebhook(PAYLOAD, { secret: SECRET });
    const second = signStandardWebhook(PAYLOAD, { secret: SECRET });
    expect(first['webhook-id']).toMatch(/^msg_[A-Za-z0-9_-]{24}$/);
    expect(first['webhook-id']).not.toBe(second['webhook-id']);
    const timestamp = Number(first['webhook-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(Object.keys(first).sort()).toEqual([...ALL_HEADERS].sort());
  });

  it('refuses to sign without a secret or a private key, or at an impossible time', () => {
    expect(() => signStandardWebhook(PAYLOAD, {})).toThrow(WebhookConfigurationError);
    for (const timestamp of [1.5, -1, new Date(Number.NaN)]) {
      expect(() => signStandardWebhook(PAYLOAD, { secret: SECRET, timestamp })).toThrow(
        WebhookConfigurationError,
      );
    }
    expect(() => signStandardWebhook(PAYLOAD, { privateKey: 'whsk_short' })).toThrow(
      WebhookConfigurationError,
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() => signStandardWebhook(PAYLOAD, { privateKey: rsa })).toThrow('ed25519');
  });
});
