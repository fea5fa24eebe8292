import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { ACCEPTED, accepted, type Accepted } from '../schemes/index.js';
import { EVENT_TYPE_PATTERN, idempotencyKeyOf, type WebhookSender } from '../webhooks.sender.js';
import { validatePayload } from '../dto/validate.js';
import { generateIllowKeyPair } from './illow/illow.scheme.js';
import { BUILT_IN_SENDERS } from './index.js';

const SENDERS = Object.fromEntries(BUILT_IN_SENDERS.map((sender) => [sender.id, sender])) as Record<
  (typeof BUILT_IN_SENDERS)[number]['id'],
  WebhookSender
>;
/** The key the pipeline makes: the sender's parts, escaped and joined under its id. */
const keyFor = (
  id: keyof typeof SENDERS,
  payload: object,
  rawBody: Buffer,
  verification: Accepted = ACCEPTED,
) => idempotencyKeyOf(id, SENDERS[id].idempotencyKey(payload, { rawBody, headers: {}, verification }));

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const raw = (text: string) => Buffer.from(text, 'utf8');
const VIA_FALLBACK = accepted({ viaFallback: true });
const NO_BODY = Buffer.alloc(0);

/** Each composite key's parts, as the payload fields they come from. */
const COMPOSITES = {
  inkit: (a: string, b: string) => keyFor('inkit', { event_type: a, resource_id: b }, NO_BODY),
  ovcode: (a: string, b: string) => keyFor('ovcode', { reference: a, status_code: b }, NO_BODY),
  certificall: (a: string, b: string) => keyFor('certificall', { cfRef: a, reportId: b }, NO_BODY),
} as const;

describe('idempotency keys', () => {
  describe.each(Object.entries(COMPOSITES))('%s (two parts)', (sender, keyOf) => {
    it('keeps the plain format when no part holds a separator or an escape', () => {
      // Keys stored before the parts were escaped stay valid across an upgrade.
      expect(keyOf('A-1_b', 'R.2')).toBe(`${sender}:A-1_b:R.2`);
    });

    it.each([
      [
        ['c:R1', 'R2'],
        ['c', 'R1:R2'],
      ],
      [
        ['c%3AR1', 'R2'],
        ['c:R1', 'R2'],
      ],
      [
        ['c', 'R1%3AR2'],
        ['c', 'R1:R2'],
      ],
      [
        ['a:', 'b'],
        ['a', ':b'],
      ],
      [
        ['%', '3A'],
        ['%3A', ''],
      ],
    ])('tells %j from %j', ([a1, b1], [a2, b2]) => {
      expect(keyOf(a1, b1)).not.toBe(keyOf(a2, b2));
    });

    it('is injective over every pair of short parts made of separators, escapes and text', () => {
      const alphabet = ['', 'a', ':', '%', '3', 'A', '%3A', '%25'];
      const parts = new Set<string>();
      for (const x of alphabet) for (const y of alphabet) parts.add(x + y);
      const seen = new Map<string, string>();
      const collisions: string[] = [];
      for (const a of parts) {
        for (const b of parts) {
          const key = keyOf(a, b);
          const pair = JSON.stringify([a, b]);
          const earlier = seen.get(key);
          if (earlier !== undefined) collisions.push(`${earlier} and ${pair} -> ${key}`);
          seen.set(key, pair);
        }
      }
      expect(collisions).toEqual([]);
      expect(seen.size).toBe(parts.size ** 2);
    });

    it('gives distinct bytes for parts that differ only in a lone surrogate (UTF-8 would make both U+FFFD)', () => {
      const one = keyOf('x', 'doc-\ud800');
      const other = keyOf('x', 'doc-\ud801');
      expect(Buffer.from(one, 'utf8').equals(Buffer.from(other, 'utf8'))).toBe(false);
      // A well-formed pair (an emoji) is text like any other, kept as it is.
      expect(keyOf('x', 'doc-😀')).toBe(`${sender}:x:doc-😀`);
    });
  });

  it('illow: its single part cannot collide, and a separator in it is escaped like anywhere else', () => {
    const keyOf = (value: string) => keyFor('illow', { idempotencyKey: value }, NO_BODY);
    expect(keyOf('d3f1a6c2-58e4')).toBe('illow:d3f1a6c2-58e4');
    expect(keyOf('a:b')).not.toBe(keyOf('a%3Ab'));
  });

  describe('oxskyt (the SHA-256 of what was signed)', () => {
    const keyOf = (body: string, verification = ACCEPTED) => keyFor('oxskyt', {}, raw(body), verification);

    it('hashes the raw bytes when they verified', () => {
      expect(keyOf('{"id": "r1"}')).toBe(`oxskyt:${sha256Hex('{"id": "r1"}')}`);
      // Stable across retries: the same bytes, the same key.
      expect(keyOf('{"id": "r1"}')).toBe(keyOf('{"id": "r1"}'));
    });

    it('hashes the compact form when only the compact re-serialization verified', () => {
      const signed = '{"id":"r1"}';
      for (const variant of ['{"id":"r1"} ', ' {"id":"r1"}', '{ "id" : "r1" }\n']) {
        expect(keyOf(variant, VIA_FALLBACK)).toBe(keyOf(signed));
      }
      expect(keyOf(signed)).toBe(`oxskyt:${sha256Hex(signed)}`);
    });
  });
});

