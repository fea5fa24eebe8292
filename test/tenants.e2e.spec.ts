import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Global,
  HttpCode,
  type INestApplication,
  Injectable,
  type LoggerService,
  Module,
  Post,
  Req,
  UseGuards,
  type Type,
} from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { independentHmac } from './support/independent-hmac.js';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  OnWebhook,
  OnWebhookOutcome,
  WebhookConfigurationError,
  WebhookGuard,
  WebhooksModule,
  WebhooksService,
  inkitSender,
  type ConfiguredWebhookSender,
  type InkitCredentials,
  type InkitWebhookDto,
  type WebhookDeliveryOutcome,
  type WebhookEvent,
} from 'nestjs-webhooks';

// ---------------------------------------------------------------------------------------------
// Signatures from another implementation than the senders' own: OpenSSL's command line, else
// Python's hmac module. Inkit signs hex(HMAC-SHA256(secret, raw body)) in `Inkit-Signature`.

/** Every signature made, to check that none reaches a log line. */
const signatures = new Set<string>();

function independentHmacSha256(secret: string, body: string): string {
  const digest = independentHmac('sha256', secret, body);
  signatures.add(digest);
  return digest;
}

const signedBy = (secret: string, body: string) => ({
  'Inkit-Signature': independentHmacSha256(secret, body),
});

/** A delivery `n`, formatted as no serializer would, so that only the exact bytes verify. */
const bodyOf = (n: number | string) =>
  `${JSON.stringify({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: `doc_${n}`, note: 'café 🚀' }, null, 3)}\n`;
const keyOf = (prefix: string, n: number | string) => `${prefix}:DOCUMENT_CREATE_FINISHED:doc_${n}`;

// ---------------------------------------------------------------------------------------------
// Two accounts of one sender, by `as`: each its own id, route, event prefix and keys.

const inkitEuSender = inkitSender.as('inkit-eu', 'Inkit (EU)');

declare module 'nestjs-webhooks' {
  interface WebhookSenderRegistry {
    'inkit-eu': typeof inkitEuSender;
  }
}

const SECRET_A = 'inkit-us-secret-7c21';
const SECRET_B = 'inkit-eu-secret-e804';

// ---------------------------------------------------------------------------------------------
// Per tenant: the secrets in the app's own store, reached through a resolver with dependencies.

const TENANT_SECRETS: Record<string, string> = {
  acme: 'acme-inkit-secret-31f9',
  globex: 'globex-inkit-secret-08aa',
  initech: 'initech-inkit-secret-c4d2',
  umbrella: 'umbrella-inkit-secret-5e17',
  hooli: 'hooli-inkit-secret-9b60',
};
const TENANT_TIMEOUT_MS = 200;

/** The app's store of secrets, by tenant: counts its lookups, and can be told to fail or to be slow. */
@Injectable()
class SecretStore {
  readonly secrets = new Map(Object.entries(TENANT_SECRETS));
  readonly lookups: string[] = [];
  failing = false;
  delayMs = 0;

  async secretOf(tenant: string): Promise<string | undefined> {
    this.lookups.push(tenant);
    // Not holding the process open after the suite: a slow lookup outlives the delivery it timed out.
    if (this.delayMs > 0) await sleep(this.delayMs, undefined, { ref: false });
    if (this.failing) throw new Error('the secrets database is unreachable');
    return this.secrets.get(tenant);
  }

  count(tenant: string): number {
    return this.lookups.filter((looked) => looked === tenant).length;
  }

  reset(): void {
    this.lookups.length = 0;
    this.failing = false;
    this.delayMs = 0;
  }
}

/** The resolver the app writes: an injectable class depending on another provider. */
@Injectable()
class TenantSecrets {
  constructor(private readonly store: SecretStore) {}

  async resolve(tenant: string, { sender }: { sender: string }): Promise<InkitCredentials | undefined> {
    if (sender !== 'inkit') throw new Error(`asked for ${sender}`);
    const secret = await this.store.secretOf(tenant);
    return secret === undefined ? undefined : { secret };
  }
}

@Global()
@Module({ providers: [SecretStore], exports: [SecretStore] })
class GlobalSecretsModule {}

// ---------------------------------------------------------------------------------------------

