/**
 * The generic HMAC verifier against signatures made by tools that share no code with it: OpenSSL's
 * command line (the raw digest, encoded here) and Python's hmac module (which encodes its own).
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { WebhookConfigurationError } from '../../schemes/scheme.errors.js';
import type { HeaderBag, RejectionReason } from '../../schemes/scheme.types.js';
import {
  createHmacVerifier,
  HMAC_ALGORITHMS,
  HMAC_ENCODINGS,
  signHmac,
  type HmacAlgorithm,
  type HmacEncoding,
  type HmacSignatureOptions,
} from './hmac.scheme.js';

// os.fsencode hands Python the argv bytes exactly as Node wrote them (UTF-8), whatever the locale.
const PY_HMAC = `import base64, hashlib, hmac, os, sys
mac = hmac.new(os.fsencode(sys.argv[1]), sys.stdin.buffer.read(), sys.argv[2]).digest()
print(mac.hex() if sys.argv[3] == 'hex' else base64.b64encode(mac).decode())`;

function run(command: string, args: string[], input: Uint8Array): Buffer {
  const result = spawnSync(command, args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr?.toString() ?? result.error}`);
  return result.stdout;
}

const cache = new Map<string, string>();
const once = (key: string, make: () => string) => {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key)!;
};
const keyOf = (...parts: (string | Uint8Array)[]) =>
  parts.map((part) => (typeof part === 'string' ? part : Buffer.from(part).toString('hex'))).join('|');

/** `openssl dgst -<alg> -hmac <secret> -binary` on the body, encoded here. */
const opensslHmac = (algorithm: HmacAlgorithm, secret: string, body: Uint8Array, encoding: HmacEncoding) =>
  Buffer.from(
    once(keyOf('openssl', algorithm, secret, body), () =>
      run('openssl', ['dgst', `-${algorithm}`, '-hmac', secret, '-binary'], body).toString('hex'),
    ),
    'hex',
  ).toString(encoding);
const pythonHmac = (algorithm: HmacAlgorithm, secret: string, body: Uint8Array, encoding: HmacEncoding) =>
  once(keyOf('python', algorithm, secret, body, encoding), () =>
    run('python3', ['-c', PY_HMAC, secret, algorithm, encoding], body).toString('utf8').trim(),
  );

const BODIES: [string, Buffer][] = [
  ['a JSON body', Buffer.from('{"id":820982911946154508,"topic":"orders/create"}')],
  ['a unicode body', Buffer.from('{"note":"dóc_👩‍🔬_𝄞_𠜎","ß":"\\u00df"}')],
  ['random binary', randomBytes(777)],
  ['an empty body', Buffer.alloc(0)],
];
const SECRETS = ['s3cr3t', 'wh_sëcret/🔑+=='];
const BODY = BODIES[0][1];
/** A refusal: what is sent, and the reason it must get. */
type Case = [string, () => [Uint8Array, HeaderBag], RejectionReason];
const SECRET = SECRETS[0];

const COMBINATIONS: [HmacAlgorithm, HmacEncoding, string | undefined][] = HMAC_ALGORITHMS.flatMap(
  (algorithm) =>
    HMAC_ENCODINGS.flatMap((encoding) => [
      [algorithm, encoding, undefined] as [HmacAlgorithm, HmacEncoding, undefined],
      [algorithm, encoding, `${algorithm}=`] as [HmacAlgorithm, HmacEncoding, string],
    ]),
);

