import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type INestApplication, Injectable } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import {
  GithubWebhookDto,
  OnWebhook,
  OnWebhookOutcome,
  StandardWebhookDto,
  StripeEventDto,
  WebhooksModule,
  githubSender,
  standardSender,
  stripeSender,
  type ConfiguredWebhookSender,
  type WebhookDeliveryOutcome,
  type WebhookEvent,
} from 'nestjs-webhooks';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import request from 'supertest';
import { ADAPTERS, startApp, type Adapter } from './support/app.js';

// What is particular to GitHub, Stripe and Standard Webhooks (how their events are named, what
// their retries look like, their timestamps and their second accounts), with every delivery signed
// by the vendor's own library, never by ours. The 200/duplicate/401/400 basics are the generic suite's.

// A second Stripe endpoint (Connect) beside the account's own: its own route, event prefix and keys.
const stripeConnect = stripeSender.as('stripe-connect', 'Stripe (Connect)');

declare module 'nestjs-webhooks' {
  interface WebhookSenderRegistry {
    'stripe-connect': typeof stripeConnect;
  }
}

/** The current secret first, then the one being rotated out. */
const GITHUB_SECRETS = ['github-secret-current-4c1a', 'github-secret-previous-93de'] as const;
const STRIPE_SECRET = 'whsec_platform2f8e61d0c4b7a9355e1c';
const STRIPE_CONNECT_SECRET = 'whsec_connect7b3d09e2f1a46c58d9e0';
/** The secret Stripe still signs with while it is rolled, which this endpoint no longer has. */
const STRIPE_ROLLED_SECRET = 'whsec_rolled0c9d8e7f6a5b4c3d2e1f0a';
const STANDARD_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

// Stripe's library signs offline: the API key is never used.
const stripe = new Stripe('sk_test_x');
const nowSeconds = () => Math.floor(Date.now() / 1000);

const CODERTOCAT = { login: 'Codertocat', id: 21031067, node_id: 'MDQ6VXNlcjIxMDMxMDY3', type: 'User' };
const REPOSITORY = { id: 186853002, name: 'Hello-World', full_name: 'Codertocat/Hello-World' };

/** A delivery as the vendor posts it: the exact bytes, and the headers that go with them. */
interface Delivery {
  body: string;
  headers: Record<string, string>;
}

/** GitHub: `X-Hub-Signature-256` by @octokit/webhooks-methods, one GUID per delivery unless given. */
async function githubDelivery(
  event: string,
  payload: object,
  { secret = GITHUB_SECRETS[0], delivery = randomUUID() }: { secret?: string; delivery?: string } = {},
): Promise<Delivery> {
  const body = JSON.stringify(payload, null, 2);
  return {
    body,
    headers: {
      'User-Agent': 'GitHub-Hookshot/044aadd',
      'X-GitHub-Event': event,
      'X-GitHub-Delivery': delivery,
      'X-GitHub-Hook-ID': '292430182',
      'X-Hub-Signature-256': await octokitSign(secret, body),
    },
  };
}

const issues = (action: string, number: number) => ({
  action,
  issue: { id: 444500041 + number, number, title: 'Spelling error in the README file', user: CODERTOCAT },
  repository: REPOSITORY,
  sender: CODERTOCAT,
});

/** A Stripe Event object, pretty-printed as Stripe posts it. */
function stripeEvent(type: string, id = `evt_${randomBytes(12).toString('hex')}`): string {
  return JSON.stringify(
    {
      id,
      object: 'event',
      api_version: '2024-06-20',
      created: 1680800510,
      data: {
        object: {
          id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
          object: 'payment_intent',
          amount: 2000,
          status: 'succeeded',
        },
      },
      livemode: false,
      pending_webhooks: 1,
      request: { id: 'req_6xw3YexEO5Lvbq', idempotency_key: null },
      type,
    },
    null,
    2,
  );
}

/** `Stripe-Signature` as stripe's own library writes it. */
const stripeSignature = (payload: string, secret: string, timestamp = nowSeconds()) =>
  stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

