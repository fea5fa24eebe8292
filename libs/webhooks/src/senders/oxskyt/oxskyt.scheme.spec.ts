import { describe, expect, it } from '@jest/globals';
import { createOxskytVerifier, signOxskyt } from './oxskyt.scheme.js';
import { WebhookConfigurationError } from '../../schemes/scheme.errors.js';
import type { HeaderBag, RejectionReason } from '../../schemes/scheme.types.js';

// PROVIDERS.md vector, computed there by two independent implementations.
const BODY = '{"a":1}';
const SECRET = 's3cr3t';
const VECTOR = 'ce7b4b997bee6fe88045ddf612331cd2ca30c4db2f668e3aefc2d2963f74323b';
const UNICODE = '{"name":"Zoë 👩‍💻 𝄞 𠜎","note":"ünïcödé"}';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const verify = createOxskytVerifier({ secret: SECRET });
const signature = (body: string, secret = SECRET): string => signOxskyt(body, { secret })['x-signature'];

describe('OxsKYT scheme', () => {
  it('accepts the documented vector, in lower and upper case hex', () => {
    expect(verify(bytes(BODY), { 'x-signature': VECTOR })).toEqual({ ok: true });
    expect(verify(bytes(BODY), { 'X-Signature': VECTOR.toUpperCase() })).toEqual({ ok: true });
  });

  it('signs the documented vector', () => {
    expect(signOxskyt(BODY, { secret: SECRET })).toEqual({ 'x-signature': VECTOR });
    expect(signOxskyt(bytes(BODY), { secret: SECRET })).toEqual({ 'x-signature': VECTOR });
  });

  it.each(['', UNICODE])('accepts a correctly signed body %j', (body) => {
    expect(verify(bytes(body), { 'x-signature': signature(body) })).toEqual({ ok: true });
  });

  const flipped = bytes(BODY);
  flipped[5] ^= 0x01;
  const cases: [string, Uint8Array, HeaderBag, RejectionReason][] = [
    ['one flipped body byte', flipped, { 'x-signature': VECTOR }, 'mismatch'],
    ['a wrong secret', bytes(BODY), { 'x-signature': signature(BODY, 's3cr3T') }, 'mismatch'],
    ['no header', bytes(BODY), {}, 'missing'],
    ['an empty header', bytes(BODY), { 'x-signature': '  ' }, 'missing'],
    ['a truncated signature', bytes(BODY), { 'x-signature': VECTOR.slice(0, 62) }, 'malformed'],
    [
      'base64 where hex is due',
      bytes(BODY),
      { 'x-signature': Buffer.from(VECTOR, 'hex').toString('base64') },
      'malformed',
    ],
    ['non-hex characters', bytes(BODY), { 'x-signature': `${VECTOR.slice(0, 63)}g` }, 'malformed'],
    ['an empty body under a signature of another', new Uint8Array(0), { 'x-signature': VECTOR }, 'mismatch'],
    [
      'a tampered unicode body',
      bytes(UNICODE.replace('👩‍💻', '👨‍💻')),
      { 'x-signature': signature(UNICODE) },
      'mismatch',
    ],
    ['a UTF-8 BOM before the signed body', bytes(`\uFEFF${BODY}`), { 'x-signature': VECTOR }, 'mismatch'],
    // The fallback must not strip the BOM either, or this reformatted body would match.
    ['a UTF-8 BOM before reformatted JSON', bytes('\uFEFF{ "a": 1 }'), { 'x-signature': VECTOR }, 'mismatch'],
    ['a repeated header', bytes(BODY), { 'x-signature': [VECTOR, VECTOR] }, 'malformed'],
    ['a 10,000-char header', bytes(BODY), { 'x-signature': 'a'.repeat(10_000) }, 'malformed'],
  ];
  it.each(cases)('rejects %s', (_name, body, headers, reason) => {
    expect(verify(body, headers)).toEqual({ ok: false, reason, message: expect.any(String) });
  });

  it('tries the compact JSON.stringify form the vendor example signs, and says so', () => {
    const pretty = JSON.stringify({ a: 1 }, null, 2);
    expect(verify(bytes(pretty), { 'x-signature': VECTOR })).toEqual({ ok: true, viaFallback: true });
    // Escapes resolve to the same characters, as JSON.stringify(req.body) would have signed them.
    expect(verify(bytes('{"s": "\\u00e9"}'), { 'x-signature': signature('{"s":"é"}') })).toMatchObject({
      ok: true,
      viaFallback: true,
    });
  });

  it('tries that fallback only up to jsonFallbackLimit (default 256 KiB), 0 turning it off', () => {
    const big = { a: 1, pad: 'x'.repeat(300 * 1024) };
    const pretty = bytes(JSON.stringify(big, null, 2));
    const headers = { 'x-signature': signature(JSON.stringify(big)) };
    expect(verify(pretty, headers)).toMatchObject({ ok: false, reason: 'mismatch' });
    const roomy = createOxskytVerifier({ secret: SECRET, jsonFallbackLimit: 2 ** 20 });
    expect(roomy(pretty, headers)).toEqual({ ok: true, viaFallback: true });
    const off = createOxskytVerifier({ secret: SECRET, jsonFallbackLimit: 0 });
    expect(off(bytes(JSON.stringify({ a: 1 }, null, 2)), { 'x-signature': VECTOR })).toMatchObject({
      reason: 'mismatch',
    });
    expect(off(bytes(BODY), { 'x-signature': VECTOR })).toEqual({ ok: true });
  });

  it('does not let the fallback reorder keys', () => {
    expect(verify(bytes('{"b":2,"a":1}'), { 'x-signature': signature('{"a":1,"b":2}') })).toMatchObject({
      reason: 'mismatch',
    });
  });

  it('accepts every rotated secret and no other', () => {
    const rotating = createOxskytVerifier({ secret: ['old-secret', 'new-secret'] });
    expect(rotating(bytes(BODY), { 'x-signature': signature(BODY, 'old-secret') }).ok).toBe(true);
    expect(rotating(bytes(BODY), { 'x-signature': signature(BODY, 'new-secret') }).ok).toBe(true);
    expect(rotating(bytes(BODY), { 'x-signature': signature(BODY, 'third') })).toMatchObject({
      reason: 'mismatch',
    });
  });

  it('never puts the secret or the expected digest in a message', () => {
    const result = verify(bytes(BODY), { 'x-signature': signature(BODY, 'wrong') });
    expect(result.ok).toBe(false);
    const message = result.ok ? '' : result.message;
    for (const secret of [SECRET, VECTOR, VECTOR.toUpperCase()]) expect(message).not.toContain(secret);
  });

  it('answers rather than throws when the host passes nonsense', () => {
    expect(verify(undefined as unknown as Uint8Array, { 'x-signature': VECTOR })).toMatchObject({
      ok: false,
      reason: 'unavailable',
    });
    expect(verify(bytes(BODY), null as unknown as HeaderBag)).toMatchObject({
      ok: false,
      reason: 'unavailable',
    });
  });

  it.each([
    [{ secret: '' }, 'oxskyt.secret'],
    [{ secret: [] }, 'oxskyt.secret'],
    [{ secret: ['ok', ''] }, 'oxskyt.secret[1]'],
    [{}, 'oxskyt.secret'],
    [{ secret: 's', jsonFallbackLimit: -1 }, 'oxskyt.jsonFallbackLimit'],
    [{ secret: 's', jsonFallbackLimit: 0.5 }, 'oxskyt.jsonFallbackLimit'],
  ])('refuses configuration %j naming %s', (credentials, option) => {
    const create = () => createOxskytVerifier(credentials as { secret: string });
    expect(create).toThrow(WebhookConfigurationError);
    expect(create).toThrow(`"${option}"`);
  });

  it('names the option path it was given', () => {
    expect(() => createOxskytVerifier({ secret: '' }, 'webhooks.senders.oxskyt')).toThrow(
      '"webhooks.senders.oxskyt.secret"',
    );
  });
});
