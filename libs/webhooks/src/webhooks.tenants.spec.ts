import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';
import { independentHmac } from '../../../test/support/independent-hmac.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { inkitSender } from './senders/inkit/inkit.sender.js';
import type {
  WebhookCredentialLookup,
  WebhookCredentialResolver,
  WebhookTenantOptions,
} from './webhooks.sender.js';
import { DEFAULT_TENANT_OPTIONS, TENANT_PATTERN, TenantVerifiers } from './webhooks.tenants.js';

// ---------------------------------------------------------------------------------------------
// Signatures from OpenSSL's command line (else Python's hmac), never from the sender's own signer.

const independentHmacSha256 = (secret: string, body: string) => independentHmac('sha256', secret, body);

// ---------------------------------------------------------------------------------------------

/** Every line logged through Nest's Logger, as text. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private keep =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) =>
      void this.lines.push([level, message, ...rest].map((part) => String(part)).join(' '));
  log = this.keep('log');
  error = this.keep('error');
  warn = this.keep('warn');
  debug = this.keep('debug');
  verbose = this.keep('verbose');
}

type Answer = { secret: string | string[] } | undefined;

/** A store of tenants' secrets that counts its lookups and can be told to fail or to be slow. */
class FakeResolver implements WebhookCredentialResolver<{ secret: string | string[] }> {
  readonly calls: string[] = [];
  readonly signals: AbortSignal[] = [];
  failWith?: Error;
  delayMs = 0;
  constructor(readonly secrets: Record<string, string | string[]> = {}) {}

  async resolve(tenant: string, { sender, signal }: WebhookCredentialLookup): Promise<Answer> {
    this.calls.push(`${sender}/${tenant}`);
    this.signals.push(signal);
    if (this.delayMs > 0) await sleep(this.delayMs);
    if (this.failWith !== undefined) throw this.failWith;
    const secret = this.secrets[tenant];
    return secret === undefined ? undefined : { secret };
  }
}

const ACME_SECRET = 'acme-tenant-secret-9f3c';
const GLOBEX_SECRET = 'globex-tenant-secret-41d0';

function verifiersOf(
  resolver: WebhookCredentialResolver | undefined,
  options: WebhookTenantOptions = {},
): TenantVerifiers {
  const tenants = new TenantVerifiers('inkit', inkitSender, { ...DEFAULT_TENANT_OPTIONS, ...options });
  if (resolver !== undefined) tenants.use(resolver);
  return tenants;
}

const signed = (secret: string, body: string) => ({
  body: Buffer.from(body),
  headers: { 'inkit-signature': independentHmacSha256(secret, body) },
});

const logger = new CapturingLogger();
beforeAll(() => Logger.overrideLogger(logger));
afterAll(() => Logger.overrideLogger(false));
beforeEach(() => {
  logger.lines.length = 0;
});

