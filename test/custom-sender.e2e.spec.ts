import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  Body,
  Controller,
  HttpCode,
  type INestApplication,
  Injectable,
  type LoggerService,
  Post,
  Req,
  UseGuards,
  type Type,
} from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { IsNotEmpty, IsObject, IsOptional, IsString } from 'class-validator';
import { independentHmac } from './support/independent-hmac.js';
import { createHmac } from 'node:crypto';
import {
  ACCEPTED,
  InkitWebhookDto,
  IsBoundedIdentifier,
  OnWebhook,
  OnWebhookOutcome,
  WebhookConfigurationError,
  WebhookGuard,
  WebhooksModule,
  WebhooksService,
  bytesEqual,
  credentialList,
  decodeHex,
  defineWebhookSender,
  inkitSender,
  rejected,
  requiredHeader,
  type ConfiguredWebhookSender,
  type WebhookDeliveryOutcome,
  type WebhookEvent,
  type WebhookEventPattern,
} from 'nestjs-webhooks';
import request from 'supertest';

// ---------------------------------------------------------------------------------------------
// A sender of one's own, from the package's public exports only (the README's example).
// Acme signs hex(HMAC-SHA512(secret, raw body)) in `X-Sig`, and names the event in `type`.

/** The body Acme posts. Fields it adds later are kept. */
export class AcmeEventDto {
  @IsString()
  @IsNotEmpty()
  @IsBoundedIdentifier() // at most 256 characters: it becomes the idempotency key
  id!: string;

  @IsString()
  @IsNotEmpty()
  type!: string;

  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;
}

const hmacSha512 = (secret: string, body: string | Uint8Array) =>
  createHmac('sha512', secret).update(body).digest();

export const acmeSender = defineWebhookSender({
  id: 'acme', // POST /webhooks/acme, @OnWebhook('acme.ORDER_PAID'), keys 'acme:<id>'
  title: 'Acme',
  credentialHeaders: ['X-Sig'], // redacted everywhere; requests carrying it have their bytes kept
  verifier: (credentials: { secret: string | string[] }, optionPath) => {
    // Once, at startup: a missing or empty secret stops the app, naming `senders.acme.secret`.
    const secrets = credentialList(`${optionPath}.secret`, credentials?.secret);
    const read = requiredHeader('X-Sig'); // absent, repeated or huge: a rejection, never a throw
    return (body, headers) => {
      const value = read(headers);
      if (typeof value !== 'string') return value;
      const signature = decodeHex(value, 64);
      if (signature === undefined) return rejected('malformed', 'X-Sig must be 128 hex digits');
      // Every secret is tried (one is being rotated out), in constant time.
      let match = false;
      for (const secret of secrets) match = bytesEqual(hmacSha512(secret, body), signature) || match;
      return match ? ACCEPTED : rejected('mismatch', 'X-Sig does not match');
    };
  },
  sign: (body, { secret }: { secret: string }) => ({ 'X-Sig': hmacSha512(secret, body).toString('hex') }),
  dto: AcmeEventDto,
  eventTypes: ['ORDER_CREATED', 'ORDER_PAID'], // the documented ones: handler names are checked
  eventType: (payload) => payload.type,
  idempotencyKey: (payload) => [payload.id],
  sample: { payload: { id: 'evt_1', type: 'ORDER_PAID', data: { order: 'o_1' } } },
});

declare module 'nestjs-webhooks' {
  interface WebhookSenderRegistry {
    acme: typeof acmeSender;
  }
}

// ---------------------------------------------------------------------------------------------
// Signatures from test/support/independent-hmac.ts: openssl, else Python's hmac.

// ---------------------------------------------------------------------------------------------
// The two senders side by side: every assertion below runs for both, on both adapters.

const ACME_SECRET = 'acme-whsec-5f1e0c';
const ACME_PREVIOUS = 'acme-whsec-old-77';
const INKIT_SECRET = 'inkit-secret-2b9d';
const INKIT_PREVIOUS = 'inkit-secret-old-31';

