import { describe, expect, it } from '@jest/globals';
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import { execFileSync } from 'node:child_process';
import { createGithubVerifier, GITHUB_HEADER, signGithub } from './github.scheme.js';
import { githubSender } from './github.sender.js';
import { WebhookConfigurationError } from '../../schemes/scheme.errors.js';
import type { HeaderBag, RejectionReason } from '../../schemes/scheme.types.js';

// GitHub's documented test values ("Validating webhook deliveries").
const DOC_SECRET = "It's a Secret to Everybody";
const DOC_BODY = Buffer.from('Hello, World!');
const DOC_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

const SECRET = 'whsec-github-🚀';
const EVENT = '{"action":"opened","issue":{"title":"ß 𐐷 🚀"},"sender":{"login":"octocat","id":1}}';

const verifyDoc = createGithubVerifier({ secret: DOC_SECRET });
const verify = createGithubVerifier({ secret: SECRET });
const github = (value: string | readonly string[]): HeaderBag => ({ 'x-hub-signature-256': value });

/** The openssl CLI's HMAC, as a second implementation: the body on stdin, the digest as hex. */
function opensslHmac(secret: string, body: Buffer): string {
  const out = execFileSync('openssl', ['dgst', '-sha256', '-hmac', secret], { input: body }).toString();
  // `SHA2-256(stdin)= <hex>` or `(stdin)= <hex>`, depending on the version.
  return out.trim().split(/\s+/).pop()!;
}