describe.each(COMBINATIONS)('HMAC-%s in %s, prefix %j', (algorithm, encoding, prefix) => {
  const signature: HmacSignatureOptions = { header: 'X-Acme-Signature', algorithm, encoding, prefix };
  const verify = createHmacVerifier({ secret: SECRET }, 'senders.acme', signature);
  const headers = (value: string | readonly string[]): HeaderBag => ({ 'x-acme-signature': value });
  const withPrefix = (digest: string) => (prefix ?? '') + digest;
  /** The header value as the vendor would send it, from an independent implementation. */
  const valueOf = (body: Uint8Array, secret = SECRET) =>
    withPrefix(opensslHmac(algorithm, secret, body, encoding));
  const digestOf = (body: Uint8Array, secret = SECRET) =>
    Buffer.from(opensslHmac(algorithm, secret, body, 'hex'), 'hex');
  const encode = (bytes: Uint8Array) => withPrefix(Buffer.from(bytes).toString(encoding));

  describe.each(BODIES)('on %s', (_name, body) => {
    it.each(SECRETS)(
      'accepts what openssl and python sign, and signs as python does (secret %j)',
      (secret) => {
        const verifyUnder = createHmacVerifier({ secret }, 'senders.acme', signature);
        const python = pythonHmac(algorithm, secret, body, encoding);
        const openssl = opensslHmac(algorithm, secret, body, encoding);
        expect(openssl).toBe(python);
        expect(verifyUnder(body, headers(withPrefix(openssl)))).toEqual({ ok: true });
        expect(verifyUnder(body, headers(withPrefix(python)))).toEqual({ ok: true });
        expect(signHmac(body, { secret }, signature)).toEqual({ 'X-Acme-Signature': withPrefix(python) });
        // Text is signed as its UTF-8 bytes.
        const text = body.toString('utf8');
        if (Buffer.from(text, 'utf8').equals(body)) {
          expect(signHmac(text, { secret }, signature)).toEqual({ 'X-Acme-Signature': withPrefix(python) });
        }
      },
    );
  });

  it('reads the header whatever the case of its name', () => {
    expect(verify(BODY, { 'X-ACME-Signature': valueOf(BODY) })).toEqual({ ok: true });
  });

  if (encoding === 'hex') {
    it('accepts upper-case hex digits', () => {
      const digest = opensslHmac(algorithm, SECRET, BODY, 'hex').toUpperCase();
      expect(verify(BODY, headers(withPrefix(digest)))).toEqual({ ok: true });
    });
  }

  const tampered = Buffer.from(BODY);
  tampered[5] ^= 0x01;
  const digest = digestOf(BODY);
  const table: Case[] = [
    ['a signature under another secret', () => [BODY, headers(valueOf(BODY, 'not-it'))], 'mismatch'],
    ['a tampered body', () => [tampered, headers(valueOf(BODY))], 'mismatch'],
    [
      'the compact JSON of the body signed, the body sent spaced (raw bytes only, no fallback)',
      () => [Buffer.from('{ "a": 1, "b": "x" }'), headers(valueOf(Buffer.from('{"a":1,"b":"x"}')))],
      'mismatch',
    ],
    ['an absent header', () => [BODY, { 'x-signature': valueOf(BODY) }], 'missing'],
    ['an empty header', () => [BODY, headers('')], 'missing'],
    ['two copies of the header', () => [BODY, headers([valueOf(BODY), valueOf(BODY)])], 'malformed'],
    ['a 10,000-char header', () => [BODY, headers('a'.repeat(10_000))], 'malformed'],
    ['a signature one byte short', () => [BODY, headers(encode(digest.subarray(1)))], 'malformed'],
    [
      'a signature one byte long',
      () => [BODY, headers(encode(Buffer.concat([digest, Buffer.of(0)])))],
      'malformed',
    ],
    [
      'the digest in the other encoding',
      () => [BODY, headers(withPrefix(digest.toString(encoding === 'hex' ? 'base64' : 'hex')))],
      'malformed',
    ],
    ...(prefix === undefined
      ? ([
          ['an extra "sha256=" prefix', () => [BODY, headers(`sha256=${valueOf(BODY)}`)], 'malformed'],
          ['an extra space-separated prefix', () => [BODY, headers(`v1 ${valueOf(BODY)}`)], 'malformed'],
        ] satisfies Case[])
      : ([
          ['a missing prefix', () => [BODY, headers(valueOf(BODY).slice(prefix.length))], 'malformed'],
          [
            'another prefix',
            () => [BODY, headers(`sha384=${valueOf(BODY).slice(prefix.length)}`)],
            'malformed',
          ],
          [
            'the prefix in upper case',
            () => [BODY, headers(prefix.toUpperCase() + valueOf(BODY).slice(prefix.length))],
            'malformed',
          ],
          ['the prefix twice', () => [BODY, headers(prefix + valueOf(BODY))], 'malformed'],
          ['the prefix alone', () => [BODY, headers(prefix)], 'malformed'],
        ] satisfies Case[])),
  ];
  it.each(table)('rejects %s', (_what, make, reason) => {
    const [body, bag] = make();
    const result = verify(body, bag);
    expect(result).toMatchObject({ ok: false, reason });
  });

  if (encoding === 'hex') {
    it('refuses a signature with one character that is not a hex digit, wherever it is', () => {
      const good = opensslHmac(algorithm, SECRET, BODY, 'hex');
      for (let at = 0; at < good.length; at += 7) {
        for (const bad of ['g', 'Z', ' ', '-', 'é', '０']) {
          const value = withPrefix(good.slice(0, at) + bad + good.slice(at + 1));
          expect(verify(BODY, headers(value))).toMatchObject({ ok: false, reason: 'malformed' });
        }
      }
    });
  } else {
    it('refuses base64 that is not canonical, not padded, url-safe or holds stray characters', () => {
      const good = opensslHmac(algorithm, SECRET, BODY, 'base64');
      const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
      const last = good.replace(/=+$/, '').length - 1;
      // The last character before the padding carries unused low bits: setting one decodes the same.
      const stray = good.slice(0, last) + ALPHABET[ALPHABET.indexOf(good[last]!) ^ 1] + good.slice(last + 1);
      expect(Buffer.from(stray, 'base64').equals(Buffer.from(good, 'base64'))).toBe(true);
      const urlSafe =
        digest.toString('base64').includes('+') || digest.toString('base64').includes('/')
          ? digest.toString('base64url')
          : undefined;
      for (const value of [
        stray,
        good.replace(/=+$/, ''),
        `${good}=`,
        ` ${good.slice(1)}`,
        `${good.slice(0, 8)}\n${good.slice(8)}`,
        `${good.slice(0, 8)}*${good.slice(9)}`,
        ...(urlSafe === undefined
          ? []
          : [urlSafe, `${urlSafe}${'='.repeat((4 - (urlSafe.length % 4)) % 4)}`]),
      ]) {
        expect([value, verify(BODY, headers(withPrefix(value)))]).toMatchObject([
          value,
          { ok: false, reason: 'malformed' },
        ]);
      }
    });
  }

  it('accepts every secret while one is rotated out, and no other', () => {
    const rotating = createHmacVerifier({ secret: ['old-s3cr3t', SECRET] }, 'senders.acme', signature);
    expect(rotating(BODY, headers(valueOf(BODY, 'old-s3cr3t')))).toEqual({ ok: true });
    expect(rotating(BODY, headers(valueOf(BODY, SECRET)))).toEqual({ ok: true });
    expect(rotating(BODY, headers(valueOf(BODY, 'n3w-s3cr3t')))).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('keeps the secret and the expected signature out of its messages', () => {
    const expected = opensslHmac(algorithm, SECRET, BODY, encoding);
    for (const value of [valueOf(BODY, 'guess'), withPrefix('0'), valueOf(tampered)]) {
      const result = verify(BODY, headers(value));
      const text = JSON.stringify(result);
      expect(result.ok).toBe(false);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(expected);
      expect(text.toLowerCase()).not.toContain(digest.toString('hex'));
    }
  });
});

describe('createHmacVerifier', () => {
  const signature: HmacSignatureOptions = {
    header: 'X-Hub-Signature-256',
    algorithm: 'sha256',
    encoding: 'hex',
    prefix: 'sha256=',
  };
  const verify = createHmacVerifier({ secret: SECRET }, 'senders.github', signature);

  it('runs HMAC-SHA1 on this OpenSSL (a policy refusing it would be answered unavailable, not thrown)', () => {
    expect(() => createHmac('sha1', SECRET).update(BODY).digest()).not.toThrow();
    const sha1 = createHmacVerifier({ secret: SECRET }, 'senders.acme', {
      header: 'X-Sig',
      algorithm: 'sha1',
      encoding: 'hex',
    });
    expect(sha1(BODY, { 'x-sig': opensslHmac('sha1', SECRET, BODY, 'hex') })).toEqual({ ok: true });
  });

  it('takes a prefix that ends with a space, and requires that space', () => {
    const options: HmacSignatureOptions = {
      header: 'Authorization',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: 'HMAC ',
    };
    const byScheme = createHmacVerifier({ secret: SECRET }, 'senders.acme', options);
    const hex = opensslHmac('sha256', SECRET, BODY, 'hex');
    expect(byScheme(BODY, { authorization: `HMAC ${hex}` })).toEqual({ ok: true });
    expect(byScheme(BODY, { authorization: `HMAC${hex}` })).toMatchObject({ reason: 'malformed' });
    expect(byScheme(BODY, { authorization: `HMAC  ${hex}` })).toMatchObject({ reason: 'malformed' });
    expect(signHmac(BODY, { secret: SECRET }, options)).toEqual({ Authorization: `HMAC ${hex}` });
  });

  it('names the expected form in its malformed message', () => {
    expect(verify(BODY, { 'x-hub-signature-256': 'nope' })).toEqual({
      ok: false,
      reason: 'malformed',
      message: 'X-Hub-Signature-256 must be "sha256=" followed by 64 hex digits',
    });
    const shopify = createHmacVerifier({ secret: SECRET }, 'senders.shopify', {
      header: 'X-Shopify-Hmac-Sha256',
      algorithm: 'sha256',
      encoding: 'base64',
    });
    expect(shopify(BODY, { 'x-shopify-hmac-sha256': 'nope' })).toEqual({
      ok: false,
      reason: 'malformed',
      message: 'X-Shopify-Hmac-Sha256 must be 44 characters of base64',
    });
  });

  it('answers unavailable, without throwing, when handed a parsed body or a header bag that throws', () => {
    const value = `sha256=${opensslHmac('sha256', SECRET, BODY, 'hex')}`;
    for (const body of [BODY.toString(), JSON.parse(BODY.toString()), undefined]) {
      expect(verify(body as Uint8Array, { 'x-hub-signature-256': value })).toMatchObject({
        ok: false,
        reason: 'unavailable',
      });
    }
    const hostile = {
      get 'x-hub-signature-256'(): string {
        throw new Error('boom');
      },
    };
    expect(verify(BODY, hostile)).toMatchObject({ ok: false, reason: 'unavailable' });
  });

  it('copies its options: changing them afterwards changes nothing', () => {
    const options = { ...signature };
    const verifier = createHmacVerifier({ secret: SECRET }, 'senders.github', options);
    options.prefix = 'sha1=';
    expect(
      verifier(BODY, { 'x-hub-signature-256': `sha256=${opensslHmac('sha256', SECRET, BODY, 'hex')}` }),
    ).toEqual({ ok: true });
  });

  it('fails at configuration, naming the option, on an empty secret or an empty list', () => {
    expect(() => createHmacVerifier({ secret: '' }, 'senders.acme', signature)).toThrow(
      WebhookConfigurationError,
    );
    expect(() => createHmacVerifier({ secret: '' }, 'senders.acme', signature)).toThrow(
      '"senders.acme.secret"',
    );
    expect(() => createHmacVerifier({ secret: [] }, 'senders.acme', signature)).toThrow(
      '"senders.acme.secret"',
    );
    expect(() => createHmacVerifier({ secret: ['a', ''] }, 'senders.acme', signature)).toThrow(
      '"senders.acme.secret[1]"',
    );
    expect(() => createHmacVerifier(undefined as never, 'senders.acme', signature)).toThrow(
      '"senders.acme.secret"',
    );
  });

  it.each([
    ['header', { header: 'X Sig' }],
    ['algorithm', { algorithm: 'md5' }],
    ['encoding', { encoding: 'base64url' }],
    ['prefix', { prefix: '' }],
  ])('refuses a bad %s, naming signature.<field>, when called directly', (field, change) => {
    expect(() =>
      createHmacVerifier({ secret: SECRET }, 'senders.acme', { ...signature, ...change } as never),
    ).toThrow(`"signature.${field}"`);
    expect(() => signHmac(BODY, { secret: SECRET }, { ...signature, ...change } as never)).toThrow(
      `"signature.${field}"`,
    );
  });
});
