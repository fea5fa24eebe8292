import { describe, expect, it } from '@jest/globals';
import { stripeSender } from 'nestjs-webhooks';
import Stripe from 'stripe';
import { envReader } from '../sender-env.js';
import { stripeEnv } from './stripe.env.js';

const fromEnv = (env: Record<string, string>) => stripeEnv.fromEnv(envReader(env));

const OLD = 'whsec_old0c2b9d7a4e6f8b3c1d0e9f7a6b5c';
const NEW = 'whsec_new1b2c3d4e5f60718293a4b5c6d7e8f9';
// Stripe's own library signs: only its test-header helper is used, no API key is needed.
const stripe = new Stripe('sk_test_x');

describe('stripeEnv', () => {
  it('accepts what Stripe signs with either secret of a rotation list, and no other', () => {
    const configured = fromEnv({ STRIPE_WEBHOOK_SECRET: `${OLD},${NEW}` })!;
    expect(configured.definition).toBe(stripeSender);
    expect(configured.credentials).toEqual({ secret: [OLD, NEW] });
    const verify = configured.definition.verifier(configured.credentials!, 'stripe');
    const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'charge.succeeded' });
    const signedWith = (secret: string) =>
      verify(Buffer.from(payload), {
        'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret }),
      }).ok;
    expect(signedWith(OLD)).toBe(true);
    expect(signedWith(NEW)).toBe(true);
    expect(signedWith('whsec_other2c3d4e5f60718293a4b5c6d7e8')).toBe(false);
  });

  it('is off when the variable is unset or blank, and asks for it', () => {
    expect(fromEnv({})).toBeUndefined();
    expect(fromEnv({ STRIPE_WEBHOOK_SECRET: '  ' })).toBeUndefined();
    expect(stripeEnv.variables).toEqual(['STRIPE_WEBHOOK_SECRET']);
  });
});