/** Records what handlers and outcome listeners saw. */
@Injectable()
class Recorder {
  readonly events: WebhookEvent<InkitWebhookDto>[] = [];
  readonly outcomes: WebhookDeliveryOutcome[] = [];

  @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
  onInkit(event: WebhookEvent<InkitWebhookDto>): void {
    this.events.push(event);
  }

  @OnWebhookOutcome('accepted')
  @OnWebhookOutcome('duplicate')
  @OnWebhookOutcome('rejected')
  @OnWebhookOutcome('failed')
  onOutcome(outcome: WebhookDeliveryOutcome): void {
    this.outcomes.push(outcome);
  }

  clear(): void {
    this.events.length = this.outcomes.length = 0;
  }
}

/** The handler of the second account: only in the app that configures it (else an unknown sender). */
@Injectable()
class EuRecorder {
  readonly events: WebhookEvent<InkitWebhookDto>[] = [];

  @OnWebhook('inkit-eu.DOCUMENT_CREATE_FINISHED')
  onInkitEu(event: WebhookEvent<InkitWebhookDto>): void {
    this.events.push(event);
  }
}

/** A route of the user's own, its tenant in its own parameter, behind the sender's guard. */
@Controller('hooks')
class TenantHooksController {
  readonly received: { tenant: string | undefined }[] = [];

  constructor(private readonly webhooks: WebhooksService) {}

  @Post(':tenant')
  @HttpCode(200)
  @UseGuards(WebhookGuard.for(inkitSender))
  async receive(@Req() request: object): Promise<string> {
    const delivery = this.webhooks.deliveryOf(request);
    this.received.push({ tenant: delivery?.tenant });
    await this.webhooks.process(delivery);
    return 'OK';
  }
}