interface Vendor {
  id: 'acme' | 'inkit';
  /** Its signature header, as the vendor spells it. */
  header: string;
  algorithm: 'sha256' | 'sha512';
  secrets: [current: string, previous: string];
  dto: Type<object>;
  /** A delivery `n`, its event name, and the key it is de-duplicated under. */
  body(n: number): Record<string, unknown>;
  event: string;
  key(n: number): string;
  /** A delivery of a type the vendor does not document (yet), and its event name. */
  unlisted: { body(n: number): Record<string, unknown>; event: string };
  /** A signed body the DTO refuses, and the field the 400 names. */
  invalid: { body: object; field: string };
  configure(secret: string | string[]): ConfiguredWebhookSender;
}

const VENDORS: Vendor[] = [
  {
    id: 'acme',
    header: 'X-Sig',
    algorithm: 'sha512',
    secrets: [ACME_SECRET, ACME_PREVIOUS],
    dto: AcmeEventDto,
    body: (n) => ({ id: `evt_${n}`, type: 'ORDER_PAID', data: { order: `o_${n}`, note: 'café 🚀' } }),
    event: 'acme.ORDER_PAID',
    key: (n) => `acme:evt_${n}`,
    unlisted: { body: (n) => ({ id: `evt_${n}`, type: 'ORDER_REFUNDED' }), event: 'acme.ORDER_REFUNDED' },
    invalid: { body: { type: 'ORDER_PAID', data: { order: 'o_1' } }, field: 'id' },
    configure: (secret) => acmeSender.configure({ secret }),
  },
  {
    id: 'inkit',
    header: 'Inkit-Signature',
    algorithm: 'sha256',
    secrets: [INKIT_SECRET, INKIT_PREVIOUS],
    dto: InkitWebhookDto,
    body: (n) => ({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: `doc_${n}`, note: 'café 🚀' }),
    event: 'inkit.DOCUMENT_CREATE_FINISHED',
    key: (n) => `inkit:DOCUMENT_CREATE_FINISHED:doc_${n}`,
    unlisted: {
      body: (n) => ({ event_type: 'TEMPLATE_ARCHIVED', resource_id: `doc_${n}` }),
      event: 'inkit.TEMPLATE_ARCHIVED',
    },
    invalid: { body: { event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: 42 }, field: 'resource_id' },
    configure: (secret) => inkitSender.configure({ secret }),
  },
];

const ADAPTERS = ['express', 'fastify'] as const;
type Adapter = (typeof ADAPTERS)[number];

/** Records what handlers and outcome listeners saw. */
@Injectable()
class Recorder {
  readonly events: WebhookEvent[] = [];
  /** What the senders' wildcards saw: every type, documented or not. */
  readonly wildcard: WebhookEvent[] = [];
  readonly outcomes: WebhookDeliveryOutcome[] = [];

  @OnWebhook('acme.ORDER_PAID')
  @OnWebhook('acme.ORDER_CREATED')
  onAcme(event: WebhookEvent<AcmeEventDto>): void {
    this.events.push(event);
  }

  @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
  onInkit(event: WebhookEvent<InkitWebhookDto>): void {
    this.events.push(event);
  }

  @OnWebhook('acme.*')
  @OnWebhook('inkit.*')
  onAny(event: WebhookEvent<AcmeEventDto | InkitWebhookDto>): void {
    this.wildcard.push(event);
  }

  @OnWebhookOutcome('accepted')
  @OnWebhookOutcome('duplicate')
  @OnWebhookOutcome('rejected')
  @OnWebhookOutcome('failed')
  onOutcome(outcome: WebhookDeliveryOutcome): void {
    this.outcomes.push(outcome);
  }

  clear(): void {
    this.events.length = this.wildcard.length = this.outcomes.length = 0;
  }
}

