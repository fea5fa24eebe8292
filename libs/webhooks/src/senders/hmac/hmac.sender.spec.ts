import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Injectable, type INestApplication, type LoggerService } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { IsNotEmpty, IsString } from 'class-validator';
import { spawnSync } from 'node:child_process';
import request from 'supertest';
import { validatePayload } from '../../dto/validate.js';
import { ACCEPTED, type HeaderBag } from '../../schemes/scheme.types.js';
import { WebhookConfigurationError } from '../../schemes/scheme.errors.js';
import { OnWebhook, OnWebhookOutcome } from '../../webhooks.decorator.js';
import type { WebhookDeliveryOutcome, WebhookEvent } from '../../webhooks.event.js';
import { WebhookPayloadException } from '../../webhooks.exception.js';
import { WebhooksModule } from '../../webhooks.module.js';
import { idempotencyKeyOf, type WebhookSender, type WebhookSenderCliInput } from '../../webhooks.sender.js';
import type { HmacCredentials, HmacSigning } from './hmac.scheme.js';
import { defineHmacWebhookSender, type HmacWebhookSenderSpec } from './hmac.sender.js';
import { ShopifyOrderDto, shopifySender } from './shopify.example.js';

class AcmeEventDto {
  @IsString()
  @IsNotEmpty()
  id!: string;

  @IsString()
  type!: string;
}

const acmeSpec = {
  id: 'acme-corp',
  title: 'Acme',
  signature: { header: 'X-Acme-Signature', algorithm: 'sha512', encoding: 'hex', prefix: 'v1=' },
  dto: AcmeEventDto,
  eventTypes: ['order.paid', 'order.created'],
  eventType: (payload) => payload.type,
  idempotencyKey: (payload) => [payload.id],
  sample: { payload: { id: 'evt_1', type: 'order.paid' } },
} satisfies HmacWebhookSenderSpec<'acme-corp', AcmeEventDto, 'order.paid' | 'order.created'>;