describe('built-in de-duplication windows', () => {
  it("gives Inkit's access events, which can truly repeat for one resource, a short window", () => {
    const windows = SENDERS.inkit.ttlByEvent ?? {};
    expect(Object.keys(windows).sort()).toEqual([
      'DOCUMENT_PDF_ACCESS',
      'MAGIC_LINK_ACCESS',
      'MAGIC_LINK_ACCESS_FAILED',
      'RENDER_METADATA_ACCESS',
    ]);
    for (const ms of Object.values(windows)) expect(ms).toBe(60_000);
  });

  it('leaves every other sender on the general window', () => {
    for (const id of ['oxskyt', 'ovcode', 'certificall', 'illow', 'github', 'stripe', 'standard'] as const) {
      expect(SENDERS[id].ttlByEvent).toBeUndefined();
    }
  });
});

const illowKeys = generateIllowKeyPair();
type Id = (typeof BUILT_IN_SENDERS)[number]['id'];
/**
 * Test credentials per built-in: what the receiver is configured with, what the sender signs with,
 * and the headers its signer sends that carry no credential (ids, timestamps, event names: signed
 * or public, and left visible on purpose), which are therefore not among those it always redacts.
 */
const CREDENTIALS: Record<Id, { verify: unknown; sign: unknown; visible?: readonly string[] }[]> = {
  oxskyt: [{ verify: { secret: 'oxs-secret' }, sign: { secret: 'oxs-secret' } }],
  inkit: [{ verify: { secret: 'ink-secret' }, sign: { secret: 'ink-secret' } }],
  ovcode: [{ verify: { apiSecret: 'ovc-token' }, sign: { apiSecret: 'ovc-token' } }],
  certificall: [
    { verify: { bearerToken: 'cf-token' }, sign: { method: 'bearer', bearerToken: 'cf-token' } },
    {
      verify: { basic: { username: 'u', password: 'p' } },
      sign: { method: 'basic', username: 'u', password: 'p' },
    },
    {
      verify: { hmac: { apiKey: 'k', apiSecret: 'cf-secret' } },
      sign: { method: 'hmac', apiKey: 'k', apiSecret: 'cf-secret' },
    },
  ],
  illow: [{ verify: { publicKey: illowKeys.publicKey }, sign: { privateKey: illowKeys.privateKey } }],
  github: [
    {
      verify: { secret: 'gh-secret' },
      sign: { secret: 'gh-secret', event: 'issues' },
      visible: ['x-github-delivery', 'x-github-event'],
    },
  ],
  stripe: [{ verify: { secret: 'whsec_stripe-secret' }, sign: { secret: 'whsec_stripe-secret' } }],
  standard: [
    {
      verify: { secret: `whsec_${Buffer.from('standard-key').toString('base64')}` },
      sign: { secret: `whsec_${Buffer.from('standard-key').toString('base64')}` },
      visible: ['webhook-id', 'webhook-timestamp'],
    },
  ],
};

