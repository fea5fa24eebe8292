import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import request from 'supertest';
import type { ReceiverEnv } from '../apps/receiver/src/app.module.js';
import { createReceiver } from '../apps/receiver/src/bootstrap.js';
import { describeIf } from './support/needs.js';
import { receiverDatabases, type ScratchDatabase } from './support/postgres.js';

// The receiver's GitHub, Stripe and Standard Webhooks routes, fed deliveries signed by each
// vendor's own library (never by ours): what a real sender posts must be filed under its own id.

type NewSender = 'github' | 'stripe' | 'standard';

/** Each variable holds two secrets, the retired one first: the deliveries are signed with the second. */
const SECRETS: Record<NewSender, [retired: string, current: string]> = {
  github: ['github-secret-retired-0001', 'github-secret-current-0002'],
  stripe: ['whsec_retired5f1e0c2b9d7a4e6f8b3c1d0e', 'whsec_current0a1b2c3d4e5f60718293a4b5'],
  standard: [`whsec_${randomBytes(24).toString('base64')}`, `whsec_${randomBytes(24).toString('base64')}`],
};
/** What someone without the secrets signs with, in each genuine scheme. */
const FORGERS: Record<NewSender, string> = {
  github: 'github-secret-forger-0003',
  stripe: 'whsec_forger9f8e7d6c5b4a39281706f5e4',
  standard: `whsec_${randomBytes(24).toString('base64')}`,
};

const senderEnv: ReceiverEnv = {
  GITHUB_WEBHOOK_SECRET: SECRETS.github.join(','),
  STRIPE_WEBHOOK_SECRET: SECRETS.stripe.join(', '),
  STANDARD_WEBHOOKS_SECRET: SECRETS.standard.join(','),
};

/** A delivery as the vendor posts it: the exact body, its headers, and its own id. */
interface Delivery {
  id: string;
  body: string;
  headers: Record<string, string>;
}

// Stripe's library signs offline: the key is never used.
const stripe = new Stripe('sk_test_x');

const CODERTOCAT = { login: 'Codertocat', id: 21031067, node_id: 'MDQ6VXNlcjIxMDMxMDY3', type: 'User' };

/** GitHub: `X-Hub-Signature-256` by @octokit/webhooks-methods, one GUID per delivery. */
async function githubDelivery(event: string, payload: object, secret: string): Promise<Delivery> {
  const id = randomUUID();
  const body = JSON.stringify(payload);
  return {
    id,
    body,
    headers: {
      'User-Agent': 'GitHub-Hookshot/044aadd',
      'X-GitHub-Event': event,
      'X-GitHub-Delivery': id,
      'X-GitHub-Hook-ID': '292430182',
      'X-Hub-Signature-256': await octokitSign(secret, body),
    },
  };
}

/** Stripe: an Event object, pretty-printed as Stripe posts it, signed by stripe's own library. */
function stripeDelivery(
  type: string,
  object: Record<string, unknown>,
  secret: string,
  livemode = false,
): Delivery {
  const id = `evt_${randomBytes(12).toString('hex')}`;
  const body = JSON.stringify(
    {
      id,
      object: 'event',
      api_version: '2024-06-20',
      created: 1680800510,
      data: { object },
      livemode,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    },
    null,
    2,
  );
  return {
    id,
    body,
    headers: { 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret }) },
  };
}

/** Standard Webhooks: `webhook-id`, `-timestamp` and `-signature`, signed by the specification's library. */
function standardDelivery(type: string, secret: string): Delivery {
  const id = `msg_${randomBytes(12).toString('hex')}`;
  const body = JSON.stringify({
    type,
    timestamp: '2022-11-03T20:26:10.344522Z',
    data: { id: '1f81eb52-5198-4599-803e-771906343485', type: 'contact' },
  });
  const now = new Date();
  return {
    id,
    body,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, now, body),
    },
  };
}

interface Case {
  sender: NewSender;
  /** The full event name the delivery gets. */
  event: string;
  /** A genuine delivery, signed with `secret`. */
  deliver(secret: string): Promise<Delivery>;
  /** The record it is filed as (without the tracking columns). */
  record(id: string): Record<string, unknown>;
}