describe('TenantVerifiers', () => {
  it("builds each tenant's verifier from its own credentials: an OpenSSL signature verifies only there", async () => {
    const tenants = verifiersOf(new FakeResolver({ acme: ACME_SECRET, globex: GLOBEX_SECRET }));
    const acme = await tenants.lookup('acme');
    const globex = await tenants.lookup('globex');
    const body = '{"event_type":"DOCUMENT_CREATE_FINISHED","resource_id":"doc_1","note":"café 🚀"}';
    const byAcme = signed(ACME_SECRET, body);

    expect(acme?.(byAcme.body, byAcme.headers)).toEqual({ ok: true });
    expect(globex?.(byAcme.body, byAcme.headers)).toMatchObject({ ok: false, reason: 'mismatch' });
    const byGlobex = signed(GLOBEX_SECRET, body);
    expect(globex?.(byGlobex.body, byGlobex.headers)).toEqual({ ok: true });
    expect(acme?.(byGlobex.body, byGlobex.headers)).toMatchObject({ ok: false, reason: 'mismatch' });
    // The raw bytes only: one changed byte fails under the right secret.
    expect(acme?.(Buffer.from(body.replace('doc_1', 'doc_2')), byAcme.headers)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(acme?.(byAcme.body, {})).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('accepts every secret of a tenant that is rotating one out', async () => {
    const tenants = verifiersOf(new FakeResolver({ acme: [ACME_SECRET, 'acme-previous-secret'] }));
    const verify = await tenants.lookup('acme');
    const previous = signed('acme-previous-secret', '{}');
    expect(verify?.(previous.body, previous.headers)).toEqual({ ok: true });
  });

  it('asks the resolver once for 50 concurrent lookups of one tenant, with the tenant and the sender id', async () => {
    const resolver = new FakeResolver({ acme: ACME_SECRET });
    resolver.delayMs = 20;
    const tenants = verifiersOf(resolver);
    const verifiers = await Promise.all(Array.from({ length: 50 }, () => tenants.lookup('acme')));

    expect(resolver.calls).toEqual(['inkit/acme']);
    expect(new Set(verifiers).size).toBe(1);
    expect(typeof verifiers[0]).toBe('function');
    expect(tenants.cached('acme')).toBe(verifiers[0]);
    await tenants.lookup('acme');
    expect(resolver.calls).toHaveLength(1);
  });

  it('answers null for an unknown tenant, and keeps that answer until cacheTtlMs has passed', async () => {
    const resolver = new FakeResolver({});
    const tenants = verifiersOf(resolver, { cacheTtlMs: 60 });
    expect(tenants.cached('nobody')).toBeUndefined();

    expect(await tenants.lookup('nobody')).toBeNull();
    expect(tenants.cached('nobody')).toBeNull();
    expect(await tenants.lookup('nobody')).toBeNull();
    expect(resolver.calls).toEqual(['inkit/nobody']);

    await sleep(100);
    expect(tenants.cached('nobody')).toBeUndefined();
    // The store learnt of the tenant meanwhile: the next lookup finds it.
    resolver.secrets.nobody = ACME_SECRET;
    const verify = await tenants.lookup('nobody');
    expect(resolver.calls).toEqual(['inkit/nobody', 'inkit/nobody']);
    const delivery = signed(ACME_SECRET, '{"a":1}');
    expect(verify?.(delivery.body, delivery.headers)).toEqual({ ok: true });
  });

  it('keeps a known tenant for cacheTtlMs too, then asks again (a rotated secret is picked up)', async () => {
    const resolver = new FakeResolver({ acme: ACME_SECRET });
    const tenants = verifiersOf(resolver, { cacheTtlMs: 60 });
    await tenants.lookup('acme');
    await tenants.lookup('acme');
    expect(resolver.calls).toHaveLength(1);

    await sleep(100);
    resolver.secrets.acme = 'acme-rotated-secret';
    const verify = await tenants.lookup('acme');
    expect(resolver.calls).toHaveLength(2);
    const old = signed(ACME_SECRET, '{}');
    const rotated = signed('acme-rotated-secret', '{}');
    expect(verify?.(old.body, old.headers)).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(verify?.(rotated.body, rotated.headers)).toEqual({ ok: true });
  });

  it('keeps at most maxTenants, known and unknown together, the least recently used going first', async () => {
    const resolver = new FakeResolver({ t0: 's0', t2: 's2', t4: 's4', t6: 's6', t8: 's8' });
    const tenants = verifiersOf(resolver, { maxTenants: 3 });
    for (let n = 0; n < 10; n++) await tenants.lookup(`t${n}`);
    expect(resolver.calls).toHaveLength(10);

    // The last three are kept; the first ones were evicted and are asked again.
    for (const n of [7, 8, 9]) expect(tenants.cached(`t${n}`)).not.toBeUndefined();
    for (const n of [0, 1, 2, 3, 4, 5, 6]) expect(tenants.cached(`t${n}`)).toBeUndefined();
    await tenants.lookup('t9');
    expect(resolver.calls).toHaveLength(10);
    await tenants.lookup('t0');
    expect(resolver.calls.at(-1)).toBe('inkit/t0');
    expect(resolver.calls).toHaveLength(11);
  });

  it('rejects when the resolver throws, caches nothing, and asks again at the next lookup', async () => {
    const resolver = new FakeResolver({ acme: ACME_SECRET });
    resolver.failWith = new Error('connection refused by the secrets database');
    const tenants = verifiersOf(resolver);

    const [first, second] = await Promise.allSettled([tenants.lookup('acme'), tenants.lookup('acme')]);
    expect(first).toMatchObject({ status: 'rejected' });
    expect(second).toMatchObject({ status: 'rejected' });
    expect(resolver.calls).toHaveLength(1);
    expect(tenants.cached('acme')).toBeUndefined();
    expect(logger.lines.join('\n')).toContain(
      'Credentials of inkit tenant "acme" could not be looked up: connection refused by the secrets database',
    );

    resolver.failWith = undefined;
    expect(typeof (await tenants.lookup('acme'))).toBe('function');
    expect(resolver.calls).toHaveLength(2);
  });

  it('rejects within about timeoutMs when the resolver is slower, caches nothing, and asks again', async () => {
    const resolver = new FakeResolver({ acme: ACME_SECRET });
    resolver.delayMs = 400;
    const tenants = verifiersOf(resolver, { timeoutMs: 50 });

    const started = performance.now();
    await expect(tenants.lookup('acme')).rejects.toBeInstanceOf(Error);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(300);
    expect(tenants.cached('acme')).toBeUndefined();
    expect(logger.lines.join('\n')).toContain('tenant "acme" could not be looked up: no answer within 50 ms');
    // The store's client is told to give up too, so a slow store is not left with hanging lookups.
    expect(resolver.signals[0]!.aborted).toBe(true);

    resolver.delayMs = 0;
    expect(typeof (await tenants.lookup('acme'))).toBe('function');
    expect(resolver.calls).toHaveLength(2);
    // The slow answer, arriving late, does not change what is cached.
    await sleep(400);
    expect(typeof tenants.cached('acme')).toBe('function');
  });

  it("answers 'unavailable' for a tenant whose credentials the scheme refuses, logging no secret", async () => {
    const resolver = new FakeResolver({ empty: '', halfEmpty: [ACME_SECRET, ''] });
    const tenants = verifiersOf(resolver);

    for (const tenant of ['empty', 'halfEmpty']) {
      const verify = await tenants.lookup(tenant);
      expect(typeof verify).toBe('function');
      const delivery = signed(ACME_SECRET, '{}');
      expect(verify?.(delivery.body, delivery.headers)).toEqual({
        ok: false,
        reason: 'unavailable',
        message: expect.any(String),
      });
      // Cached like any answer: a storm to this tenant is not a storm of lookups.
      await tenants.lookup(tenant);
    }
    expect(resolver.calls).toEqual(['inkit/empty', 'inkit/halfEmpty']);

    const errors = logger.lines.filter((line) => line.startsWith('error '));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('Credentials of inkit tenant "empty" are not usable');
    expect(errors[1]).toContain('Credentials of inkit tenant "halfEmpty" are not usable');
    expect(logger.lines.join('\n')).not.toContain(ACME_SECRET);
  });

  it('rejects a lookup made before the resolver is in use, and caches nothing', async () => {
    const tenants = verifiersOf(undefined);
    await expect(tenants.lookup('acme')).rejects.toThrow('the module has not started yet');
    expect(tenants.cached('acme')).toBeUndefined();

    const resolver = new FakeResolver({ acme: ACME_SECRET });
    tenants.use(resolver);
    expect(typeof (await tenants.lookup('acme'))).toBe('function');
    expect(resolver.calls).toEqual(['inkit/acme']);
  });

  it('keeps the sender id it was made for, as another account of the sender (as) is looked up', async () => {
    const resolver = new FakeResolver({ acme: ACME_SECRET });
    const eu = inkitSender.as('inkit-eu');
    const tenants = new TenantVerifiers('inkit-eu', eu, DEFAULT_TENANT_OPTIONS);
    tenants.use(resolver);
    await tenants.lookup('acme');
    expect(resolver.calls).toEqual(['inkit-eu/acme']);
  });
});

describe('TENANT_PATTERN', () => {
  it.each([
    ['a slug', 'acme'],
    ['upper case and a dash', 'ACME-eu'],
    ['a number', '42'],
    ['an underscore and a dot', 'tenant_1.eu'],
    ['a UUID', '0f8fad5b-d9cb-469f-a165-70867728950e'],
    ['100 characters', 'a'.repeat(100)],
  ])('takes %s', (_what, tenant) => expect(TENANT_PATTERN.test(tenant)).toBe(true));

  it.each([
    ['nothing', ''],
    ['..', '..'],
    ['a leading dot', '.hidden'],
    ['a leading dash', '-x'],
    ['a space', 'a b'],
    ['a percent escape', 'a%20b'],
    ['a slash', 'a/b'],
    ['a non-ASCII letter', 'café'],
    ['a line break', 'a\nb'],
    ['101 characters', 'a'.repeat(101)],
  ])('refuses %s', (_what, tenant) => expect(TENANT_PATTERN.test(tenant)).toBe(false));
});