const standardBody = (type: string) =>
  JSON.stringify({
    type,
    timestamp: '2022-11-03T20:26:10.344522Z',
    data: { id: '1f81eb52-5198-4599-803e-771906343485', type: 'contact' },
  });

/** The three Standard Webhooks headers, signed by the specification's own library. */
function standardHeaders(id: string, body: string, at: Date, secret = STANDARD_SECRET) {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

/** Which handler heard what, and every outcome reported. */
@Injectable()
class Recorder {
  readonly heard: { handler: string; event: WebhookEvent }[] = [];
  readonly outcomes: WebhookDeliveryOutcome[] = [];

  /** The handlers that ran, sorted: the emitter's order is not the point. */
  handlers(): string[] {
    return this.heard.map(({ handler }) => handler).sort();
  }

  clear(): void {
    this.heard.length = this.outcomes.length = 0;
  }

  private saw(handler: string, event: WebhookEvent): void {
    this.heard.push({ handler, event });
  }

  // No handler of `github.ping`, nor of `github.**`: a ping must be answered all the same.
  @OnWebhook('github.issues.opened')
  issuesOpened(event: WebhookEvent<GithubWebhookDto>): void {
    this.saw('github.issues.opened', event);
  }

  @OnWebhook('github.issues.closed')
  issuesClosed(event: WebhookEvent<GithubWebhookDto>): void {
    this.saw('github.issues.closed', event);
  }

  @OnWebhook('github.issues.*')
  issuesAction(event: WebhookEvent<GithubWebhookDto>): void {
    this.saw('github.issues.*', event);
  }

  @OnWebhook('github.issues.**')
  issuesAny(event: WebhookEvent<GithubWebhookDto>): void {
    this.saw('github.issues.**', event);
  }

  @OnWebhook('github.push')
  push(event: WebhookEvent<GithubWebhookDto>): void {
    this.saw('github.push', event);
  }

  @OnWebhook('github.push.**')
  pushAny(event: WebhookEvent<GithubWebhookDto>): void {
    this.saw('github.push.**', event);
  }

  @OnWebhook('stripe.payment_intent.succeeded')
  paymentSucceeded(event: WebhookEvent<StripeEventDto>): void {
    this.saw('stripe.payment_intent.succeeded', event);
  }

  @OnWebhook('stripe.payment_intent.*')
  paymentIntent(event: WebhookEvent<StripeEventDto>): void {
    this.saw('stripe.payment_intent.*', event);
  }

  @OnWebhook('stripe.**')
  stripeAny(event: WebhookEvent<StripeEventDto>): void {
    this.saw('stripe.**', event);
  }

  @OnWebhook('stripe-connect.**')
  connectAny(event: WebhookEvent<StripeEventDto>): void {
    this.saw('stripe-connect.**', event);
  }

  @OnWebhook('standard.contact.created')
  contactCreated(event: WebhookEvent<StandardWebhookDto>): void {
    this.saw('standard.contact.created', event);
  }

  @OnWebhook('standard.contact.*')
  contactAny(event: WebhookEvent<StandardWebhookDto>): void {
    this.saw('standard.contact.*', event);
  }

  @OnWebhookOutcome('accepted')
  @OnWebhookOutcome('duplicate')
  @OnWebhookOutcome('rejected')
  @OnWebhookOutcome('failed')
  outcome(outcome: WebhookDeliveryOutcome): void {
    this.outcomes.push(outcome);
  }
}

async function start(adapter: Adapter, senders: ConfiguredWebhookSender[]): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [EventEmitterModule.forRoot({ wildcard: true }), WebhooksModule.forRoot({ senders })],
    providers: [Recorder],
  }).compile();
  return startApp(moduleRef, adapter);
}

