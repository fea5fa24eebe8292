import { describe, expect, it } from '@jest/globals';
import { createCertificallVerifier, signCertificall } from './certificall.scheme.js';
import { WebhookConfigurationError } from '../../schemes/scheme.errors.js';
import type { HeaderBag, RejectionReason } from '../../schemes/scheme.types.js';

// PROVIDERS.md vectors: HMAC-SHA256("s3cr3t", '{"a":1}') in hex and in base64.
const BODY = Buffer.from('{"a":1}');
const HEX = 'd42927434049e0b8c73ce887062238cc1c6bb6644bfe66e66d8dd0f30b85679e';
const B64 = '1CknQ0BJ4LjHPOiHBiI4zBxrtmRL/mbmbY3Q8wuFZ54=';
const KEY = 'cf-key-1';
const CASE = '{"cfRef":"CF-1","reportId":"r-1","items":[{"description":"façade 🏠 𝔘𝔫𝔦"}]}';

const all = createCertificallVerifier({
  bearerToken: 'bearer-tok',
  hmac: { apiKey: KEY, apiSecret: 's3cr3t' },
  basic: { username: 'certificall', password: 'p:ss w0rd' },
});
// null leaves X-Api-Key out.
const hmacHeaders = (signature: string, apiKey: string | readonly string[] | null = KEY): HeaderBag => ({
  authorization: `HMAC-SHA256 ${KEY}:${signature}`,
  ...(apiKey === null ? {} : { 'x-api-key': apiKey }),
});
const basic = (pair: string) => ({ authorization: `Basic ${Buffer.from(pair).toString('base64')}` });
const hmacSigned = (body: string | Uint8Array, apiSecret = 's3cr3t', apiKey = KEY) =>
  signCertificall(body, { method: 'hmac', apiKey, apiSecret });

