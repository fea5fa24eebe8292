import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import Stripe from 'stripe';
import {
  createStripeVerifier,
  signStripe,
  STRIPE_HEADER,
  STRIPE_MAX_HEADER_ITEMS,
  type StripeCredentials,
} from './stripe.scheme.js';
import { STRIPE_SAMPLE } from './stripe.sample.js';
import { WebhookConfigurationError } from '../../schemes/scheme.errors.js';
import type { HeaderBag, RejectionReason } from '../../schemes/scheme.types.js';

const SECRET = 'whsec_5f1e0c2b9d7a4e6f8b3c1d0e9f7a6b5c';
const OTHER = 'whsec_0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const NOW = 1_700_000_000;
const clock = () => NOW * 1000 + 499;

// Stripe posts its events pretty-printed; a non-BMP character shows the bytes, not the text, are signed.
const PAYLOAD = JSON.stringify(
  { ...STRIPE_SAMPLE.payload, data: { object: { id: 'pi_1', metadata: { note: 'ß 🚀 𐐷' } } } },
  null,
  2,
);
const BODY = Buffer.from(PAYLOAD, 'utf8');

// Stripe's own library, the reference implementation: it signs and verifies without our code.
const stripe = new Stripe('sk_test_x');

const verifierOf = (credentials: Partial<StripeCredentials> = {}) =>
  createStripeVerifier({ secret: SECRET, clock, ...credentials });
const verify = verifierOf();
const stripeHeader = (value: string | readonly string[]): HeaderBag => ({ 'stripe-signature': value });

/** HMAC-SHA256(secret, `<t>.<body>`) in hex, by the OpenSSL command line. */
function opensslV1(secret: string, t: number | string, body: Buffer): string {
  const run = spawnSync('openssl', ['dgst', '-sha256', '-hmac', secret, '-r'], {
    input: Buffer.concat([Buffer.from(`${t}.`), body]),
    encoding: 'utf8',
  });
  const digest = /^[0-9a-f]{64}/.exec(run.stdout ?? '');
  if (run.status !== 0 || digest === null) throw new Error(`openssl failed: ${run.stderr}`);
  return digest[0];
}

const V1 = opensslV1(SECRET, NOW, BODY);
const V1_OTHER = opensslV1(OTHER, NOW, BODY);
const at = (t: number | string, ...v1: string[]) =>
  stripeHeader([`t=${t}`, ...v1.map((v) => `v1=${v}`)].join(','));