/** A shell pipeline run with the secret as `$1` and the body on stdin. */
function shell(pipeline: string, secret: string, body: string | Buffer): string {
  const run = spawnSync('sh', ['-c', pipeline, 'sh', secret], { input: body, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${pipeline} failed: ${run.stderr}`);
  return run.stdout.trim();
}

/** `openssl dgst -<alg> -hmac <secret> -binary`, the body on stdin: the raw digest. */
function opensslBinary(algorithm: string, secret: string, body: string): Buffer {
  const run = spawnSync('openssl', ['dgst', `-${algorithm}`, '-hmac', secret, '-binary'], { input: body });
  if (run.status !== 0) throw new Error(`openssl failed: ${run.stderr}`);
  return run.stdout;
}

/** A CLI input holding these credentials (what `nestjs-webhooks sign` hands the sender). */
const cliInput = (values: Record<string, string>): WebhookSenderCliInput => ({
  need: (flag) => {
    if (values[flag] === undefined) throw new Error(`--${flag} is required`);
    return values[flag];
  },
  from: (flag) => (values[flag] === undefined ? undefined : 'flag'),
  option: () => undefined,
  usage: (message) => new Error(message),
});

describe('defineHmacWebhookSender', () => {
  const acme = defineHmacWebhookSender(acmeSpec);

  it('is typed like any sender: its id, credentials, payload, event types and signing', () => {
    // Compile-time: tsc refuses this assignment if a type parameter is lost on the way.
    const typed: WebhookSender<
      'acme-corp',
      HmacCredentials,
      AcmeEventDto,
      'order.paid' | 'order.created',
      HmacSigning
    > = acme;
    expect(typed.id).toBe('acme-corp');
    expect(typed.eventTypes).toEqual(['order.paid', 'order.created']);
  });

  it('redacts the signature header, and hands on no field of its own', () => {
    expect(acme.credentialHeaders).toEqual(['x-acme-signature']);
    expect(acme).not.toHaveProperty('signature');
    expect(acme.title).toBe('Acme');
  });

  it('verifies what openssl signs with the configured options, and signs the same', () => {
    const body = '{"id":"evt_1","type":"order.paid","note":"café 🚀"}';
    const digest = opensslBinary('sha512', 'whsec-1', body).toString('hex');
    expect(digest).toMatch(/^[0-9a-f]{128}$/);
    const verify = acme.verifier({ secret: 'whsec-1' }, 'senders.acme-corp');
    expect(verify(Buffer.from(body), { 'x-acme-signature': `v1=${digest}` })).toEqual({ ok: true });
    expect(verify(Buffer.from(body), { 'x-acme-signature': digest })).toMatchObject({ reason: 'malformed' });
    expect(acme.sign(body, { secret: 'whsec-1' })).toEqual({ 'X-Acme-Signature': `v1=${digest}` });
  });

  it('names the sender option in credential errors, at configuration', () => {
    expect(() => acme.verifier({ secret: '' }, 'senders.acme-corp')).toThrow('"senders.acme-corp.secret"');
    expect(() => acme.verifier({ secret: [] }, 'senders.acme-corp')).toThrow(WebhookConfigurationError);
  });

  it('accepts a list of secrets while one is rotated out', () => {
    const verify = acme.verifier({ secret: ['old', 'new'] }, 'senders.acme-corp');
    for (const secret of ['old', 'new']) {
      expect(verify(Buffer.from('{}'), acme.sign('{}', { secret }) as never)).toEqual({ ok: true });
    }
  });

  it('gives the CLI a --secret read from <ID>_WEBHOOK_SECRET by default', () => {
    expect(acme.cli?.credentials).toEqual({
      secret: { env: 'ACME_CORP_WEBHOOK_SECRET', arg: '<secret>', help: expect.any(String) },
    });
    expect(acme.cli?.signing(cliInput({ secret: 's3cr3t' }))).toEqual({ secret: 's3cr3t' });
    expect(() => acme.cli?.signing(cliInput({}))).toThrow('--secret');
    expect(shopifySender.cli?.credentials.secret.env).toBe('SHOPIFY_WEBHOOK_SECRET');
  });

  it('keeps a CLI of its own when given one', () => {
    const cli = {
      credentials: { secret: { env: 'ACME_SIGNING_KEY', help: 'the signing key' } },
      signing: (input: WebhookSenderCliInput) => ({ secret: input.need('secret') }),
    };
    expect(defineHmacWebhookSender({ ...acmeSpec, cli }).cli).toBe(cli);
  });

  it('copies the signature options: changing them afterwards changes nothing', () => {
    const signature = { ...acmeSpec.signature };
    const sender = defineHmacWebhookSender({ ...acmeSpec, signature });
    signature.prefix = 'v2=';
    signature.header = 'X-Other';
    expect(sender.credentialHeaders).toEqual(['x-acme-signature']);
    expect(Object.keys(sender.sign('{}', { secret: 's' }))).toEqual(['X-Acme-Signature']);
    expect(sender.sign('{}', { secret: 's' })['X-Acme-Signature']).toMatch(/^v1=/);
  });

  it('keeps verifying under another id with as()', () => {
    const other = acme.as('acme-eu');
    const verify = other.verifier({ secret: 's' }, 'senders.acme-eu');
    expect(other.id).toBe('acme-eu');
    expect(
      verify(Buffer.from('{}'), { 'x-acme-signature': acme.sign('{}', { secret: 's' })['X-Acme-Signature'] }),
    ).toEqual({ ok: true });
  });

  const where = 'defineWebhookSender("acme-corp").signature';
  it.each([
    ['header', { header: 'X Acme' }],
    ['header', { header: 'X-Acme:Signature' }],
    ['header', { header: '' }],
    ['header', { header: undefined }],
    ['header', { header: 42 }],
    ['algorithm', { algorithm: 'md5' }],
    ['algorithm', { algorithm: 'SHA256' }],
    ['algorithm', { algorithm: 'sha384' }],
    ['algorithm', { algorithm: undefined }],
    ['encoding', { encoding: 'base64url' }],
    ['encoding', { encoding: 'HEX' }],
    ['encoding', { encoding: undefined }],
    ['prefix', { prefix: '' }],
    ['prefix', { prefix: ' v1=' }],
    ['prefix', { prefix: '\tv1=' }],
    ['prefix', { prefix: 'é=' }],
    ['prefix', { prefix: 'v1\n=' }],
    ['prefix', { prefix: 7 }],
  ])(
    'refuses a bad %s at definition, naming defineWebhookSender("<id>").signature.<field> (%j)',
    (field, change) => {
      const define = () =>
        defineHmacWebhookSender({ ...acmeSpec, signature: { ...acmeSpec.signature, ...change } } as never);
      expect(define).toThrow(WebhookConfigurationError);
      expect(define).toThrow(`invalid option "${where}.${field}"`);
    },
  );

  it.each([undefined, null, 'sha256'])('refuses a signature that is not an object (%j)', (signature) => {
    expect(() => defineHmacWebhookSender({ ...acmeSpec, signature } as never)).toThrow(
      `invalid option "${where}"`,
    );
  });

  it("leaves the rest of the definition to defineWebhookSender's checks", () => {
    expect(() => defineHmacWebhookSender({ ...acmeSpec, id: 'Acme' } as never)).toThrow(
      'invalid option "defineWebhookSender("Acme").id"',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The README's example: Shopify, https://shopify.dev/docs/apps/build/webhooks/subscribe/https

const SHOPIFY_SECRET = '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';
const WEBHOOK_ID = 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043';
/** Shopify's own command: `openssl dgst -sha256 -hmac <secret> -binary | base64`. */
const shopifyHmac = (body: string, secret = SHOPIFY_SECRET) =>
  shell('openssl dgst -sha256 -hmac "$1" -binary | base64', secret, body);

describe('the Shopify example', () => {
  const verify = shopifySender.verifier({ secret: SHOPIFY_SECRET }, 'senders.shopify');
  const body = `${JSON.stringify(shopifySender.sample.payload, null, 2)}\n`;
  const context = (headers: HeaderBag) => ({
    rawBody: Buffer.from(body),
    headers,
    verification: ACCEPTED,
  });
  const order = validatePayload(ShopifyOrderDto, JSON.parse(body));

  it('accepts a delivery signed as Shopify documents, and refuses it under another secret', () => {
    const signature = shopifyHmac(body);
    expect(signature).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(verify(Buffer.from(body), { 'x-shopify-hmac-sha256': signature })).toEqual({ ok: true });
    expect(
      verify(Buffer.from(body), { 'x-shopify-hmac-sha256': shopifyHmac(body, 'shpss_other') }),
    ).toMatchObject({
      reason: 'mismatch',
    });
    expect(shopifySender.sign(body, { secret: SHOPIFY_SECRET })).toEqual({
      'X-Shopify-Hmac-Sha256': signature,
    });
    expect(shopifySender.credentialHeaders).toEqual(['x-shopify-hmac-sha256']);
  });

  it('has a sample that passes its DTO, keeping the fields it does not declare', () => {
    if (!order.ok) throw new Error(order.errors.join('; '));
    expect(order.value).toBeInstanceOf(ShopifyOrderDto);
    expect(order.value).toEqual(expect.objectContaining({ id: 450789469, name: '#1001' }));
    expect(validatePayload(ShopifyOrderDto, { id: '450789469' })).toMatchObject({ ok: false });
  });

  it('names the event after X-Shopify-Topic and keys it by X-Shopify-Webhook-Id', () => {
    if (!order.ok) throw new Error(order.errors.join('; '));
    const headers = { 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': WEBHOOK_ID };
    expect(
      shopifySender.eventType === 'route' ? 'route' : shopifySender.eventType(order.value, context(headers)),
    ).toBe('orders.create');
    expect(idempotencyKeyOf('shopify', shopifySender.idempotencyKey(order.value, context(headers)))).toBe(
      `shopify:${WEBHOOK_ID}`,
    );
  });

  it.each([
    ['X-Shopify-Topic', 'eventType', { 'x-shopify-webhook-id': WEBHOOK_ID }],
    ['X-Shopify-Topic', 'eventType', { 'x-shopify-topic': ['orders/create', 'orders/paid'] }],
    ['X-Shopify-Webhook-Id', 'idempotencyKey', { 'x-shopify-topic': 'orders/create' }],
    ['X-Shopify-Webhook-Id', 'idempotencyKey', { 'x-shopify-webhook-id': '  ' }],
  ] as const)('answers 400 when %s is missing or repeated (%s)', (header, field, headers) => {
    if (!order.ok || shopifySender.eventType === 'route') throw new Error('unreachable');
    const call =
      field === 'eventType'
        ? () => (shopifySender.eventType as (...args: unknown[]) => string)(order.value, context(headers))
        : () => shopifySender.idempotencyKey(order.value, context(headers));
    let thrown: unknown;
    try {
      call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WebhookPayloadException);
    expect((thrown as WebhookPayloadException).getStatus()).toBe(400);
    expect(
      (thrown as Error).message + JSON.stringify((thrown as WebhookPayloadException).getResponse()),
    ).toContain(header);
  });
});

const quiet = () => undefined;
const SILENT: LoggerService = { log: quiet, error: quiet, warn: quiet, debug: quiet, verbose: quiet };

@Injectable()
class Recorder {
  readonly events: WebhookEvent[] = [];
  readonly outcomes: WebhookDeliveryOutcome[] = [];

  @OnWebhook('**')
  handle(event: WebhookEvent): void {
    this.events.push(event);
  }

  @OnWebhookOutcome('accepted')
  @OnWebhookOutcome('duplicate')
  @OnWebhookOutcome('rejected')
  @OnWebhookOutcome('failed')
  outcome(outcome: WebhookDeliveryOutcome): void {
    this.outcomes.push(outcome);
  }
}

describe('the Shopify example, served by the module', () => {
  let app: INestApplication;
  let recorder: Recorder;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot({ wildcard: true }),
        WebhooksModule.forRoot({
          senders: [shopifySender.configure({ secret: ['shpss_old', SHOPIFY_SECRET] })],
        }),
      ],
      providers: [Recorder],
    })
      .setLogger(SILENT)
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    recorder = app.get(Recorder);
  });
  afterAll(() => app?.close());
  beforeEach(() => {
    recorder.events.length = recorder.outcomes.length = 0;
  });

  // Spaced as no serializer would: only the exact bytes verify.
  const body = `${JSON.stringify({ ...shopifySender.sample.payload, note: 'café 🚀' }, null, 3)}\n`;
  const post = (headers: Record<string, string>) =>
    request(app.getHttpServer())
      .post('/webhooks/shopify')
      .set('Content-Type', 'application/json')
      .set(headers)
      .send(body);
  const signed = (extra: Record<string, string>, secret = SHOPIFY_SECRET) => ({
    'X-Shopify-Hmac-Sha256': shopifyHmac(body, secret),
    ...extra,
  });

  it('runs the handler of shopify.orders.create once per webhook id', async () => {
    const headers = signed({ ...shopifySender.sample.headers });
    const first = await post(headers);
    const again = await post(headers);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(recorder.events).toHaveLength(1);
    const [event] = recorder.events;
    expect([event.name, event.type, event.idempotencyKey]).toEqual([
      'shopify.orders.create',
      'orders.create',
      `shopify:${WEBHOOK_ID}`,
    ]);
    expect(event.payload).toBeInstanceOf(ShopifyOrderDto);
    expect(event.payload).toEqual(expect.objectContaining({ id: 450789469, note: 'café 🚀' }));
    expect(event.headers['x-shopify-hmac-sha256']).toBe('[redacted]');
    expect(recorder.outcomes.map((outcome) => outcome.outcome)).toEqual(['accepted', 'duplicate']);
  });

  it("accepts the previous secret's signature while it is rotated out", async () => {
    const reply = await post(
      signed({ 'X-Shopify-Topic': 'orders/paid', 'X-Shopify-Webhook-Id': 'w-2' }, 'shpss_old'),
    );
    expect(reply.status).toBe(200);
    expect(recorder.events.map((event) => event.name)).toEqual(['shopify.orders.paid']);
  });

  it.each([
    ['no topic', { 'X-Shopify-Webhook-Id': 'w-3' }, 'X-Shopify-Topic header is missing'],
    [
      'a topic that makes no event name',
      { 'X-Shopify-Topic': 'orders create', 'X-Shopify-Webhook-Id': 'w-4' },
      'event type must be',
    ],
    [
      'an empty topic level',
      { 'X-Shopify-Topic': 'orders//create', 'X-Shopify-Webhook-Id': 'w-5' },
      'event type must be',
    ],
    ['no webhook id', { 'X-Shopify-Topic': 'orders/create' }, 'X-Shopify-Webhook-Id header is missing'],
  ])('answers 400 to a genuine delivery with %s, running no handler', async (_what, extra, message) => {
    const reply = await post(signed(extra));
    expect([reply.status, reply.body.reason]).toEqual([400, 'invalid-payload']);
    expect(reply.body.message).toContain(message);
    expect(recorder.events).toEqual([]);
  });

  it('answers 401 to a forged or a hex signature', async () => {
    const forged = await post(signed({ ...shopifySender.sample.headers }, 'shpss_guess'));
    expect([forged.status, forged.body.reason]).toEqual([401, 'mismatch']);
    const hex = Buffer.from(shopifyHmac(body), 'base64').toString('hex');
    const malformed = await post({ ...shopifySender.sample.headers, 'X-Shopify-Hmac-Sha256': hex });
    expect([malformed.status, malformed.body.reason]).toEqual([401, 'malformed']);
    expect(recorder.events).toEqual([]);
  });
});