/** The user's own routes, each behind its sender's guard, running the module's pipeline. */
@Controller('integrations')
class IntegrationsController {
  readonly received: { sender: string; body: unknown; rawBody: Buffer | undefined }[] = [];

  constructor(private readonly webhooks: WebhooksService) {}

  @Post('acme')
  @HttpCode(200)
  @UseGuards(WebhookGuard.for(acmeSender))
  acme(@Req() request: object, @Body() body: unknown): Promise<string> {
    return this.handle('acme', request, body);
  }

  @Post('inkit')
  @HttpCode(200)
  @UseGuards(WebhookGuard.for(inkitSender))
  inkit(@Req() request: object, @Body() body: unknown): Promise<string> {
    return this.handle('inkit', request, body);
  }

  private async handle(sender: string, request: object, body: unknown): Promise<string> {
    const delivery = this.webhooks.deliveryOf(request);
    this.received.push({ sender, body, rawBody: delivery?.rawBody });
    await this.webhooks.process(delivery);
    return 'OK';
  }
}

/** Every line logged, as text. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private keep(level: string, message: unknown, rest: unknown[]) {
    const parts = [level, message, ...rest].map((part) =>
      typeof part === 'string' ? part : part instanceof Error ? `${part.stack}` : JSON.stringify(part),
    );
    this.lines.push(parts.join(' '));
  }
  log = (message: unknown, ...rest: unknown[]) => this.keep('log', message, rest);
  error = (message: unknown, ...rest: unknown[]) => this.keep('error', message, rest);
  warn = (message: unknown, ...rest: unknown[]) => this.keep('warn', message, rest);
  debug = (message: unknown, ...rest: unknown[]) => this.keep('debug', message, rest);
  verbose = (message: unknown, ...rest: unknown[]) => this.keep('verbose', message, rest);
}

interface StartOptions {
  senders: ConfiguredWebhookSender[];
  providers?: Type<object>[];
  controllers?: Type<object>[];
  logger?: LoggerService;
}

/** Compiles, creates and initializes an app, as `NestFactory.create` and `app.init()` would. */
async function start(adapter: Adapter, options: StartOptions): Promise<INestApplication> {
  const logger = options.logger ?? new CapturingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [
      EventEmitterModule.forRoot({ wildcard: true }),
      WebhooksModule.forRoot({ senders: options.senders }),
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
    await app.init();
    if (adapter === 'fastify') await app.getHttpAdapter().getInstance().ready();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

/** What start() failed with (compile or init), or a failure of the test when it did not. */
async function startupError(adapter: Adapter, options: StartOptions): Promise<Error> {
  let app: INestApplication | undefined;
  try {
    app = await start(adapter, options);
  } catch (error) {
    return error as Error;
  }
  await app.close();
  throw new Error('the app started');
}

const bothSenders = () => VENDORS.map((vendor) => vendor.configure([...vendor.secrets]));

it('signs as OpenSSL (or Python) does: the definition matches an independent HMAC-SHA512', () => {
  for (const body of ['', '{"a":1}', JSON.stringify(acmeSender.sample.payload), '{"n":"café 🚀"}']) {
    expect(acmeSender.sign(body, { secret: ACME_SECRET })).toEqual({
      'X-Sig': independentHmac('sha512', ACME_SECRET, body),
    });
    expect(acmeSender.sign(Buffer.from(body), { secret: ACME_SECRET })['X-Sig']).toBe(
      independentHmac('sha512', ACME_SECRET, Buffer.from(body)),
    );
  }
  expect(acmeSender.credentialHeaders).toEqual(['x-sig']);
});

describe.each(ADAPTERS)('on %s', (adapter) => {
  const logger = new CapturingLogger();
  let app: INestApplication;
  let recorder: Recorder;
  let controller: IntegrationsController;
  /** Every signature sent, to look for in what was logged and handed out. */
  const signatures = new Set<string>();

  beforeAll(async () => {
    app = await start(adapter, {
      senders: bothSenders(),
      providers: [Recorder],
      controllers: [IntegrationsController],
      logger,
    });
    recorder = app.get(Recorder);
    controller = app.get(IntegrationsController);
  });
  afterAll(() => app?.close());
  beforeEach(() => {
    recorder.clear();
    controller.received.length = 0;
  });

  describe.each(VENDORS)('$id, beside the other', (vendor) => {
    const path = `/webhooks/${vendor.id}`;
    const headerName = vendor.header.toLowerCase();
    const sign = (body: string, secret = vendor.secrets[0]) => {
      const signature = independentHmac(vendor.algorithm, secret, body);
      signatures.add(signature);
      return { [vendor.header]: signature };
    };
    // A string, sent as its UTF-8 bytes: superagent would serialize a Buffer labelled JSON.
    const post = (route: string, body: string, headers: Record<string, string>) =>
      request(app.getHttpServer())
        .post(route)
        .set('Content-Type', 'application/json')
        .set(headers)
        .send(body);
    /** A body formatted as no serializer would, so that only the exact bytes verify. */
    const bytesOf = (n: number) => `${JSON.stringify(vendor.body(n), null, 3)}\n`;

    it('answers 200 OK and runs the handler with the validated DTO, its name and the raw bytes', async () => {
      const body = bytesOf(1);
      const reply = await post(path, body, sign(body));
      expect([reply.status, reply.text]).toEqual([200, 'OK']);
      expect(recorder.events).toHaveLength(1);
      const [event] = recorder.events;
      expect(event.payload).toBeInstanceOf(vendor.dto);
      expect(event.payload).toEqual(expect.objectContaining(vendor.body(1)));
      expect(event.sender).toBe(vendor.id);
      expect(event.name).toBe(vendor.event);
      expect(event.type).toBe(vendor.event.split('.')[1]);
      expect(event.idempotencyKey).toBe(vendor.key(1));
      expect(Buffer.isBuffer(event.rawBody) && event.rawBody.equals(Buffer.from(body))).toBe(true);
      expect(recorder.wildcard).toEqual([event]);
      expect(recorder.outcomes).toEqual([
        expect.objectContaining({
          sender: vendor.id,
          outcome: 'accepted',
          status: 200,
          event: vendor.event,
          idempotencyKey: vendor.key(1),
        }),
      ]);
      expect(recorder.outcomes[0].rawBody?.equals(Buffer.from(body))).toBe(true);
    });

    it('redacts the signature header in event.headers, and keeps the others', async () => {
      const body = bytesOf(2);
      const headers = sign(body);
      expect((await post(path, body, headers)).status).toBe(200);
      const [event] = recorder.events;
      expect(event.headers[headerName]).toBe('[redacted]');
      expect(event.headers['content-type']).toBe('application/json');
      expect(JSON.stringify(event)).not.toContain(headers[vendor.header]);
      expect(JSON.stringify(recorder.outcomes)).not.toContain(headers[vendor.header]);
    });

    it('accepts the previous secret while it is rotated out', async () => {
      const body = bytesOf(3);
      expect((await post(path, body, sign(body, vendor.secrets[1]))).status).toBe(200);
      expect(recorder.events).toHaveLength(1);
    });

    it('delivers a type the vendor does not document to its wildcard handler', async () => {
      const body = JSON.stringify(vendor.unlisted.body(4));
      expect((await post(path, body, sign(body))).status).toBe(200);
      expect(recorder.events).toHaveLength(0);
      expect(recorder.wildcard.map((event) => event.name)).toEqual([vendor.unlisted.event]);
    });

    it.each([
      ['another secret', 'mismatch'],
      ['a tampered body', 'mismatch'],
      ['no signature', 'missing'],
      ['a signature that is not hex', 'malformed'],
      ['the signature twice', 'malformed'],
    ] as const)('answers 401 for %s, runs no handler, and reports it', async (what, reason) => {
      const body = JSON.stringify(vendor.body(5));
      const good = sign(body)[vendor.header];
      let req = request(app.getHttpServer()).post(path).set('Content-Type', 'application/json');
      let sent = body;
      if (what === 'another secret') req = req.set(sign(body, 'not-the-secret'));
      if (what === 'a tampered body') {
        sent = body.replace('5', '6');
        req = req.set(vendor.header, good);
      }
      if (what === 'a signature that is not hex') req = req.set(vendor.header, `${good.slice(0, -1)}g`);
      if (what === 'the signature twice') req = req.set({ [vendor.header]: [good, good] });
      const reply = await req.send(sent);
      expect(reply.status).toBe(401);
      expect(reply.body).toMatchObject({ statusCode: 401, reason });
      expect(reply.text).not.toContain(good);
      expect(recorder.events).toHaveLength(0);
      expect(recorder.wildcard).toHaveLength(0);
      expect(recorder.outcomes).toEqual([
        expect.objectContaining({ sender: vendor.id, outcome: 'rejected', status: 401, reason }),
      ]);
      expect(recorder.outcomes[0].rawBody).toBeUndefined();
    });

    it('answers 400 naming the field when a signed body fails the DTO', async () => {
      const body = JSON.stringify(vendor.invalid.body);
      const reply = await post(path, body, sign(body));
      expect(reply.status).toBe(400);
      expect(reply.body.reason).toBe('invalid-payload');
      expect(reply.body.message).toContainEqual(
        expect.stringMatching(new RegExp(`^${vendor.invalid.field} `)),
      );
      expect(recorder.events).toHaveLength(0);
      expect(recorder.outcomes).toEqual([
        expect.objectContaining({
          sender: vendor.id,
          outcome: 'rejected',
          status: 400,
          reason: 'invalid-payload',
        }),
      ]);
    });

    it('runs the handler once for the same delivery sent twice, answering 200 both times', async () => {
      const body = bytesOf(6);
      const headers = sign(body);
      const first = await post(path, body, headers);
      const again = await post(path, body, headers);
      expect([first.status, first.text, again.status, again.text]).toEqual([200, 'OK', 200, 'OK']);
      expect(recorder.events).toHaveLength(1);
      expect(recorder.outcomes.map((outcome) => [outcome.outcome, outcome.idempotencyKey])).toEqual([
        ['accepted', vendor.key(6)],
        ['duplicate', vendor.key(6)],
      ]);
    });

    it("verifies a route of the user's own behind WebhookGuard.for(sender), and runs the pipeline", async () => {
      const own = `/integrations/${vendor.id}`;
      const body = bytesOf(7);
      const reply = await post(own, body, sign(body));
      expect([reply.status, reply.text]).toEqual([200, 'OK']);
      expect(controller.received).toHaveLength(1);
      expect(controller.received[0].sender).toBe(vendor.id);
      expect(controller.received[0].body).toEqual(vendor.body(7));
      expect(controller.received[0].rawBody?.equals(Buffer.from(body))).toBe(true);
      expect(recorder.events.map((event) => [event.sender, event.name])).toEqual([[vendor.id, vendor.event]]);
      expect(recorder.events[0].headers[headerName]).toBe('[redacted]');

      // The module's route and the user's share one store: the same delivery is a duplicate there.
      expect((await post(path, body, sign(body))).status).toBe(200);
      expect(recorder.events).toHaveLength(1);

      const forged = await post(own, body, sign(body, 'not-the-secret'));
      expect(forged.status).toBe(401);
      expect(forged.body.reason).toBe('mismatch');
      expect(controller.received).toHaveLength(1);
      expect(recorder.events).toHaveLength(1);
      expect(recorder.outcomes.map((outcome) => outcome.outcome)).toEqual([
        'accepted',
        'duplicate',
        'rejected',
      ]);
    });

    it("is not served on the other sender's route", async () => {
      const other = VENDORS.find((candidate) => candidate !== vendor)!;
      const body = JSON.stringify(vendor.body(8));
      const reply = await post(`/webhooks/${other.id}`, body, sign(body));
      expect(reply.status).toBe(401);
      expect(reply.body.reason).toBe('missing');
      expect(recorder.events).toHaveLength(0);
    });
  });

  it('logged the deliveries, and no signature or secret in any line', () => {
    const logged = logger.lines.join('\n');
    for (const vendor of VENDORS) {
      expect(logged).toMatch(
        new RegExp(`Accepted ${vendor.id} ${vendor.event.replace('.', '\\.')} delivery`),
      );
      expect(logged).toMatch(new RegExp(`Duplicate ${vendor.id} `));
      expect(logged).toMatch(new RegExp(`Rejected ${vendor.id} .*mismatch`));
      for (const secret of vendor.secrets) expect(logged).not.toContain(secret);
    }
    expect(signatures.size).toBeGreaterThan(20);
    const lower = logged.toLowerCase();
    for (const signature of signatures) {
      expect(lower).not.toContain(signature);
      expect(lower).not.toContain(signature.slice(0, 32));
    }
  });
});

describe.each(ADAPTERS)('startup on %s', (adapter) => {
  describe.each(VENDORS)('$id', (vendor) => {
    const others = () => VENDORS.filter((other) => other !== vendor).map((other) => other.configure('s'));

    it.each([
      ['an empty secret', '', 'secret'],
      ['an empty list', [], 'secret'],
      ['an empty secret in a list', ['fine', ''], 'secret[1]'],
    ] as const)('fails with %s, naming the option', async (_what, secret, field) => {
      const error = await startupError(adapter, { senders: [...others(), vendor.configure([...secret])] });
      expect(error).toBeInstanceOf(WebhookConfigurationError);
      expect((error as WebhookConfigurationError).option).toBe(`senders.${vendor.id}.${field}`);
      expect(error.message).toContain(`"senders.${vendor.id}.${field}"`);
    });

    it('fails when a handler names a sender that does not exist', async () => {
      const misspelt = `${vendor.id}x.*`;
      const error = await startupError(adapter, {
        senders: bothSenders(),
        providers: [handlerOf(misspelt)],
      });
      expect(error.message).toContain(`@OnWebhook('${misspelt}')`);
      expect(error.message).toContain(`unknown sender "${vendor.id}x"`);
    });

    it('fails when a guard names a sender that is not configured', async () => {
      const error = await startupError(adapter, {
        senders: others(),
        controllers: [IntegrationsController],
      });
      expect(error).toBeInstanceOf(WebhookConfigurationError);
      expect(error.message).toContain(`"senders.${vendor.id}"`);
      expect(error.message).toContain('is not configured');
    });
  });

  it("fails on @OnWebhook('acme.*') where acme is not configured, which only built-ins may be", async () => {
    const inkitOnly = [VENDORS[1].configure('s')];
    const error = await startupError(adapter, { senders: inkitOnly, providers: [handlerOf('acme.*')] });
    expect(error.message).toContain(`unknown sender "acme"`);
    // A built-in is known whether configured or not: its handler merely never fires.
    const app = await start(adapter, {
      senders: [acmeSender.configure({ secret: 's' })],
      providers: [handlerOf('inkit.*')],
    });
    await app.close();
  });
});

/** A provider whose handler's name is checked only at startup (its type is widened on purpose). */
function handlerOf(name: string): Type<object> {
  @Injectable()
  class Handler {
    @OnWebhook(name as WebhookEventPattern)
    handle(_event: WebhookEvent): void {}
  }
  Object.defineProperty(Handler, 'name', { value: `Handler(${name})` });
  return Handler;
}