/** Every line logged, as text. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private keep =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) => {
      const parts = [level, message, ...rest].map((part) =>
        typeof part === 'string' ? part : part instanceof Error ? `${part.stack}` : JSON.stringify(part),
      );
      this.lines.push(parts.join(' '));
    };
  log = this.keep('log');
  error = this.keep('error');
  warn = this.keep('warn');
  debug = this.keep('debug');
  verbose = this.keep('verbose');
}

const ADAPTERS = ['express', 'fastify'] as const;
type Adapter = (typeof ADAPTERS)[number];

interface StartOptions {
  senders: ConfiguredWebhookSender[];
  imports?: Type<object>[];
  providers?: Type<object>[];
  controllers?: Type<object>[];
  logger?: LoggerService;
}

/** Compiles, creates, initializes and listens, as `NestFactory.create` and `app.listen()` would. */
async function start(
  adapter: Adapter,
  options: StartOptions,
): Promise<{ app: INestApplication; url: string }> {
  const logger = options.logger ?? new CapturingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [
      EventEmitterModule.forRoot({ wildcard: true }),
      WebhooksModule.forRoot({ senders: options.senders }),
      ...(options.imports ?? []),
    ],
    providers: options.providers ?? [],
    controllers: options.controllers ?? [],
  })
    .setLogger(logger)
    .compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger })
      : moduleRef.createNestApplication({ logger });
  try {
    // Listening for real: a hundred concurrent deliveries need one server, not one per request.
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

/** What start() failed with, or a failure of the test when it did not. */
async function startupError(adapter: Adapter, options: StartOptions): Promise<Error> {
  let started: { app: INestApplication } | undefined;
  try {
    started = await start(adapter, options);
  } catch (error) {
    return error as Error;
  }
  await started.app.close();
  throw new Error('the app started');
}

interface Reply {
  status: number;
  text: string;
  body: Record<string, unknown> | undefined;
}

/**
 * POSTs `body` to exactly `path`, with Node's own client: no URL parser in between to resolve `..`
 * or re-encode a segment, so the router sees the bytes a sender would send.
 */
function post(url: string, path: string, body: string, headers: Record<string, string> = {}): Promise<Reply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        path,
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown> | undefined;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const statusesOf = (replies: Reply[]) => [...new Set(replies.map((reply) => reply.status))];

// ---------------------------------------------------------------------------------------------

describe.each(ADAPTERS)('two accounts of one sender (as), on %s', (adapter) => {
  const logger = new CapturingLogger();
  let app: INestApplication;
  let url: string;
  let recorder: Recorder;
  let eu: EuRecorder;

  beforeAll(async () => {
    ({ app, url } = await start(adapter, {
      senders: [inkitSender.configure({ secret: SECRET_A }), inkitEuSender.configure({ secret: SECRET_B })],
      providers: [Recorder, EuRecorder],
      logger,
    }));
    recorder = app.get(Recorder);
    eu = app.get(EuRecorder);
  });
  afterAll(() => app?.close());
  beforeEach(() => {
    recorder.clear();
    eu.events.length = 0;
  });

  it("accepts each account's deliveries on its own route only, each reaching its own handler", async () => {
    const us = bodyOf('us-1');
    const europe = bodyOf('eu-1');

    const byA = await post(url, '/webhooks/inkit', us, signedBy(SECRET_A, us));
    expect([byA.status, byA.text]).toEqual([200, 'OK']);
    const byB = await post(url, '/webhooks/inkit-eu', europe, signedBy(SECRET_B, europe));
    expect([byB.status, byB.text]).toEqual([200, 'OK']);

    expect(recorder.events.map((event) => [event.sender, event.name, event.idempotencyKey])).toEqual([
      ['inkit', 'inkit.DOCUMENT_CREATE_FINISHED', keyOf('inkit', 'us-1')],
    ]);
    expect(eu.events.map((event) => [event.sender, event.name, event.idempotencyKey])).toEqual([
      ['inkit-eu', 'inkit-eu.DOCUMENT_CREATE_FINISHED', keyOf('inkit-eu', 'eu-1')],
    ]);
    expect(eu.events[0].payload.resource_id).toBe('doc_eu-1');
    expect(eu.events[0].headers['inkit-signature']).toBe('[redacted]');
    expect(eu.events[0].tenant).toBeUndefined();
  });

  it("answers 401 for a delivery signed with the other account's secret", async () => {
    const body = bodyOf('cross-1');
    const byBAtA = await post(url, '/webhooks/inkit', body, signedBy(SECRET_B, body));
    const byAAtB = await post(url, '/webhooks/inkit-eu', body, signedBy(SECRET_A, body));
    expect([byBAtA.status, byBAtA.body?.reason, byAAtB.status, byAAtB.body?.reason]).toEqual([
      401,
      'mismatch',
      401,
      'mismatch',
    ]);
    expect(recorder.events).toHaveLength(0);
    expect(eu.events).toHaveLength(0);
    expect(recorder.outcomes.map((outcome) => [outcome.sender, outcome.outcome, outcome.status])).toEqual([
      ['inkit', 'rejected', 401],
      ['inkit-eu', 'rejected', 401],
    ]);
  });

  it('takes the same payload on both accounts as two deliveries, not a duplicate (keys differ by id)', async () => {
    const body = bodyOf('both-1');
    expect((await post(url, '/webhooks/inkit', body, signedBy(SECRET_A, body))).status).toBe(200);
    expect((await post(url, '/webhooks/inkit-eu', body, signedBy(SECRET_B, body))).status).toBe(200);
    expect(recorder.events).toHaveLength(1);
    expect(eu.events).toHaveLength(1);
    expect(recorder.outcomes.map((outcome) => [outcome.outcome, outcome.idempotencyKey])).toEqual([
      ['accepted', keyOf('inkit', 'both-1')],
      ['accepted', keyOf('inkit-eu', 'both-1')],
    ]);

    // Each account still de-duplicates its own retries.
    expect((await post(url, '/webhooks/inkit-eu', body, signedBy(SECRET_B, body))).status).toBe(200);
    expect(eu.events).toHaveLength(1);
    expect(recorder.outcomes.at(-1)).toMatchObject({ sender: 'inkit-eu', outcome: 'duplicate' });
  });

  it('has no tenant routes: a path below either account is a 404', async () => {
    const body = bodyOf('below-1');
    expect((await post(url, '/webhooks/inkit/acme', body, signedBy(SECRET_A, body))).status).toBe(404);
    expect((await post(url, '/webhooks/inkit-eu/acme', body, signedBy(SECRET_B, body))).status).toBe(404);
    expect(recorder.events).toHaveLength(0);
  });

  it('logged no secret or signature', () => {
    const logged = logger.lines.join('\n');
    expect(logged).not.toContain(SECRET_A);
    expect(logged).not.toContain(SECRET_B);
    for (const signature of signatures) expect(logged.toLowerCase()).not.toContain(signature.slice(0, 32));
  });
});

describe.each(ADAPTERS)('per tenant (configurePerTenant), on %s', (adapter) => {
  const logger = new CapturingLogger();
  let app: INestApplication;
  let url: string;
  let recorder: Recorder;
  let store: SecretStore;
  let hooks: TenantHooksController;

  const deliver = (tenant: string, n: number | string, secret = TENANT_SECRETS[tenant] ?? 'no-secret') => {
    const body = bodyOf(n);
    return post(url, `/webhooks/inkit/${tenant}`, body, signedBy(secret, body));
  };

  beforeAll(async () => {
    ({ app, url } = await start(adapter, {
      senders: [inkitSender.configurePerTenant(TenantSecrets, { timeoutMs: TENANT_TIMEOUT_MS })],
      providers: [Recorder, SecretStore, TenantSecrets],
      controllers: [TenantHooksController],
      logger,
    }));
    recorder = app.get(Recorder);
    store = app.get(SecretStore);
    hooks = app.get(TenantHooksController);
  });
  afterAll(() => app?.close());
  beforeEach(() => {
    recorder.clear();
    store.reset();
    hooks.received.length = 0;
  });

  it("verifies a delivery with its tenant's secret and names the tenant in the event and its key", async () => {
    const reply = await deliver('acme', 'acme-1');
    expect([reply.status, reply.text]).toEqual([200, 'OK']);
    expect(recorder.events).toHaveLength(1);
    const [event] = recorder.events;
    expect(event.sender).toBe('inkit');
    expect(event.tenant).toBe('acme');
    expect(event.name).toBe('inkit.DOCUMENT_CREATE_FINISHED');
    expect(event.idempotencyKey.startsWith('inkit:acme:')).toBe(true);
    expect(event.idempotencyKey).toBe(keyOf('inkit:acme', 'acme-1'));
    expect(event.headers['inkit-signature']).toBe('[redacted]');
    expect(recorder.outcomes).toEqual([
      expect.objectContaining({ sender: 'inkit', tenant: 'acme', outcome: 'accepted', status: 200 }),
    ]);
    expect(store.lookups).toEqual(['acme']);

    // Cached: the next delivery asks the store nothing.
    expect((await deliver('acme', 'acme-2')).status).toBe(200);
    expect(store.lookups).toEqual(['acme']);
  });

  it("answers 401 for a delivery signed with another tenant's secret, its outcome naming the tenant", async () => {
    const reply = await deliver('acme', 'acme-3', TENANT_SECRETS.globex);
    expect(reply.status).toBe(401);
    expect(reply.body?.reason).toBe('mismatch');
    expect(recorder.events).toHaveLength(0);
    expect(recorder.outcomes).toEqual([
      expect.objectContaining({
        sender: 'inkit',
        tenant: 'acme',
        outcome: 'rejected',
        status: 401,
        reason: 'mismatch',
      }),
    ]);
  });

  it('answers 404 for an unknown tenant, and a storm of 100 concurrent deliveries to it costs one lookup', async () => {
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, n) => deliver('nobody', `nobody-${n}`)),
    );
    expect(statusesOf(replies)).toEqual([404]);
    expect(store.count('nobody')).toBe(1);
    // The unknown answer is cached too.
    expect((await deliver('nobody', 'nobody-again')).status).toBe(404);
    expect(store.lookups).toEqual(['nobody']);
    expect(recorder.events).toHaveLength(0);
  });

  it('looks a known tenant up once for 100 concurrent deliveries before it is cached', async () => {
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, n) => deliver('initech', `initech-${n}`)),
    );
    expect(statusesOf(replies)).toEqual([200]);
    expect(store.lookups).toEqual(['initech']);
    expect(recorder.events).toHaveLength(100);
    expect(new Set(recorder.events.map((event) => event.tenant))).toEqual(new Set(['initech']));
  });

  it.each([
    ['"..", sent as is', '..'],
    ['a leading dot', '.acme'],
    ['an encoded space', 'a%20b'],
    ['an encoded slash', 'acme%2Fx'],
    ['a non-ASCII letter', 'caf%C3%A9'],
    ['101 characters', 'a'.repeat(101)],
  ])('answers 404 for a tenant segment with %s, asking the store nothing', async (_what, segment) => {
    const body = bodyOf('bad-segment');
    const reply = await post(url, `/webhooks/inkit/${segment}`, body, signedBy(TENANT_SECRETS.acme, body));
    // Fastify's router refuses a parameter over its maxParamLength (100) itself, with a 414.
    expect(reply.status).toBe(adapter === 'fastify' && segment.length > 100 ? 414 : 404);
    expect(store.lookups).toEqual([]);
    expect(recorder.events).toHaveLength(0);
  });

  it('answers 404 on the route without a tenant, asking the store nothing', async () => {
    const body = bodyOf('no-tenant');
    const reply = await post(url, '/webhooks/inkit', body, signedBy(TENANT_SECRETS.acme, body));
    expect(reply.status).toBe(404);
    expect(store.lookups).toEqual([]);
  });

  it('processes the same payload for two tenants as two deliveries, not a duplicate', async () => {
    expect((await deliver('acme', 'shared-1')).status).toBe(200);
    expect((await deliver('globex', 'shared-1')).status).toBe(200);
    expect(recorder.events.map((event) => [event.tenant, event.idempotencyKey])).toEqual([
      ['acme', keyOf('inkit:acme', 'shared-1')],
      ['globex', keyOf('inkit:globex', 'shared-1')],
    ]);
    // Each tenant's retry is still a duplicate.
    expect((await deliver('globex', 'shared-1')).status).toBe(200);
    expect(recorder.events).toHaveLength(2);
    expect(recorder.outcomes.at(-1)).toMatchObject({ tenant: 'globex', outcome: 'duplicate' });
  });

  it("answers 500 'unavailable' while the store fails, and accepts the sender's retry once it is back", async () => {
    store.failing = true;
    const failed = await deliver('umbrella', 'umbrella-1');
    expect(failed.status).toBe(500);
    expect(failed.body?.reason).toBe('unavailable');
    expect(recorder.events).toHaveLength(0);
    expect(recorder.outcomes).toEqual([
      expect.objectContaining({
        sender: 'inkit',
        tenant: 'umbrella',
        outcome: 'rejected',
        status: 500,
        reason: 'unavailable',
      }),
    ]);

    store.failing = false;
    const retried = await deliver('umbrella', 'umbrella-1');
    expect(retried.status).toBe(200);
    expect(recorder.events.map((event) => [event.tenant, event.idempotencyKey])).toEqual([
      ['umbrella', keyOf('inkit:umbrella', 'umbrella-1')],
    ]);
    expect(store.lookups).toEqual(['umbrella', 'umbrella']);
  });

  it('answers 500 within about timeoutMs when the store is slower, and asks again at the retry', async () => {
    store.delayMs = 2_000;
    const started = performance.now();
    const slow = await deliver('hooli', 'hooli-1');
    const elapsed = performance.now() - started;
    expect(slow.status).toBe(500);
    expect(slow.body?.reason).toBe('unavailable');
    expect(elapsed).toBeGreaterThanOrEqual(TENANT_TIMEOUT_MS - 10);
    expect(elapsed).toBeLessThan(TENANT_TIMEOUT_MS + 600);
    expect(recorder.outcomes).toEqual([
      expect.objectContaining({ tenant: 'hooli', outcome: 'rejected', status: 500, reason: 'unavailable' }),
    ]);

    store.delayMs = 0;
    expect((await deliver('hooli', 'hooli-1')).status).toBe(200);
    expect(store.lookups).toEqual(['hooli', 'hooli']);
    expect(recorder.events.map((event) => event.tenant)).toEqual(['hooli']);
  });

  it("verifies per tenant on a route of the user's own (:tenant) behind WebhookGuard.for(sender)", async () => {
    const body = bodyOf('own-1');
    const mine = await post(url, '/hooks/acme', body, signedBy(TENANT_SECRETS.acme, body));
    expect([mine.status, mine.text]).toEqual([200, 'OK']);
    expect(hooks.received).toEqual([{ tenant: 'acme' }]);
    expect(recorder.events.map((event) => [event.tenant, event.idempotencyKey])).toEqual([
      ['acme', keyOf('inkit:acme', 'own-1')],
    ]);

    const other = await post(url, '/hooks/acme', body, signedBy(TENANT_SECRETS.globex, body));
    expect(other.status).toBe(401);
    expect(other.body?.reason).toBe('mismatch');
    expect(recorder.outcomes.at(-1)).toMatchObject({ tenant: 'acme', outcome: 'rejected', status: 401 });

    const globex = await post(url, '/hooks/globex', body, signedBy(TENANT_SECRETS.globex, body));
    expect(globex.status).toBe(200);
    expect(recorder.events.map((event) => event.tenant)).toEqual(['acme', 'globex']);

    expect((await post(url, '/hooks/nobody-own', body, signedBy('x', body))).status).toBe(404);
    expect((await post(url, '/hooks/a%20b', body, signedBy('x', body))).status).toBe(404);
    expect(store.lookups).toEqual(['nobody-own']);

    // The module's route and the user's share the store and the keys: the same delivery is a duplicate.
    expect((await post(url, '/webhooks/inkit/acme', body, signedBy(TENANT_SECRETS.acme, body))).status).toBe(
      200,
    );
    expect(recorder.events).toHaveLength(2);
    expect(recorder.outcomes.at(-1)).toMatchObject({ tenant: 'acme', outcome: 'duplicate' });
    // The forged delivery never reached the route's method.
    expect(hooks.received).toEqual([{ tenant: 'acme' }, { tenant: 'globex' }]);
  });

  it('logged the failed lookups, and no secret or signature in any line', () => {
    const logged = logger.lines.join('\n');
    expect(logged).toContain('Credentials of inkit tenant "umbrella" could not be looked up');
    expect(logged).toContain(
      `Credentials of inkit tenant "hooli" could not be looked up: no answer within ${TENANT_TIMEOUT_MS} ms`,
    );
    for (const secret of Object.values(TENANT_SECRETS)) expect(logged).not.toContain(secret);
    const lower = logged.toLowerCase();
    for (const signature of signatures) expect(lower).not.toContain(signature.slice(0, 32));
  });
});