describe('Certificall scheme', () => {
  it('accepts the documented HMAC vectors in hex (either case) and base64', () => {
    expect(all(BODY, hmacHeaders(HEX))).toEqual({ ok: true, method: 'hmac' });
    expect(all(BODY, hmacHeaders(HEX.toUpperCase()))).toEqual({ ok: true, method: 'hmac' });
    expect(all(BODY, hmacHeaders(B64))).toEqual({ ok: true, method: 'hmac' });
  });

  it('signs the documented vectors with both headers, hex by default', () => {
    expect(hmacSigned('{"a":1}')).toEqual({ Authorization: `HMAC-SHA256 ${KEY}:${HEX}`, 'X-Api-Key': KEY });
    const b64 = signCertificall(BODY, {
      method: 'hmac',
      apiKey: KEY,
      apiSecret: 's3cr3t',
      encoding: 'base64',
    });
    expect(b64.Authorization).toBe(`HMAC-SHA256 ${KEY}:${B64}`);
  });

  it('accepts its own signer for each method', () => {
    expect(all(BODY, signCertificall(BODY, { method: 'bearer', bearerToken: 'bearer-tok' }))).toEqual({
      ok: true,
      method: 'bearer',
    });
    const viaBasic = signCertificall(BODY, {
      method: 'basic',
      username: 'certificall',
      password: 'p:ss w0rd',
    });
    expect(all(BODY, viaBasic)).toEqual({ ok: true, method: 'basic' });
    expect(all(Buffer.from(CASE), hmacSigned(CASE))).toEqual({ ok: true, method: 'hmac' });
    expect(all(Buffer.alloc(0), hmacSigned(''))).toEqual({ ok: true, method: 'hmac' });
  });

  it('reads the scheme word case-insensitively and Basic per RFC 7617 (split on the first colon)', () => {
    expect(all(BODY, { authorization: 'bEaReR bearer-tok' })).toMatchObject({ ok: true, method: 'bearer' });
    expect(all(BODY, basic('certificall:p:ss w0rd'))).toMatchObject({ ok: true, method: 'basic' });
    expect(all(BODY, basic('certificall:p:ss'))).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('splits HMAC credentials on the last colon, so a key may hold one', () => {
    const verify = createCertificallVerifier({ hmac: { apiKey: 'tenant:42', apiSecret: 's3cr3t' } });
    expect(verify(BODY, { authorization: `HMAC-SHA256 tenant:42:${HEX}`, 'x-api-key': 'tenant:42' }).ok).toBe(
      true,
    );
  });

  it('finds the separator before a base64 signature too, and takes any whitespace after the scheme', () => {
    const verify = createCertificallVerifier({ hmac: { apiKey: 'tenant:42', apiSecret: 's3cr3t' } });
    const headers = (authorization: string) => ({ authorization, 'x-api-key': 'tenant:42' });
    expect(verify(BODY, headers(`HMAC-SHA256 tenant:42:${B64}`)).ok).toBe(true);
    expect(verify(BODY, headers(`HMAC-SHA256\ttenant:42:${HEX}`)).ok).toBe(true);
    expect(verify(BODY, headers(`hmac-sha256  tenant:42:${B64}`)).ok).toBe(true);
    // A colon inside what would be the signature leaves no valid separator.
    expect(verify(BODY, headers(`HMAC-SHA256 tenant:42:${HEX.slice(0, 30)}:${HEX.slice(31)}`))).toMatchObject(
      {
        ok: false,
        reason: 'malformed',
      },
    );
  });

  it('falls back to the compact JSON the vendor example signs, and says so', () => {
    const pretty = Buffer.from(JSON.stringify({ a: 1 }, null, 2));
    expect(all(pretty, hmacHeaders(HEX))).toEqual({ ok: true, method: 'hmac', viaFallback: true });
    expect(all(pretty, hmacHeaders(B64))).toEqual({ ok: true, method: 'hmac', viaFallback: true });
  });

  it('tries that fallback only up to jsonFallbackLimit (default 256 KiB), 0 turning it off', () => {
    const big = { a: 1, pad: 'x'.repeat(300 * 1024) };
    const pretty = Buffer.from(JSON.stringify(big, null, 2));
    const headers = hmacSigned(JSON.stringify(big));
    expect(all(pretty, headers)).toMatchObject({ ok: false, reason: 'mismatch' });
    const roomy = createCertificallVerifier({
      hmac: { apiKey: KEY, apiSecret: 's3cr3t' },
      jsonFallbackLimit: 2 ** 20,
    });
    expect(roomy(pretty, headers)).toEqual({ ok: true, method: 'hmac', viaFallback: true });
    const off = createCertificallVerifier({
      hmac: { apiKey: KEY, apiSecret: 's3cr3t' },
      jsonFallbackLimit: 0,
    });
    const small = Buffer.from(JSON.stringify({ a: 1 }, null, 2));
    expect(off(small, hmacHeaders(HEX))).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(off(BODY, hmacHeaders(HEX))).toEqual({ ok: true, method: 'hmac' });
  });

  const tampered = Buffer.from(CASE);
  tampered[tampered.length - 6] ^= 0x01;
  const rejections: [string, Uint8Array, HeaderBag, RejectionReason][] = [
    ['a flipped body byte', Buffer.from('{"a":3}'), hmacHeaders(HEX), 'mismatch'],
    ['an HMAC under another secret', BODY, hmacSigned(BODY, 's3cr3T'), 'mismatch'],
    ['an unknown key, consistently sent', BODY, hmacSigned(BODY, 's3cr3t', 'cf-key-2'), 'mismatch'],
    ['no Authorization', BODY, { 'x-api-key': KEY }, 'missing'],
    ['no X-Api-Key', BODY, hmacHeaders(HEX, null), 'missing'],
    ['an X-Api-Key other than the key in Authorization', BODY, hmacHeaders(HEX, 'cf-key-2'), 'mismatch'],
    ['X-Api-Key twice', BODY, hmacHeaders(HEX, [KEY, KEY]), 'malformed'],
    ['a truncated hex signature', BODY, hmacHeaders(HEX.slice(0, 63)), 'malformed'],
    ['unpadded base64', BODY, hmacHeaders(B64.slice(0, -1)), 'malformed'],
    ['base64url', BODY, hmacHeaders(B64.replace('/', '_')), 'malformed'],
    ['hex with a non-hex digit', BODY, hmacHeaders(`x${HEX.slice(1)}`), 'malformed'],
    ['no colon', BODY, { authorization: `HMAC-SHA256 ${HEX}`, 'x-api-key': KEY }, 'malformed'],
    ['an empty key', BODY, { authorization: `HMAC-SHA256 :${HEX}`, 'x-api-key': KEY }, 'malformed'],
    ['an empty body', Buffer.alloc(0), hmacHeaders(HEX), 'mismatch'],
    ['a tampered unicode body', tampered, hmacSigned(CASE), 'mismatch'],
    ['a BOM before the signed body', Buffer.from(`\uFEFF{"a":1}`), hmacHeaders(HEX), 'mismatch'],
    ['a BOM before reformatted JSON', Buffer.from('\uFEFF{ "a": 1 }'), hmacHeaders(HEX), 'mismatch'],
    ['Authorization twice', BODY, { authorization: ['Bearer bearer-tok', 'Bearer bearer-tok'] }, 'malformed'],
    ['a 10,000-char Authorization', BODY, { authorization: `Bearer ${'t'.repeat(10_000)}` }, 'malformed'],
    ['a scheme word alone', BODY, { authorization: 'Bearer' }, 'malformed'],
    ['an unknown scheme', BODY, { authorization: 'Digest username="x"' }, 'unsupported'],
    ['a wrong bearer token', BODY, { authorization: 'Bearer bearer-tok2' }, 'mismatch'],
    ['a wrong password', BODY, basic('certificall:p:ss w0rD'), 'mismatch'],
    ['a wrong username', BODY, basic('certificali:p:ss w0rd'), 'mismatch'],
    ['Basic that is not base64', BODY, { authorization: 'Basic certificall:pass' }, 'malformed'],
    ['Basic without a colon', BODY, basic('certificall'), 'malformed'],
  ];
  it.each(rejections)('rejects %s', (_name, body, headers, reason) => {
    const result = all(body, headers);
    expect(result).toEqual({ ok: false, reason, message: expect.any(String) });
  });

  it('answers unsupported for a method that is not configured', () => {
    const hmacOnly = createCertificallVerifier({ hmac: { apiKey: KEY, apiSecret: 's3cr3t' } });
    expect(hmacOnly(BODY, { authorization: 'Bearer bearer-tok' })).toMatchObject({ reason: 'unsupported' });
    expect(hmacOnly(BODY, basic('certificall:p:ss w0rd'))).toMatchObject({ reason: 'unsupported' });
    const bearerOnly = createCertificallVerifier({ bearerToken: 'bearer-tok' });
    expect(bearerOnly(BODY, hmacHeaders(HEX))).toMatchObject({ reason: 'unsupported' });
  });

  it('accepts every rotated credential of every method, and no other', () => {
    const rotating = createCertificallVerifier({
      bearerToken: ['t-old', 't-new'],
      hmac: [
        { apiKey: 'k-old', apiSecret: 'old' },
        { apiKey: 'k-new', apiSecret: ['new', 'newer'] },
      ],
      basic: [
        { username: 'u', password: ['pw-old', 'pw-new'] },
        { username: 'v', password: 'pw-v' },
      ],
    });
    const ok = (headers: HeaderBag) => rotating(BODY, headers).ok;
    expect(['t-old', 't-new', 't-other'].map((t) => ok({ authorization: `Bearer ${t}` }))).toEqual([
      true,
      true,
      false,
    ]);
    expect(
      [
        ['old', 'k-old'],
        ['new', 'k-new'],
        ['newer', 'k-new'],
        ['new', 'k-old'],
        ['third', 'k-new'],
      ].map(([secret, key]) => ok(hmacSigned(BODY, secret, key))),
    ).toEqual([true, true, true, false, false]);
    expect(['u:pw-old', 'u:pw-new', 'v:pw-v', 'v:pw-old'].map((pair) => ok(basic(pair)))).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('keeps tokens, passwords, secrets and expected signatures out of messages', () => {
    const results = [
      all(BODY, { authorization: 'Bearer guess' }),
      all(BODY, basic('certificall:guess')),
      all(BODY, hmacSigned(BODY, 'guess')),
      all(BODY, hmacHeaders(HEX, 'cf-key-2')),
    ];
    for (const result of results) {
      expect(result.ok).toBe(false);
      const text = JSON.stringify(result);
      for (const secret of ['bearer-tok', 'p:ss w0rd', 's3cr3t', HEX, B64])
        expect(text).not.toContain(secret);
    }
  });

  it('never throws, even on a missing body', () => {
    expect(all(undefined as unknown as Uint8Array, hmacHeaders(HEX))).toMatchObject({
      reason: 'unavailable',
    });
  });

  it.each([
    [{}, '"certificall"', 'configure at least one of bearerToken, hmac, basic'],
    [{ bearerToken: '' }, '"certificall.bearerToken"', 'non-empty'],
    [{ bearerToken: ' padded' }, '"certificall.bearerToken"', 'whitespace'],
    [{ hmac: [] }, '"certificall.hmac"', 'at least one'],
    [{ hmac: { apiKey: KEY, apiSecret: '' } }, '"certificall.hmac.apiSecret"', 'non-empty'],
    [{ hmac: [{ apiKey: '', apiSecret: 's' }] }, '"certificall.hmac[0].apiKey"', 'non-empty'],
    [{ basic: { username: 'a:b', password: 'p' } }, '"certificall.basic.username"', '":"'],
    [{ basic: [{ username: 'u', password: [] }] }, '"certificall.basic[0].password"', 'at least one'],
    [{ bearerToken: 't', jsonFallbackLimit: -1 }, '"certificall.jsonFallbackLimit"', 'byte count'],
  ])('refuses configuration %j', (credentials, option, detail) => {
    const create = () => createCertificallVerifier(credentials);
    expect(create).toThrow(WebhookConfigurationError);
    expect(create).toThrow(option);
    expect(create).toThrow(detail);
  });

  it('names the option path it was given', () => {
    expect(() => createCertificallVerifier({}, 'senders.cert')).toThrow('"senders.cert"');
    expect(() => createCertificallVerifier({ bearerToken: [] }, 'senders.cert')).toThrow(
      '"senders.cert.bearerToken"',
    );
  });
});