describe.each(ADAPTERS)('vendors on %s', (adapter) => {
  let app: INestApplication;
  let recorder: Recorder;

  beforeAll(async () => {
    app = await start(adapter, [
      githubSender.configure({ secret: [...GITHUB_SECRETS] }),
      stripeSender.configure({ secret: STRIPE_SECRET }),
      stripeConnect.configure({ secret: STRIPE_CONNECT_SECRET }),
      standardSender.configure({ secret: STANDARD_SECRET }),
    ]);
    recorder = app.get(Recorder);
  });
  afterAll(() => app?.close());
  beforeEach(() => recorder.clear());

  // A string, sent as its bytes: superagent would re-serialize an object.
  const post = (path: string, { body, headers }: Delivery) =>
    request(app.getHttpServer()).post(path).set('Content-Type', 'application/json').set(headers).send(body);

  describe('GitHub', () => {
    const route = '/webhooks/github';

    it('answers a ping 200 with no handler for it, as an accepted github.ping', async () => {
      const ping = await githubDelivery('ping', {
        zen: 'Keep it logically awesome.',
        hook_id: 292430182,
        hook: { type: 'Repository', id: 292430182, name: 'web', active: true, events: ['issues', 'push'] },
        repository: REPOSITORY,
        sender: CODERTOCAT,
      });
      const reply = await post(route, ping);
      expect(reply.status).toBe(200);
      expect(recorder.heard).toEqual([]);
      expect(recorder.outcomes).toEqual([
        expect.objectContaining({
          sender: 'github',
          outcome: 'accepted',
          status: 200,
          event: 'github.ping',
          idempotencyKey: `github:${ping.headers['X-GitHub-Delivery']}`,
        }),
      ]);
    });

    it('hands issues/opened to .opened, .* and .**, not to .closed', async () => {
      const delivery = await githubDelivery('issues', issues('opened', 1));
      expect((await post(route, delivery)).status).toBe(200);
      expect(recorder.handlers()).toEqual(['github.issues.*', 'github.issues.**', 'github.issues.opened']);
      const [{ event }] = recorder.heard;
      expect(event).toMatchObject({
        sender: 'github',
        name: 'github.issues.opened',
        type: 'issues.opened',
        idempotencyKey: `github:${delivery.headers['X-GitHub-Delivery']}`,
      });
      expect(event.payload).toBeInstanceOf(GithubWebhookDto);
      expect(event.payload).toMatchObject({ action: 'opened', issue: { number: 1 } });
      expect(recorder.heard.every((heard) => heard.event === event)).toBe(true);
    });

    it('hands a push, which has no action, to github.push and github.push.**, not to github.issues.*', async () => {
      const delivery = await githubDelivery('push', {
        ref: 'refs/heads/main',
        before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        after: '0000000000000000000000000000000000000000',
        commits: [],
        repository: REPOSITORY,
        sender: CODERTOCAT,
      });
      expect((await post(route, delivery)).status).toBe(200);
      // EventEmitter2's `**` matches no level at all too: `github.push.**` hears `github.push`.
      expect(recorder.handlers()).toEqual(['github.push', 'github.push.**']);
      expect(recorder.heard[0]!.event).toMatchObject({ name: 'github.push', type: 'push' });
    });

    it('takes a redelivery (same X-GitHub-Delivery), re-signed with the other secret, for a duplicate', async () => {
      const guid = randomUUID();
      const payload = issues('opened', 2);
      const first = await githubDelivery('issues', payload, { secret: GITHUB_SECRETS[1], delivery: guid });
      const again = await githubDelivery('issues', payload, { secret: GITHUB_SECRETS[0], delivery: guid });
      expect(again.headers['X-Hub-Signature-256']).not.toBe(first.headers['X-Hub-Signature-256']);
      expect((await post(route, first)).status).toBe(200);
      expect((await post(route, again)).status).toBe(200);
      expect(recorder.heard.filter(({ handler }) => handler === 'github.issues.opened')).toHaveLength(1);
      expect(recorder.outcomes.map(({ outcome, idempotencyKey }) => [outcome, idempotencyKey])).toEqual([
        ['accepted', `github:${guid}`],
        ['duplicate', `github:${guid}`],
      ]);
    });

    it.each([
      ['X-GitHub-Event', 'X-GitHub-Event header is missing or invalid'],
      ['X-GitHub-Delivery', 'X-GitHub-Delivery header is missing'],
    ])('answers 400 to a signed delivery without %s, and runs no handler', async (header, message) => {
      const delivery = await githubDelivery('issues', issues('opened', 3));
      delete delivery.headers[header];
      const reply = await post(route, delivery);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ reason: 'invalid-payload' });
      expect(JSON.stringify(reply.body)).toContain(message);
      expect(recorder.heard).toEqual([]);
      expect(recorder.outcomes).toEqual([
        expect.objectContaining({ outcome: 'rejected', status: 400, reason: 'invalid-payload' }),
      ]);
    });

    it('redacts both signature headers in event.headers, and keeps the event and the delivery id', async () => {
      const delivery = await githubDelivery('issues', issues('opened', 4));
      // GitHub still sends the SHA-1 signature beside the other; it is never checked, only hidden.
      const legacy = `sha1=${createHmac('sha1', GITHUB_SECRETS[0]).update(delivery.body).digest('hex')}`;
      delivery.headers['X-Hub-Signature'] = legacy;
      expect((await post(route, delivery)).status).toBe(200);
      const [{ event }] = recorder.heard;
      expect(event.headers).toMatchObject({
        'x-hub-signature-256': '[redacted]',
        'x-hub-signature': '[redacted]',
        'x-github-event': 'issues',
        'x-github-delivery': delivery.headers['X-GitHub-Delivery'],
        'x-github-hook-id': '292430182',
      });
      const seen = JSON.stringify([event, recorder.outcomes]);
      expect(seen).not.toContain(delivery.headers['X-Hub-Signature-256']!.slice('sha256='.length));
      expect(seen).not.toContain(legacy.slice('sha1='.length));
    });

    it('accepts either secret of the rotation, and neither other', async () => {
      for (const secret of GITHUB_SECRETS) {
        expect(
          (await post(route, await githubDelivery('issues', issues('opened', 5), { secret }))).status,
        ).toBe(200);
      }
      const forged = await post(
        route,
        await githubDelivery('issues', issues('opened', 5), { secret: 'github-secret-forger-0003' }),
      );
      expect(forged.status).toBe(401);
      expect(forged.body).toMatchObject({ reason: 'mismatch' });
      expect(recorder.heard.filter(({ handler }) => handler === 'github.issues.opened')).toHaveLength(2);
    });
  });

  describe('Stripe', () => {
    const route = '/webhooks/stripe';
    const connectRoute = '/webhooks/stripe-connect';
    const signed = (body: string, secret = STRIPE_SECRET, timestamp?: number): Delivery => ({
      body,
      headers: { 'Stripe-Signature': stripeSignature(body, secret, timestamp) },
    });

    it('hands payment_intent.succeeded to its name, stripe.payment_intent.* and stripe.**', async () => {
      const id = `evt_${randomBytes(12).toString('hex')}`;
      expect((await post(route, signed(stripeEvent('payment_intent.succeeded', id)))).status).toBe(200);
      expect(recorder.handlers()).toEqual([
        'stripe.**',
        'stripe.payment_intent.*',
        'stripe.payment_intent.succeeded',
      ]);
      const [{ event }] = recorder.heard;
      expect(event).toMatchObject({
        sender: 'stripe',
        name: 'stripe.payment_intent.succeeded',
        type: 'payment_intent.succeeded',
        idempotencyKey: `stripe:${id}`,
      });
      expect(event.payload).toBeInstanceOf(StripeEventDto);
      expect(event.headers['stripe-signature']).toBe('[redacted]');
    });

    it("refuses a signature older than the tolerance for its timestamp, and a wrong secret's for a mismatch", async () => {
      const body = stripeEvent('payment_intent.succeeded');
      const expired = await post(route, signed(body, STRIPE_SECRET, nowSeconds() - 400));
      expect(expired.status).toBe(401);
      expect(expired.body).toMatchObject({ statusCode: 401, reason: 'timestamp' });
      const wrong = await post(route, signed(body, 'whsec_forger9f8e7d6c5b4a39281706f5e4'));
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({ statusCode: 401, reason: 'mismatch' });
      expect(recorder.heard).toEqual([]);
      expect(
        recorder.outcomes.map(({ sender, outcome, status, reason }) => [sender, outcome, status, reason]),
      ).toEqual([
        ['stripe', 'rejected', 401, 'timestamp'],
        ['stripe', 'rejected', 401, 'mismatch'],
      ]);
    });

    it('accepts a header carrying two v1 while a secret is rolled: the old one first, then the current', async () => {
      const body = stripeEvent('payment_intent.succeeded');
      const t = nowSeconds();
      const v1 = (secret: string) => /(?:^|,)v1=([0-9a-f]+)/.exec(stripeSignature(body, secret, t))![1];
      const header = `t=${t},v1=${v1(STRIPE_ROLLED_SECRET)},v1=${v1(STRIPE_SECRET)}`;
      expect((await post(route, { body, headers: { 'Stripe-Signature': header } })).status).toBe(200);
      expect(recorder.handlers()).toContain('stripe.payment_intent.succeeded');
      // The rolled secret alone is not enough.
      const rolledOnly = `t=${t},v1=${v1(STRIPE_ROLLED_SECRET)}`;
      const refused = await post(route, { body, headers: { 'Stripe-Signature': rolledOnly } });
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ reason: 'mismatch' });
    });

    it("accepts each endpoint's secret on its own route only, and hands each to its own handlers", async () => {
      const body = stripeEvent('payment_intent.succeeded');
      const crossed = [
        await post(route, signed(body, STRIPE_CONNECT_SECRET)),
        await post(connectRoute, signed(body, STRIPE_SECRET)),
      ];
      expect(crossed.map((reply) => [reply.status, reply.body.reason])).toEqual([
        [401, 'mismatch'],
        [401, 'mismatch'],
      ]);
      expect(recorder.heard).toEqual([]);

      expect((await post(connectRoute, signed(body, STRIPE_CONNECT_SECRET))).status).toBe(200);
      expect(recorder.handlers()).toEqual(['stripe-connect.**']);
      expect(recorder.heard[0]!.event).toMatchObject({
        sender: 'stripe-connect',
        name: 'stripe-connect.payment_intent.succeeded',
        type: 'payment_intent.succeeded',
      });
    });

    it('processes one event id on each route, under each its own key', async () => {
      const id = `evt_${randomBytes(12).toString('hex')}`;
      const body = stripeEvent('payment_intent.succeeded', id);
      expect((await post(route, signed(body, STRIPE_SECRET))).status).toBe(200);
      expect((await post(connectRoute, signed(body, STRIPE_CONNECT_SECRET))).status).toBe(200);
      // A retry on either route is still its route's duplicate.
      expect((await post(connectRoute, signed(body, STRIPE_CONNECT_SECRET))).status).toBe(200);
      expect(
        recorder.outcomes.map(({ sender, outcome, idempotencyKey }) => [sender, outcome, idempotencyKey]),
      ).toEqual([
        ['stripe', 'accepted', `stripe:${id}`],
        ['stripe-connect', 'accepted', `stripe-connect:${id}`],
        ['stripe-connect', 'duplicate', `stripe-connect:${id}`],
      ]);
      expect(recorder.heard.map(({ handler, event }) => [handler, event.idempotencyKey]).sort()).toEqual([
        ['stripe-connect.**', `stripe-connect:${id}`],
        ['stripe.**', `stripe:${id}`],
        ['stripe.payment_intent.*', `stripe:${id}`],
        ['stripe.payment_intent.succeeded', `stripe:${id}`],
      ]);
    });
  });

  describe('Stripe with tolerance: 600', () => {
    let lenient: INestApplication;
    beforeAll(async () => {
      // stripe-connect too: the recorder's handler of it must name a configured sender.
      lenient = await start(adapter, [
        stripeSender.configure({ secret: STRIPE_SECRET, tolerance: 600 }),
        stripeConnect.configure({ secret: STRIPE_CONNECT_SECRET }),
      ]);
    });
    afterAll(() => lenient?.close());

    const send = (body: string, timestamp: number) =>
      request(lenient.getHttpServer())
        .post('/webhooks/stripe')
        .set('Content-Type', 'application/json')
        .set('Stripe-Signature', stripeSignature(body, STRIPE_SECRET, timestamp))
        .send(body);

    it('accepts a signature 400 s old, and still refuses one 700 s old', async () => {
      expect((await send(stripeEvent('payment_intent.succeeded'), nowSeconds() - 400)).status).toBe(200);
      const late = await send(stripeEvent('payment_intent.succeeded'), nowSeconds() - 700);
      expect(late.status).toBe(401);
      expect(late.body).toMatchObject({ reason: 'timestamp' });
      const handled = lenient.get(Recorder).heard;
      expect(handled.filter(({ handler }) => handler === 'stripe.payment_intent.succeeded')).toHaveLength(1);
    });
  });

  describe('Standard Webhooks', () => {
    const route = '/webhooks/standard';

    it('hands contact.created to standard.contact.created and standard.contact.*', async () => {
      const id = `msg_${randomBytes(12).toString('hex')}`;
      const body = standardBody('contact.created');
      expect((await post(route, { body, headers: standardHeaders(id, body, new Date()) })).status).toBe(200);
      expect(recorder.handlers()).toEqual(['standard.contact.*', 'standard.contact.created']);
      const [{ event }] = recorder.heard;
      expect(event).toMatchObject({
        sender: 'standard',
        name: 'standard.contact.created',
        type: 'contact.created',
        idempotencyKey: `standard:${id}`,
      });
      expect(event.payload).toBeInstanceOf(StandardWebhookDto);
      expect(event.headers).toMatchObject({ 'webhook-id': id, 'webhook-signature': '[redacted]' });
    });

    it('takes a retry with the same webhook-id, signed again at a later timestamp, for a duplicate', async () => {
      const id = `msg_${randomBytes(12).toString('hex')}`;
      const body = standardBody('contact.created');
      const first = standardHeaders(id, body, new Date(Date.now() - 120_000));
      const retry = standardHeaders(id, body, new Date());
      expect(retry['webhook-signature']).not.toBe(first['webhook-signature']);
      expect((await post(route, { body, headers: first })).status).toBe(200);
      expect((await post(route, { body, headers: retry })).status).toBe(200);
      expect(recorder.heard.filter(({ handler }) => handler === 'standard.contact.created')).toHaveLength(1);
      expect(recorder.outcomes.map(({ outcome, idempotencyKey }) => [outcome, idempotencyKey])).toEqual([
        ['accepted', `standard:${id}`],
        ['duplicate', `standard:${id}`],
      ]);
    });

    it('refuses a timestamp 400 s in the future for its timestamp', async () => {
      const body = standardBody('contact.created');
      const headers = standardHeaders(`msg_${randomUUID()}`, body, new Date(Date.now() + 400_000));
      const reply = await post(route, { body, headers });
      expect(reply.status).toBe(401);
      expect(reply.body).toMatchObject({ statusCode: 401, reason: 'timestamp' });
      expect(recorder.heard).toEqual([]);
      expect(recorder.outcomes).toEqual([
        expect.objectContaining({
          sender: 'standard',
          outcome: 'rejected',
          status: 401,
          reason: 'timestamp',
        }),
      ]);
    });

    it('refuses a delivery without webhook-id as missing', async () => {
      const body = standardBody('contact.created');
      const { 'webhook-id': _id, ...headers } = standardHeaders(`msg_${randomUUID()}`, body, new Date());
      const reply = await post(route, { body, headers });
      expect(reply.status).toBe(401);
      expect(reply.body).toMatchObject({ statusCode: 401, reason: 'missing' });
      expect(recorder.heard).toEqual([]);
      expect(recorder.outcomes).toEqual([
        expect.objectContaining({ sender: 'standard', outcome: 'rejected', status: 401, reason: 'missing' }),
      ]);
    });
  });
});