const CASES: Case[] = [
  {
    sender: 'github',
    event: 'github.issues.opened',
    deliver: (secret) =>
      githubDelivery(
        'issues',
        {
          action: 'opened',
          issue: { id: 444500041, number: 1, title: 'Spelling error in the README file', user: CODERTOCAT },
          repository: {
            id: 186853002,
            name: 'Hello-World',
            full_name: 'Codertocat/Hello-World',
            owner: CODERTOCAT,
          },
          sender: CODERTOCAT,
        },
        secret,
      ),
    record: (id) => ({
      deliveryId: id,
      event: 'issues',
      action: 'opened',
      repository: 'Codertocat/Hello-World',
    }),
  },
  {
    sender: 'stripe',
    event: 'stripe.payment_intent.succeeded',
    deliver: async (secret) =>
      stripeDelivery(
        'payment_intent.succeeded',
        { id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa', object: 'payment_intent', amount: 2000, status: 'succeeded' },
        secret,
      ),
    record: (id) => ({
      eventId: id,
      type: 'payment_intent.succeeded',
      objectId: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
      livemode: false,
    }),
  },
  {
    sender: 'standard',
    event: 'standard.contact.created',
    deliver: async (secret) => standardDelivery('contact.created', secret),
    record: (id) => ({ messageId: id, type: 'contact.created' }),
  },
];

const adminUrl = process.env.DATABASE_URL_TEST;
const databases = receiverDatabases('receiver_new_senders');
describeIf(adminUrl, 'PostgreSQL')(
  "the receiver's GitHub, Stripe and Standard Webhooks routes on PostgreSQL",
  () => {
    it('runs every test of the suite below on PostgreSQL too', () => undefined);
  },
);

describe.each(databases)(
  "the receiver's GitHub, Stripe and Standard Webhooks routes on %s",
  (_name, makeDatabase) => {
    let app: INestApplication;
    let scratch: ScratchDatabase | undefined;

    beforeAll(async () => {
      const database = await makeDatabase();
      scratch = database.scratch;
      app = await createReceiver({ env: { ...senderEnv, ...database.env }, logger: false });
      await app.init();
    });
    afterAll(async () => {
      await app?.close();
      await scratch?.drop();
    });

    const api = () => request(app.getHttpServer());
    const post = (sender: NewSender, { body, headers }: Delivery) =>
      api().post(`/webhooks/${sender}`).set('Content-Type', 'application/json').set(headers).send(body);
    const record = async (sender: NewSender, id: string) =>
      (
        await api()
          .get(`/api/records/${sender}/${encodeURIComponent(id)}`)
          .expect(200)
      ).body as Record<string, any>;
    const deliveries = async (sender: NewSender) =>
      (await api().get(`/api/deliveries?sender=${sender}&limit=500`).expect(200)).body as Record<
        string,
        any
      >[];

    describe.each(CASES)('$sender', ({ sender, event, deliver, record: expected }) => {
      it('files a genuine delivery signed with the second secret under its own id, and logs it', async () => {
        const delivery = await deliver(SECRETS[sender][1]);
        const reply = await post(sender, delivery);
        expect(reply.status).toBe(200);

        const stored = await record(sender, delivery.id);
        expect(stored).toEqual({
          ...expected(delivery.id),
          updatedAt: expect.any(String),
          lastDeliveryId: expect.any(String),
        });
        const log = await deliveries(sender);
        expect(log.length).toBeGreaterThan(0);
        expect(log.every((row) => row.sender === sender)).toBe(true);
        expect(log.find((row) => row.id === stored.lastDeliveryId)).toMatchObject({
          sender,
          event,
          statusCode: 200,
          reason: null,
          duplicate: false,
          idempotencyKey: `${sender}:${delivery.id}`,
          rawBody: delivery.body,
          rawBodyEncoding: 'utf8',
        });
      });

      it('answers a retry 200 as a duplicate, and writes the record once', async () => {
        const delivery = await deliver(SECRETS[sender][1]);
        expect((await post(sender, delivery)).status).toBe(200);
        const first = await record(sender, delivery.id);
        expect((await post(sender, delivery)).status).toBe(200);
        expect(await record(sender, delivery.id)).toEqual(first);

        const rows = (await deliveries(sender)).filter(
          (row) => row.idempotencyKey === `${sender}:${delivery.id}`,
        );
        expect(rows.map((row) => [row.statusCode, row.duplicate])).toEqual([
          [200, true],
          [200, false],
        ]);
        expect(rows[1]!.id).toBe(first.lastDeliveryId);
      });

      it('refuses a forged delivery 401, files nothing, and logs it rejected without its body', async () => {
        const delivery = await deliver(FORGERS[sender]);
        const reply = await post(sender, delivery);
        expect(reply.status).toBe(401);
        expect(JSON.stringify(reply.body)).not.toContain(FORGERS[sender]);
        await api()
          .get(`/api/records/${sender}/${encodeURIComponent(delivery.id)}`)
          .expect(404);
        expect((await deliveries(sender))[0]).toMatchObject({
          sender,
          statusCode: 401,
          reason: 'mismatch',
          duplicate: false,
          rawBody: null,
        });
      });

      it('still accepts the first secret of the rotation list', async () => {
        const delivery = await deliver(SECRETS[sender][0]);
        expect((await post(sender, delivery)).status).toBe(200);
        expect(await record(sender, delivery.id)).toMatchObject(expected(delivery.id));
      });
    });

    it('hears names of one level and of three (github.**, stripe.**, standard.**)', async () => {
      // An organization's hook: the ping has no action and names no repository.
      const ping = await githubDelivery(
        'ping',
        {
          zen: 'Keep it logically awesome.',
          hook_id: 292430182,
          hook: { type: 'Organization', id: 292430182, name: 'web', active: true, events: ['*'] },
          organization: { login: 'octo-org', id: 6811672 },
          sender: CODERTOCAT,
        },
        SECRETS.github[1],
      );
      expect((await post('github', ping)).status).toBe(200);
      expect(await record('github', ping.id)).toMatchObject({
        deliveryId: ping.id,
        event: 'ping',
        action: null,
        repository: null,
      });

      const trial = stripeDelivery(
        'customer.subscription.trial_will_end',
        { id: 'sub_1MowQVLkdIwHu7ixeRlqHVzs', object: 'subscription' },
        SECRETS.stripe[1],
        true,
      );
      expect((await post('stripe', trial)).status).toBe(200);
      expect(await record('stripe', trial.id)).toMatchObject({
        type: 'customer.subscription.trial_will_end',
        objectId: 'sub_1MowQVLkdIwHu7ixeRlqHVzs',
        livemode: true,
      });

      const failed = standardDelivery('invoice.payment.failed', SECRETS.standard[1]);
      expect((await post('standard', failed)).status).toBe(200);
      expect(await record('standard', failed.id)).toMatchObject({ type: 'invoice.payment.failed' });

      const events = async (sender: NewSender) => (await deliveries(sender)).map((row) => row.event);
      expect(await events('github')).toContain('github.ping');
      expect(await events('stripe')).toContain('stripe.customer.subscription.trial_will_end');
      expect(await events('standard')).toContain('standard.invoice.payment.failed');
    });
  },
);