describe("Stripe scheme, against Stripe's own library", () => {
  it('accepts the header stripe.webhooks.generateTestHeaderString makes', () => {
    const header = stripe.webhooks.generateTestHeaderString({
      payload: PAYLOAD,
      secret: SECRET,
      timestamp: NOW,
    });
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verify(BODY, stripeHeader(header))).toEqual({ ok: true });
  });

  it('refuses the header Stripe makes under another secret', () => {
    const header = stripe.webhooks.generateTestHeaderString({
      payload: PAYLOAD,
      secret: OTHER,
      timestamp: NOW,
    });
    expect(verify(BODY, stripeHeader(header))).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('signs what stripe.webhooks.constructEvent accepts, timestamped now by default', () => {
    const header = signStripe(PAYLOAD, { secret: SECRET })[STRIPE_HEADER]!;
    expect(stripe.webhooks.constructEvent(PAYLOAD, header, SECRET)).toMatchObject({
      id: 'evt_3MtwBwLkdIwHu7ix0Y5hBJvL',
    });
    expect(stripe.webhooks.constructEvent(BODY, header, SECRET).type).toBe('payment_intent.succeeded');
    // The check is live: the same header under another secret is refused by Stripe's library.
    expect(() => stripe.webhooks.constructEvent(PAYLOAD, header, OTHER)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it('signs a given timestamp as Stripe reads it', () => {
    const header = signStripe(BODY, { secret: SECRET, timestamp: NOW })[STRIPE_HEADER]!;
    expect(() =>
      stripe.webhooks.constructEvent(PAYLOAD, header, SECRET, 300, undefined, NOW * 1000),
    ).not.toThrow();
    expect(() => stripe.webhooks.constructEvent(PAYLOAD, header, SECRET)).toThrow(
      'Timestamp outside the tolerance zone',
    );
  });
});

describe('Stripe scheme, against OpenSSL', () => {
  it('signs exactly HMAC-SHA256 of "<t>.<raw body>" in the documented header form', () => {
    expect(signStripe(BODY, { secret: SECRET, timestamp: NOW })).toEqual({
      'Stripe-Signature': `t=${NOW},v1=${V1}`,
    });
    expect(signStripe(PAYLOAD, { secret: SECRET, timestamp: NOW })).toEqual({
      'Stripe-Signature': `t=${NOW},v1=${V1}`,
    });
  });

  it('accepts the OpenSSL signature, under either header spelling', () => {
    expect(verify(BODY, at(NOW, V1))).toEqual({ ok: true });
    expect(verify(BODY, { 'Stripe-Signature': `t=${NOW},v1=${V1}` })).toEqual({ ok: true });
  });

  it('accepts an empty body when signed', () => {
    const empty = Buffer.alloc(0);
    expect(verify(empty, at(NOW, opensslV1(SECRET, NOW, empty)))).toEqual({ ok: true });
  });

  it('signs with today as the default timestamp', () => {
    const before = Math.floor(Date.now() / 1000);
    const header = signStripe(BODY, { secret: SECRET })[STRIPE_HEADER]!;
    const t = Number(/^t=(\d+),/.exec(header)![1]);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(header).toBe(`t=${t},v1=${opensslV1(SECRET, t, BODY)}`);
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 53])('refuses to sign with timestamp %p', (timestamp) => {
    expect(() => signStripe(BODY, { secret: SECRET, timestamp })).toThrow(RangeError);
  });
});

describe('Stripe scheme, refusals', () => {
  const tampered = Buffer.from(BODY);
  tampered[tampered.length - 20] ^= 0x01;
  const table: [string, Uint8Array, HeaderBag, RejectionReason][] = [
    ['an absent header', BODY, { 'x-signature': `t=${NOW},v1=${V1}` }, 'missing'],
    ['an empty header', BODY, stripeHeader(''), 'missing'],
    ['no t', BODY, stripeHeader(`v1=${V1}`), 'malformed'],
    ['two t', BODY, stripeHeader(`t=${NOW},t=${NOW},v1=${V1}`), 'malformed'],
    ['an empty t', BODY, stripeHeader(`t=,v1=${V1}`), 'malformed'],
    ['a negative t', BODY, stripeHeader(`t=-${NOW},v1=${V1}`), 'malformed'],
    ['a fractional t', BODY, stripeHeader(`t=${NOW}.0,v1=${V1}`), 'malformed'],
    ['no v1', BODY, stripeHeader(`t=${NOW}`), 'malformed'],
    ['only v0', BODY, stripeHeader(`t=${NOW},v0=${V1}`), 'malformed'],
    ['v1 under another case', BODY, stripeHeader(`t=${NOW},V1=${V1}`), 'malformed'],
    ['v1 cut short', BODY, at(NOW, V1.slice(2)), 'malformed'],
    ['v1 one digit long', BODY, at(NOW, `${V1}0`), 'malformed'],
    ['v1 with a non-hex digit', BODY, at(NOW, `${V1.slice(0, 63)}g`), 'malformed'],
    ['v1 in base64', BODY, at(NOW, Buffer.from(V1, 'hex').toString('base64')), 'malformed'],
    ['a bad v1 beside a good one', BODY, at(NOW, V1, 'zz'), 'malformed'],
    ['an item without "="', BODY, stripeHeader(`t=${NOW},v1=${V1},junk`), 'malformed'],
    ['a trailing comma', BODY, stripeHeader(`t=${NOW},v1=${V1},`), 'malformed'],
    ['an item with an empty key', BODY, stripeHeader(`t=${NOW},=x,v1=${V1}`), 'malformed'],
    ['a repeated header', BODY, stripeHeader([`t=${NOW},v1=${V1}`, `t=${NOW},v1=${V1}`]), 'malformed'],
    ['a 10,000-char header', BODY, at(NOW, V1, '0'.repeat(10_000)), 'malformed'],
    ['a signature under another secret', BODY, at(NOW, V1_OTHER), 'mismatch'],
    ['a tampered body', tampered, at(NOW, V1), 'mismatch'],
    ['an empty body', Buffer.alloc(0), at(NOW, V1), 'mismatch'],
    ['t changed under a signature of another t', BODY, at(NOW - 1, V1), 'mismatch'],
    ['a signature of another t', BODY, at(NOW, opensslV1(SECRET, NOW + 1, BODY)), 'mismatch'],
    ['a BOM-prefixed body', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), BODY]), at(NOW, V1), 'mismatch'],
  ];
  it.each(table)('refuses %s', (_what, body, headers, reason) => {
    const result = verify(body, headers);
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ reason });
  });

  it('says what is wrong with a header', () => {
    expect(verify(BODY, stripeHeader(`t=${NOW},v0=${V1}`))).toEqual({
      ok: false,
      reason: 'malformed',
      message: 'Stripe-Signature has no v1 signature',
    });
    expect(verify(BODY, stripeHeader(`v1=${V1}`))).toMatchObject({
      message: 'Stripe-Signature has no t timestamp',
    });
    expect(verify(BODY, stripeHeader(`t=1,t=${NOW},v1=${V1}`))).toMatchObject({
      message: 'Stripe-Signature has more than one t timestamp',
    });
    expect(verify(BODY, at(NOW, 'abc'))).toMatchObject({
      message: 'Stripe-Signature v1 signature must be 64 hex digits',
    });
    expect(verify(BODY, { 'x-other': 'x' })).toMatchObject({ message: 'Stripe-Signature header is missing' });
  });

  it('has no JSON fallback: Stripe signs the bytes it sends', () => {
    const compact = Buffer.from(JSON.stringify(JSON.parse(PAYLOAD)));
    expect(verify(compact, at(NOW, V1))).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('ignores schemes other than v1, as Stripe test mode adds v0', () => {
    expect(verify(BODY, stripeHeader(`t=${NOW},v1=${V1},v0=${'0'.repeat(64)}`))).toEqual({ ok: true });
    expect(verify(BODY, stripeHeader(`v0=zz,t=${NOW},v2=x=y,v1=${V1}`))).toEqual({ ok: true });
  });

  it('accepts when any v1 matches, the second as well as the first', () => {
    expect(verify(BODY, at(NOW, V1_OTHER, V1))).toEqual({ ok: true });
    expect(verify(BODY, at(NOW, V1, V1_OTHER))).toEqual({ ok: true });
  });

  it(`reads up to ${STRIPE_MAX_HEADER_ITEMS} items, and refuses one more`, () => {
    const filler = (count: number) => Array.from({ length: count }, () => V1_OTHER);
    expect(STRIPE_MAX_HEADER_ITEMS).toBe(16);
    expect(verify(BODY, at(NOW, ...filler(14), V1))).toEqual({ ok: true });
    expect(verify(BODY, at(NOW, ...filler(15), V1))).toEqual({
      ok: false,
      reason: 'malformed',
      message: 'Stripe-Signature has more than 16 items',
    });
  });

  it('answers unavailable, without throwing, when handed a parsed body instead of the raw bytes', () => {
    for (const body of [PAYLOAD, JSON.parse(PAYLOAD), undefined]) {
      expect(verify(body as unknown as Uint8Array, at(NOW, V1))).toMatchObject({
        ok: false,
        reason: 'unavailable',
      });
    }
  });

  it('keeps the secret, the expected signature and the server time out of its messages', () => {
    const results = [
      verify(BODY, at(NOW, V1_OTHER)),
      verify(BODY, at(NOW - 301, V1)),
      verify(BODY, at(NOW + 301, V1)),
      verify(BODY, at(NOW, 'zz')),
    ];
    for (const result of results) {
      const text = JSON.stringify(result);
      expect(result.ok).toBe(false);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(V1);
      expect(text).not.toContain(String(NOW));
    }
  });
});

describe('Stripe scheme, timestamp', () => {
  it('refuses a signature older than 300 s as timestamp, not mismatch, and says so', () => {
    const t = NOW - 301;
    const result = verify(BODY, at(t, opensslV1(SECRET, t, BODY)));
    expect(result).toEqual({
      ok: false,
      reason: 'timestamp',
      message: 'Stripe-Signature timestamp is older than the 300 s tolerance',
    });
  });

  it('refuses a signature more than 300 s in the future', () => {
    const t = NOW + 301;
    expect(verify(BODY, at(t, opensslV1(SECRET, t, BODY)))).toEqual({
      ok: false,
      reason: 'timestamp',
      message: 'Stripe-Signature timestamp is more than 300 s in the future',
    });
  });

  it('accepts 300 s either way', () => {
    for (const t of [NOW - 300, NOW + 300]) {
      expect(verify(BODY, at(t, opensslV1(SECRET, t, BODY)))).toEqual({ ok: true });
    }
  });

  it('checks the timestamp before the signature', () => {
    // A stale replay is answered `timestamp` whatever its signature holds.
    expect(verify(BODY, at(NOW - 1_000, V1_OTHER))).toMatchObject({ reason: 'timestamp' });
    expect(verify(BODY, at(NOW + 1_000, V1_OTHER))).toMatchObject({ reason: 'timestamp' });
  });

  it('takes a configured tolerance', () => {
    const t = NOW - 400;
    const signed = at(t, opensslV1(SECRET, t, BODY));
    expect(verify(BODY, signed)).toMatchObject({ reason: 'timestamp' });
    expect(verifierOf({ tolerance: 600 })(BODY, signed)).toEqual({ ok: true });
    expect(verifierOf({ tolerance: 399 })(BODY, signed)).toMatchObject({
      reason: 'timestamp',
      message: 'Stripe-Signature timestamp is older than the 399 s tolerance',
    });
  });

  it('reads the clock on every delivery, not once', () => {
    let now = NOW;
    const verifyAt = createStripeVerifier({ secret: SECRET, clock: () => now * 1000 });
    const signed = at(NOW, V1);
    expect(verifyAt(BODY, signed)).toEqual({ ok: true });
    now += 301;
    expect(verifyAt(BODY, signed)).toMatchObject({ reason: 'timestamp' });
  });
});

describe('Stripe scheme, secrets', () => {
  it('accepts every secret of a list: a secret being rolled, or several endpoints', () => {
    const rotating = verifierOf({ secret: [OTHER, SECRET] });
    expect(rotating(BODY, at(NOW, V1))).toEqual({ ok: true });
    expect(rotating(BODY, at(NOW, V1_OTHER))).toEqual({ ok: true });
    expect(rotating(BODY, at(NOW, opensslV1(`${SECRET}x`, NOW, BODY)))).toMatchObject({ reason: 'mismatch' });
  });

  it('uses the whsec_ secret whole as the key, as Stripe does, not its decoded bytes', () => {
    const decodedKey = Buffer.from(SECRET.slice('whsec_'.length), 'base64').toString('latin1');
    expect(verify(BODY, at(NOW, opensslV1(decodedKey, NOW, BODY)))).toMatchObject({ reason: 'mismatch' });
  });

  it('fails at configuration, naming the option, on an empty secret or list', () => {
    expect(() => createStripeVerifier({ secret: '' }, 'senders.stripe')).toThrow(WebhookConfigurationError);
    expect(() => createStripeVerifier({ secret: '' }, 'senders.stripe')).toThrow('"senders.stripe.secret"');
    expect(() => createStripeVerifier({ secret: [] }, 'senders.stripe')).toThrow('"senders.stripe.secret"');
    expect(() => createStripeVerifier(undefined as unknown as StripeCredentials)).toThrow('"stripe.secret"');
  });

  it('fails at configuration on a secret holding whitespace (a pasted newline), naming which', () => {
    expect(() => createStripeVerifier({ secret: `${SECRET}\n` }, 'senders.stripe')).toThrow(
      '"senders.stripe.secret"',
    );
    expect(() => createStripeVerifier({ secret: [SECRET, ` ${OTHER}`] }, 'senders.stripe')).toThrow(
      '"senders.stripe.secret[1]"',
    );
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'fails at configuration on tolerance %p, naming the option',
    (tolerance) => {
      const create = () => createStripeVerifier({ secret: SECRET, tolerance }, 'senders.stripe');
      expect(create).toThrow(WebhookConfigurationError);
      expect(create).toThrow('"senders.stripe.tolerance"');
    },
  );

  it('fails at configuration on a clock that is not a function', () => {
    const clock = 0 as unknown as () => number;
    expect(() => createStripeVerifier({ secret: SECRET, clock }, 'senders.stripe')).toThrow(
      '"senders.stripe.clock"',
    );
  });
});
