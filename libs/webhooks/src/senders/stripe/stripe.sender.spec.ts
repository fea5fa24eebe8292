import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import Stripe from 'stripe';
import { stripeSender } from './stripe.sender.js';
import { StripeWebhookGuard } from './stripe.guard.js';
import { StripeEventDto } from './stripe.dto.js';
import { STRIPE_SAMPLE } from './stripe.sample.js';
import { validatePayload } from '../../dto/validate.js';
import { ACCEPTED } from '../../schemes/scheme.types.js';
import { WebhookGuard } from '../../webhooks.guard.js';
import {
  EVENT_TYPE_PATTERN,
  idempotencyKeyOf,
  type WebhookDeliveryContext,
  type WebhookSenderCliInput,
} from '../../webhooks.sender.js';

const SECRET = 'whsec_c0ffee0c0ffee0c0ffee0c0ffee0c0f';
const sample = (): Record<string, any> => JSON.parse(JSON.stringify(STRIPE_SAMPLE.payload));
const ctx = (payload: object): WebhookDeliveryContext => ({
  rawBody: Buffer.from(JSON.stringify(payload)),
  headers: {},
  verification: ACCEPTED,
});

/** What the pipeline does with a body: validate it with the DTO, then name and key it. */
function deliver(plain: object): { name: string; key: string; payload: StripeEventDto } {
  const result = validatePayload(stripeSender.dto, plain);
  if (!result.ok) throw new Error(result.errors.join('; '));
  const type = stripeSender.eventType === 'route' ? '' : stripeSender.eventType(result.value, ctx(plain));
  expect(type).toMatch(EVENT_TYPE_PATTERN);
  return {
    name: `${stripeSender.id}.${type}`,
    key: idempotencyKeyOf(stripeSender.id, stripeSender.idempotencyKey(result.value, ctx(plain))),
    payload: result.value,
  };
}

describe('stripeSender', () => {
  it('is served as stripe, its signature header redacted', () => {
    expect(stripeSender.id).toBe('stripe');
    expect(stripeSender.title).toBe('Stripe');
    expect(stripeSender.credentialHeaders).toEqual(['stripe-signature']);
    // Hundreds of types, more with each API version: none listed, any accepted.
    expect(stripeSender.eventTypes).toBeUndefined();
    expect(stripeSender.dto).toBe(StripeEventDto);
  });

  it('names the event after its type, dots kept as levels', () => {
    expect(deliver(sample()).name).toBe('stripe.payment_intent.succeeded');
    expect(deliver({ ...sample(), type: 'customer.subscription.updated' }).name).toBe(
      'stripe.customer.subscription.updated',
    );
    expect(deliver({ ...sample(), type: 'ping' }).name).toBe('stripe.ping');
  });

  it('keys a delivery by its event id, the same for every retry', () => {
    const first = deliver(sample());
    expect(first.key).toBe('stripe:evt_3MtwBwLkdIwHu7ix0Y5hBJvL');
    // A retry carries the same event with fewer webhooks pending.
    expect(deliver({ ...sample(), pending_webhooks: 0 }).key).toBe(first.key);
    expect(deliver({ ...sample(), id: 'evt_3MtwBwLkdIwHu7ix0Y5hBJvM' }).key).not.toBe(first.key);
  });

  it('keeps an id with a separator apart from another', () => {
    expect(deliver({ ...sample(), id: 'evt:1' }).key).not.toBe(deliver({ ...sample(), id: 'evt%3A1' }).key);
  });

  it('validates its sample and keeps the fields Stripe adds', () => {
    const { payload } = deliver({ ...sample(), context: 'ctx_1', data: { ...sample().data, extra: 1 } });
    expect((payload as unknown as Record<string, unknown>).context).toBe('ctx_1');
    expect((payload.data as unknown as Record<string, unknown>).extra).toBe(1);
  });

  it.each(['id', 'type'])('refuses a body without %s, naming it', (field) => {
    const plain = sample();
    delete plain[field];
    const result = validatePayload(stripeSender.dto, plain);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.every((error) => error.startsWith(`${field} `))).toBe(true);
  });

  it("verifies what it signs, and what Stripe's library verifies", () => {
    const body = JSON.stringify(STRIPE_SAMPLE.payload, null, 2);
    const headers = stripeSender.sign(body, { secret: SECRET });
    const verify = stripeSender.verifier({ secret: SECRET }, 'senders.stripe');
    expect(verify(Buffer.from(body), { 'stripe-signature': headers['Stripe-Signature'] })).toEqual({
      ok: true,
    });
    expect(() =>
      new Stripe('sk_test_x').webhooks.constructEvent(body, headers['Stripe-Signature']!, SECRET),
    ).not.toThrow();
  });

  it('signs what the OpenSSL command line computes', () => {
    const body = JSON.stringify(STRIPE_SAMPLE.payload);
    const header = stripeSender.sign(body, { secret: SECRET, timestamp: 1680800510 })['Stripe-Signature'];
    const openssl = spawnSync('openssl', ['dgst', '-sha256', '-hmac', SECRET, '-r'], {
      input: `1680800510.${body}`,
      encoding: 'utf8',
    });
    expect(openssl.status).toBe(0);
    expect(header).toBe(`t=1680800510,v1=${openssl.stdout.slice(0, 64)}`);
  });

  it('names its options under the path it is configured at', () => {
    expect(() => stripeSender.verifier({ secret: '' }, 'senders.stripe')).toThrow('"senders.stripe.secret"');
    expect(() => stripeSender.verifier({ secret: SECRET, tolerance: 0 }, 'senders.stripe')).toThrow(
      '"senders.stripe.tolerance"',
    );
  });

  it('signs from the CLI with the secret of --secret or STRIPE_WEBHOOK_SECRET', () => {
    const cli = stripeSender.cli!;
    expect(cli.credentials.secret).toMatchObject({ env: 'STRIPE_WEBHOOK_SECRET', arg: '<whsec_...>' });
    const asked: string[] = [];
    const input = {
      need: (flag: string) => {
        asked.push(flag);
        return SECRET;
      },
    } as unknown as WebhookSenderCliInput;
    expect(cli.signing(input)).toEqual({ secret: SECRET });
    expect(asked).toEqual(['secret']);
  });

  it('has a guard of its own', () => {
    expect(StripeWebhookGuard.prototype).toBeInstanceOf(WebhookGuard);
    expect((StripeWebhookGuard as unknown as typeof WebhookGuard).senderId).toBe('stripe');
  });
});
