import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { ACCEPTED, accepted, type Accepted } from '../schemes/index.js';
import { idempotencyKeyOf, type WebhookSender } from '../webhooks.sender.js';
import { BUILT_IN_SENDERS } from './index.js';

const SENDERS = Object.fromEntries(BUILT_IN_SENDERS.map((sender) => [sender.id, sender])) as Record<
  (typeof BUILT_IN_SENDERS)[number]['id'],
  WebhookSender
>;
/** The key the pipeline makes: the sender's parts, escaped and joined under its id. */
const keyFor = (id: keyof typeof SENDERS, payload: object, rawBody: Buffer, verification: Accepted = ACCEPTED) =>
  idempotencyKeyOf(id, SENDERS[id].idempotencyKey(payload, { rawBody, headers: {}, verification }));

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const raw = (text: string) => Buffer.from(text, 'utf8');
const VIA_FALLBACK = accepted({ viaFallback: true });
const NO_BODY = Buffer.alloc(0);

/** Each composite key's parts, as the payload fields they come from. */
const COMPOSITES = {
  inkit: (a: string, b: string) =>
    keyFor('inkit', { event_type: a, resource_id: b }, NO_BODY),
  ovcode: (a: string, b: string) =>
    keyFor('ovcode', { reference: a, status_code: b }, NO_BODY),
  certificall: (a: string, b: string) =>
    keyFor('certificall', { cfRef: a, reportId: b }, NO_BODY),
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
    const keyOf = (value: string) =>
      keyFor('illow', { idempotencyKey: value }, NO_BODY);
    expect(keyOf('d3f1a6c2-58e4')).toBe('illow:d3f1a6c2-58e4');
    expect(keyOf('a:b')).not.toBe(keyOf('a%3Ab'));
  });

  describe('oxskyt (the SHA-256 of what was signed)', () => {
    const keyOf = (body: string, verification = ACCEPTED) =>
      keyFor('oxskyt', {}, raw(body), verification);

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
    for (const id of ['oxskyt', 'ovcode', 'certificall', 'illow'] as const) {
      expect(SENDERS[id].ttlByEvent).toBeUndefined();
    }
  });
});