/** The event type each built-in's sample is named, as its vendor's documentation names it. */
const SAMPLE_TYPES: Record<Id, string> = {
  oxskyt: 'REPORT_GENERATED',
  inkit: 'DOCUMENT_CREATE_FINISHED',
  ovcode: 'AUTHENTICATION_SUCCEEDED',
  certificall: 'CASE_VALIDATED',
  illow: 'DSR_CREATED',
  github: 'issues.opened',
  stripe: 'payment_intent.succeeded',
  standard: 'contact.created',
};

const lowerCased = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

describe.each(BUILT_IN_SENDERS.map((sender) => [sender.id, sender] as const))(
  'the %s definition',
  (id, sender) => {
    const body = Buffer.from(JSON.stringify(sender.sample.payload));

    it('has a sample that passes its own DTO and yields an event type and a key', () => {
      const validated = validatePayload(sender.dto as new () => object, sender.sample.payload);
      if (!validated.ok) throw new Error(`the sample fails its DTO: ${validated.errors.join('; ')}`);
      const payload = validated.value as never;
      // What arrives with the sample: its documented headers and those its signer sends (GitHub's
      // event and delivery, Standard Webhooks' id), which some senders name or key deliveries by.
      const signed = (sender as WebhookSender).sign(body, CREDENTIALS[id][0]!.sign);
      const headers = lowerCased({ ...sender.sample.headers, ...signed });
      const context = { rawBody: body, headers, verification: ACCEPTED };
      const type = sender.eventType === 'route' ? sender.sample.event : sender.eventType(payload, context);
      expect(type).toBe(SAMPLE_TYPES[id]);
      // Each level a word of at most 100 characters, the dots (Stripe's, GitHub's action) between them.
      expect(type).toMatch(EVENT_TYPE_PATTERN);
      for (const level of type!.split('.')) expect(level).toMatch(/^[A-Za-z0-9_-]{1,100}$/);
      if (sender.eventTypes) expect(sender.eventTypes).toContain(type);
      expect(idempotencyKeyOf(id, sender.idempotencyKey(payload, context))).toMatch(new RegExp(`^${id}:.+`));
    });

    it('lists, among the headers it always redacts, every credential header its signer sends; what it signs, it verifies', () => {
      for (const { verify, sign, visible = [] } of CREDENTIALS[id]) {
        const signed = (sender as WebhookSender).sign(body, sign);
        const names = Object.keys(signed).map((name) => name.toLowerCase());
        expect(names.length).toBeGreaterThan(0);
        // Every header sent is either redacted or one this test knows to carry no credential: a
        // header the signer adds later is redacted, or this list says why not.
        for (const name of names)
          expect([name, sender.credentialHeaders.includes(name) !== visible.includes(name)]).toEqual([
            name,
            true,
          ]);
        expect(names.filter((name) => sender.credentialHeaders.includes(name)).length).toBeGreaterThan(0);
        const verifier = (sender as WebhookSender).verifier(verify, `senders.${id}`);
        const headers = lowerCased(signed);
        expect(verifier(body, headers).ok).toBe(true);
        // Tokens (OVCODE's, Certificall's Bearer and Basic) authenticate the channel, not the body.
        const method = (sign as { method?: string }).method;
        const bindsBody = id !== 'ovcode' && method !== 'bearer' && method !== 'basic';
        expect(verifier(Buffer.concat([body, Buffer.from(' x')]), headers).ok).toBe(!bindsBody);
        // What travels beside the signature and is signed with it (GitHub's event and delivery are
        // not) cannot be changed without the signature failing.
        for (const name of names.filter((n) => !sender.credentialHeaders.includes(n))) {
          const changed = { ...headers, [name]: `${headers[name]}1` };
          const signedToo = id === 'standard';
          expect([name, verifier(body, changed).ok]).toEqual([name, !signedToo]);
        }
      }
    });
  },
);
