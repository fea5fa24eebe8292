import crypto, { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createIllowVerifier, generateIllowKeyPair, signIllow } from './illow.scheme.js';
import { WebhookConfigurationError } from '../../schemes/scheme.errors.js';
import type { HeaderBag, RejectionReason, Verifier } from '../../schemes/scheme.types.js';

const BODY = Buffer.from('{"companyId":"c-1","siteId":"s-1","idempotencyKey":"k-1","metadata":{}}');
const DSR = Buffer.from('{"metadata":{"id":"dsr-1","legislation":"LGPD 🇧🇷","requestStatus":"Ñ 𝒜 😀"}}');

let pair: { publicKey: string; privateKey: string };
let other: { publicKey: string; privateKey: string };
let verify: Verifier;
const illow = (value: string | readonly string[]): HeaderBag => ({ 'illow-signature': value });
const sign = (body: string | Uint8Array, key: string | KeyObject = pair.privateKey) =>
  signIllow(body, { privateKey: key })['illow-signature'];

beforeAll(() => {
  pair = generateIllowKeyPair();
  other = generateIllowKeyPair(1024);
  verify = createIllowVerifier({ publicKey: pair.publicKey });
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('illow scheme', () => {
  it('generates a 2048-bit RSA pair in SPKI / PKCS#8 PEM by default', () => {
    expect(pair.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(pair.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(createPublicKey(pair.publicKey).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('signs RSASSA-PKCS1-v1_5 over SHA-1, as node checks it independently of the scheme', () => {
    const signature = Buffer.from(sign(BODY), 'base64');
    expect(signature).toHaveLength(256);
    expect(crypto.verify('sha1', BODY, pair.publicKey, signature)).toBe(true);
    expect(crypto.verify('sha256', BODY, pair.publicKey, signature)).toBe(false);
  });

  it('accepts the key as SPKI PEM, PKCS#1 PEM, base64 DER of both, and PEM with escaped newlines', () => {
    const key = createPublicKey(pair.publicKey);
    const forms = [
      key.export({ type: 'pkcs1', format: 'pem' }) as string,
      (key.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64'),
      (key.export({ type: 'pkcs1', format: 'der' }) as Buffer).toString('base64'),
      pair.publicKey.replaceAll('\n', '\\n'),
    ];
    for (const publicKey of forms) {
      expect(createIllowVerifier({ publicKey })(BODY, illow(sign(BODY)))).toEqual({ ok: true });
    }
  });

  it('accepts signed empty and non-BMP unicode bodies', () => {
    expect(verify(Buffer.alloc(0), illow(sign('')))).toEqual({ ok: true });
    expect(verify(DSR, illow(sign(DSR)))).toEqual({ ok: true });
  });

  const rejections: [string, () => [Uint8Array, HeaderBag], RejectionReason][] = [
    ['a flipped body byte', () => [Buffer.from(BODY).fill(0x43, 2, 3), illow(sign(BODY))], 'mismatch'],
    [
      'a signature by another key of the same size',
      () => [BODY, illow(sign(BODY, generateIllowKeyPair().privateKey))],
      'mismatch',
    ],
    ['no header', () => [BODY, { 'illow-signatures': sign(BODY) }], 'missing'],
    ['a truncated signature', () => [BODY, illow(sign(BODY).slice(4))], 'malformed'],
    ['a signature of the wrong key size', () => [BODY, illow(sign(BODY, other.privateKey))], 'malformed'],
    [
      'hex where base64 is due',
      () => [BODY, illow(Buffer.from(sign(BODY), 'base64').toString('hex'))],
      'malformed',
    ],
    ['characters outside base64', () => [BODY, illow(`!${sign(BODY).slice(1)}`)], 'malformed'],
    ['an empty body', () => [Buffer.alloc(0), illow(sign(BODY))], 'mismatch'],
    [
      'a tampered unicode body',
      () => [Buffer.from(DSR.toString().replace('😀', '😁')), illow(sign(DSR))],
      'mismatch',
    ],
    [
      'a BOM before the body',
      () => [Buffer.concat([Buffer.from('\uFEFF'), BODY]), illow(sign(BODY))],
      'mismatch',
    ],
    ['the header twice', () => [BODY, illow([sign(BODY), sign(BODY)])], 'malformed'],
    ['a 10,000-char header', () => [BODY, illow('A'.repeat(10_000))], 'malformed'],
  ];
  it.each(rejections)('rejects %s', (_name, build, reason) => {
    const [body, headers] = build();
    expect(verify(body, headers)).toEqual({ ok: false, reason, message: expect.any(String) });
  });

  it('verifies the raw bytes only: no JSON fallback', () => {
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(BODY.toString()), null, 1));
    expect(verify(reformatted, illow(sign(BODY)))).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('tries every configured key, of any size, whether listed or in one PEM bundle', () => {
    const third = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    for (const publicKey of [[other.publicKey, pair.publicKey], `${other.publicKey}\n${pair.publicKey}`]) {
      const rotating = createIllowVerifier({ publicKey });
      expect(rotating(BODY, illow(sign(BODY))).ok).toBe(true);
      expect(rotating(BODY, illow(sign(BODY, other.privateKey))).ok).toBe(true);
      expect(rotating(BODY, illow(sign(BODY, third)))).toMatchObject({ ok: false, reason: 'mismatch' });
    }
  });

  it('keeps the expected signature out of its messages', () => {
    const result = verify(BODY, illow(sign(Buffer.from('other'))));
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(sign(BODY));
  });

  it('refuses to start when the OpenSSL policy refuses SHA-1, saying so', () => {
    jest.spyOn(crypto, 'verify').mockImplementation(() => {
      throw new Error('error:1C8000AE:Provider routines::digest not allowed');
    });
    expect(() => createIllowVerifier({ publicKey: pair.publicKey })).toThrow(/illow\.publicKey.*SHA-1/);
  });

  it('answers unavailable, not mismatch, when SHA-1 verification cannot run at request time', () => {
    const signature = sign(BODY);
    jest.spyOn(crypto, 'verify').mockImplementation(() => {
      throw new Error('error:1C8000AE:Provider routines::digest not allowed');
    });
    const result = verify(BODY, illow(signature));
    expect(result).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(result.ok || result.message).toMatch(/SHA-1/);
  });

  it('never throws on a body that is not bytes', () => {
    expect(verify(null as unknown as Uint8Array, illow(sign(BODY)))).toMatchObject({ ok: false });
  });

  it.each([
    ['an empty key', ''],
    ['an empty list', []],
    ['garbage PEM', '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----'],
    ['an unterminated PEM', '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'],
    ['text that is neither PEM nor base64', 'not a key'],
    ['base64 that is not DER', Buffer.from('not a key at all').toString('base64')],
  ])('refuses %s at configuration, naming the option', (_name, publicKey) => {
    const create = () => createIllowVerifier({ publicKey });
    expect(create).toThrow(WebhookConfigurationError);
    expect(create).toThrow('"illow.publicKey"');
  });

  it('refuses an EC key, a private key, and names the option path it was given', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => createIllowVerifier({ publicKey: ec as string })).toThrow(/"illow\.publicKey".*RSA.*ec/);
    expect(() => createIllowVerifier({ publicKey: pair.privateKey })).toThrow(
      /"illow\.publicKey".*PRIVATE KEY/,
    );
    expect(() => createIllowVerifier({ publicKey: [pair.publicKey, 'x'] }, 'hooks.illow')).toThrow(
      '"hooks.illow.publicKey[1]"',
    );
  });
});
