import { describe, expect, it } from '@jest/globals';
import { createInkitVerifier, signInkit } from './inkit.scheme.js';
import { WebhookConfigurationError } from '../../schemes/scheme.errors.js';
import type { HeaderBag, RejectionReason } from '../../schemes/scheme.types.js';

// PROVIDERS.md vector: HMAC-SHA256("s3cr3t", '{"a":1}').
const BODY = Buffer.from('{"a":1}');
const VECTOR = 'd42927434049e0b8c73ce887062238cc1c6bb6644bfe66e66d8dd0f30b85679e';
const EVENT = Buffer.from('{"event_type":"DOCUMENT_CREATE_FINISHED","resource_id":"doc_🚀_𐐷_ß"}');

const verify = createInkitVerifier({ secret: 's3cr3t' });
const inkit = (value: string | readonly string[]): HeaderBag => ({ 'inkit-signature': value });
const hmacOf = (body: Uint8Array, secret = 's3cr3t') => signInkit(body, { secret })['Inkit-Signature'];

describe('Inkit scheme', () => {
  it('accepts the documented vector under the documented header spelling and any hex case', () => {
    expect(verify(BODY, { 'Inkit-Signature': VECTOR })).toEqual({ ok: true });
    expect(verify(BODY, inkit(VECTOR.toUpperCase()))).toEqual({ ok: true });
    expect(signInkit('{"a":1}', { secret: 's3cr3t' })).toEqual({ 'Inkit-Signature': VECTOR });
  });

  it('accepts an empty body and a non-BMP unicode body when signed', () => {
    expect(verify(new Uint8Array(), inkit(hmacOf(new Uint8Array())))).toEqual({ ok: true });
    expect(verify(EVENT, inkit(hmacOf(EVENT)))).toEqual({ ok: true });
  });

  const tampered = Buffer.from(EVENT);
  tampered[tampered.length - 3] ^= 0x20;
  const table: [string, Uint8Array, HeaderBag, RejectionReason][] = [
    ['a flipped byte', Buffer.from('{"a":0}'), inkit(VECTOR), 'mismatch'],
    ['a signature under another secret', BODY, inkit(hmacOf(BODY, 'not-it')), 'mismatch'],
    ['an absent header', BODY, { 'x-signature': VECTOR }, 'missing'],
    ['a signature cut short', BODY, inkit(VECTOR.slice(2)), 'malformed'],
    ['a base64 signature', BODY, inkit('1CknQ0BJ4LjHPOiHBiI4zBxrtmRL/mbmbY3Q8wuFZ54='), 'malformed'],
    ['a "sha256=" prefix it never sends', BODY, inkit(`sha256=${VECTOR}`), 'malformed'],
    ['an empty body', Buffer.alloc(0), inkit(VECTOR), 'mismatch'],
    ['a tampered non-BMP body', tampered, inkit(hmacOf(EVENT)), 'mismatch'],
    [
      'a BOM-prefixed body',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), BODY]),
      inkit(VECTOR),
      'mismatch',
    ],
    ['two copies of the header', BODY, inkit([VECTOR, hmacOf(EVENT)]), 'malformed'],
    ['a 10,000-char header', BODY, inkit('0'.repeat(10_000)), 'malformed'],
  ];
  it.each(table)('rejects %s', (_what, body, headers, reason) => {
    const result = verify(body, headers);
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ reason });
  });

  it('refuses a signature with one character that is not a hex digit, wherever it is', () => {
    // Buffer.from(hex) silently stops at a bad digit; decoding must not accept what is left.
    for (let at = 0; at < VECTOR.length; at++) {
      for (const bad of ['g', 'G', 'z', ' ', '-', '+', 'é', '０']) {
        const value = VECTOR.slice(0, at) + bad + VECTOR.slice(at + 1);
        expect(verify(BODY, inkit(value))).toMatchObject({ ok: false, reason: 'malformed' });
      }
    }
  });

  it('has no JSON fallback: Inkit signs the bytes it sends', () => {
    expect(verify(Buffer.from('{ "a": 1 }'), inkit(VECTOR))).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('accepts both secrets while one is rotated out', () => {
    const verifyRotating = createInkitVerifier({ secret: ['s3cr3t', 'n3w-s3cr3t'] });
    expect(verifyRotating(BODY, inkit(VECTOR)).ok).toBe(true);
    expect(verifyRotating(BODY, inkit(hmacOf(BODY, 'n3w-s3cr3t'))).ok).toBe(true);
    expect(verifyRotating(BODY, inkit(hmacOf(BODY, 'n3w-s3cr3t!'))).ok).toBe(false);
  });

  it('keeps the secret and the expected HMAC out of its messages', () => {
    const result = verify(BODY, inkit(hmacOf(BODY, 'guess')));
    const text = JSON.stringify(result);
    expect(result.ok).toBe(false);
    expect(text).not.toContain('s3cr3t');
    expect(text.toLowerCase()).not.toContain(VECTOR);
  });

  it('answers unavailable, without throwing, when handed a parsed body instead of the raw bytes', () => {
    for (const body of ['{"a":1}', { a: 1 }, undefined]) {
      expect(verify(body as unknown as Uint8Array, inkit(VECTOR))).toMatchObject({
        ok: false,
        reason: 'unavailable',
      });
    }
  });

  it('fails at configuration, naming the option, on an empty secret or an empty list', () => {
    expect(() => createInkitVerifier({ secret: '' })).toThrow(WebhookConfigurationError);
    expect(() => createInkitVerifier({ secret: '' })).toThrow('"inkit.secret"');
    expect(() => createInkitVerifier({ secret: [] }, 'senders.docs')).toThrow('"senders.docs.secret"');
  });
});