describe.each(ADAPTERS)('the resolver found at startup, on %s', (adapter) => {
  const perTenant = () => [inkitSender.configurePerTenant(TenantSecrets)];

  it('makes a resolver provided nowhere, injecting a dependency from a global module', async () => {
    const { app, url } = await start(adapter, {
      senders: perTenant(),
      imports: [GlobalSecretsModule],
      providers: [Recorder],
    });
    try {
      const body = bodyOf('made-1');
      const reply = await post(url, '/webhooks/inkit/acme', body, signedBy(TENANT_SECRETS.acme, body));
      expect(reply.status).toBe(200);
      expect(app.get(Recorder).events.map((event) => event.tenant)).toEqual(['acme']);
      // The global store is the one the made resolver asked.
      expect(app.get(SecretStore).lookups).toEqual(['acme']);
    } finally {
      await app.close();
    }
  });

  it("fails naming senders.inkit.resolver when the resolver's dependency cannot be reached", async () => {
    // SecretStore in the app module alone, not exported, and TenantSecrets provided nowhere.
    const error = await startupError(adapter, { senders: perTenant(), providers: [Recorder, SecretStore] });
    expect(error).toBeInstanceOf(WebhookConfigurationError);
    expect((error as WebhookConfigurationError).option).toBe('senders.inkit.resolver');
    expect(error.message).toContain('"senders.inkit.resolver"');
    expect(error.message).toContain('TenantSecrets');
  });

  it('fails naming senders.inkit.resolver for a resolver without resolve()', async () => {
    @Injectable()
    class NotAResolver {}
    const error = await startupError(adapter, {
      senders: [inkitSender.configurePerTenant(NotAResolver as never)],
      providers: [Recorder, NotAResolver],
    });
    expect(error).toBeInstanceOf(WebhookConfigurationError);
    expect((error as WebhookConfigurationError).option).toBe('senders.inkit.resolver');
  });
});