describe('GitHub scheme', () => {
  it("accepts GitHub's documented vector, under the documented header spelling too", () => {
    expect(verifyDoc(DOC_BODY, github(DOC_SIGNATURE))).toEqual({ ok: true });
    expect(verifyDoc(DOC_BODY, { [GITHUB_HEADER]: DOC_SIGNATURE })).toEqual({ ok: true });
    expect(signGithub('Hello, World!', { secret: DOC_SECRET })[GITHUB_HEADER]).toBe(DOC_SIGNATURE);
  });

  it('refuses the documented vector once any byte of the body changes', () => {
    for (let at = 0; at < DOC_BODY.length; at++) {
      const changed = Buffer.from(DOC_BODY);
      changed[at] ^= 0x01;
      expect(verifyDoc(changed, github(DOC_SIGNATURE))).toMatchObject({ ok: false, reason: 'mismatch' });
    }
  });

  it('accepts hex digits in either case, the prefix as GitHub writes it', () => {
    const upper = `sha256=${DOC_SIGNATURE.slice('sha256='.length).toUpperCase()}`;
    expect(verifyDoc(DOC_BODY, github(upper))).toEqual({ ok: true });
    expect(verifyDoc(DOC_BODY, github(DOC_SIGNATURE.replace('sha256=', 'SHA256=')))).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it('accepts signatures made by @octokit/webhooks-methods', async () => {
    for (const body of [EVENT, 'Hello, World!', '{ "zen": "Keep it logically awesome." }\n']) {
      const signature = await octokitSign(SECRET, body);
      expect(verify(Buffer.from(body, 'utf8'), github(signature))).toEqual({ ok: true });
    }
  });

  it('signs what @octokit/webhooks-methods verifies, and only for that body and secret', async () => {
    const signature = signGithub(EVENT, { secret: SECRET })[GITHUB_HEADER]!;
    expect(await octokitVerify(SECRET, EVENT, signature)).toBe(true);
    expect(await octokitVerify(`${SECRET}!`, EVENT, signature)).toBe(false);
    expect(await octokitVerify(SECRET, `${EVENT} `, signature)).toBe(false);
  });

  it('accepts a signature made with the openssl CLI', () => {
    const body = Buffer.from(EVENT, 'utf8');
    const hex = opensslHmac(SECRET, body);
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(verify(body, github(`sha256=${hex}`))).toEqual({ ok: true });
    expect(opensslHmac(DOC_SECRET, DOC_BODY)).toBe(DOC_SIGNATURE.slice('sha256='.length));
  });

  const hex = DOC_SIGNATURE.slice('sha256='.length);
  const table: [string, Uint8Array, HeaderBag, RejectionReason][] = [
    ['no signature header', DOC_BODY, {}, 'missing'],
    ['an empty signature header', DOC_BODY, github(''), 'missing'],
    ['only the legacy SHA-1 header', DOC_BODY, { 'x-hub-signature': 'sha1=' + '0'.repeat(40) }, 'missing'],
    ['a "sha1=" prefix', DOC_BODY, github(`sha1=${hex}`), 'malformed'],
    ['no prefix', DOC_BODY, github(hex), 'malformed'],
    ['a prefix without "="', DOC_BODY, github(`sha256${hex}`), 'malformed'],
    ['a signature cut short', DOC_BODY, github(DOC_SIGNATURE.slice(0, -2)), 'malformed'],
    ['a signature too long', DOC_BODY, github(`${DOC_SIGNATURE}00`), 'malformed'],
    ['a digit that is not hex', DOC_BODY, github(`${DOC_SIGNATURE.slice(0, -1)}g`), 'malformed'],
    [
      'a base64 signature',
      DOC_BODY,
      github('sha256=dXEH6g6yUJ/CESIczphLijdXC211hsIsRvQ3nIsEPhc='),
      'malformed',
    ],
    ['two copies of the header', DOC_BODY, github([DOC_SIGNATURE, DOC_SIGNATURE]), 'malformed'],
    ['a 10,000-char header', DOC_BODY, github(`sha256=${'0'.repeat(10_000)}`), 'malformed'],
    [
      'a signature under another secret',
      DOC_BODY,
      github(signGithub(DOC_BODY, { secret: 'nope' })[GITHUB_HEADER]!),
      'mismatch',
    ],
    ['a tampered body', Buffer.from('Hello, World?'), github(DOC_SIGNATURE), 'mismatch'],
    ['an empty body', Buffer.alloc(0), github(DOC_SIGNATURE), 'mismatch'],
  ];
  it.each(table)('rejects %s', (_what, body, headers, reason) => {
    expect(verifyDoc(body, headers)).toMatchObject({ ok: false, reason });
  });

  it('refuses a signature with one character that is not a hex digit, wherever it is', () => {
    for (let at = 0; at < hex.length; at++) {
      for (const bad of ['g', 'Z', ' ', '-', 'é', '０']) {
        const value = `sha256=${hex.slice(0, at)}${bad}${hex.slice(at + 1)}`;
        expect(verifyDoc(DOC_BODY, github(value))).toMatchObject({ ok: false, reason: 'malformed' });
      }
    }
  });

  it('has no JSON fallback: GitHub signs the bytes it sends', () => {
    const signature = signGithub(EVENT, { secret: SECRET })[GITHUB_HEADER]!;
    const respaced = Buffer.from(JSON.stringify(JSON.parse(EVENT), null, 2));
    expect(verify(respaced, github(signature))).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('accepts every secret of a list while one is rotated out, and no other', () => {
    const rotating = createGithubVerifier({ secret: ['old-secret', DOC_SECRET] });
    const signed = (secret: string) => github(signGithub(DOC_BODY, { secret })[GITHUB_HEADER]!);
    expect(rotating(DOC_BODY, github(DOC_SIGNATURE))).toEqual({ ok: true });
    expect(rotating(DOC_BODY, signed('old-secret'))).toEqual({ ok: true });
    expect(rotating(DOC_BODY, signed('new-secret'))).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('keeps the secret and the expected signature out of its messages', () => {
    const result = verifyDoc(DOC_BODY, github(`sha256=${'0'.repeat(64)}`));
    expect(result.ok).toBe(false);
    const text = JSON.stringify(result);
    expect(text).not.toContain(DOC_SECRET);
    expect(text.toLowerCase()).not.toContain(hex);
  });

  it('answers unavailable, without throwing, when handed a parsed body instead of the raw bytes', () => {
    for (const body of ['Hello, World!', { a: 1 }, undefined]) {
      expect(verifyDoc(body as unknown as Uint8Array, github(DOC_SIGNATURE))).toMatchObject({
        ok: false,
        reason: 'unavailable',
      });
    }
  });

  it('fails at configuration, naming the option, on an empty secret or an empty list', () => {
    expect(() => githubSender.verifier({ secret: '' }, 'senders.github')).toThrow(WebhookConfigurationError);
    expect(() => githubSender.verifier({ secret: '' }, 'senders.github')).toThrow('"senders.github.secret"');
    expect(() => createGithubVerifier({ secret: [] })).toThrow('"github.secret"');
    expect(() => createGithubVerifier({ secret: ['ok', ''] }, 'senders.github')).toThrow(
      '"senders.github.secret[1]"',
    );
  });
});

describe('signGithub', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('sends the signature and a new delivery id, and the event only when given', () => {
    const first = signGithub(DOC_BODY, { secret: DOC_SECRET });
    const second = signGithub(DOC_BODY, { secret: DOC_SECRET });
    expect(Object.keys(first).sort()).toEqual(['X-GitHub-Delivery', 'X-Hub-Signature-256']);
    expect(first['X-Hub-Signature-256']).toBe(DOC_SIGNATURE);
    expect(first['X-GitHub-Delivery']).toMatch(UUID);
    expect(second['X-GitHub-Delivery']).not.toBe(first['X-GitHub-Delivery']);
  });

  it('sends the event and delivery it is given', () => {
    const delivery = '72d3162e-cc78-11e3-81ab-4c9367dc0958';
    expect(signGithub(DOC_BODY, { secret: DOC_SECRET, event: 'push', delivery })).toEqual({
      'X-Hub-Signature-256': DOC_SIGNATURE,
      'X-GitHub-Delivery': delivery,
      'X-GitHub-Event': 'push',
    });
  });
});
