import { defineWebhookSender } from '../../webhooks.sender.js';
import { StripeEventDto } from './stripe.dto.js';
import { STRIPE_SAMPLE } from './stripe.sample.js';
import {
  createStripeVerifier,
  signStripe,
  STRIPE_HEADER,
  type StripeCredentials,
  type StripeSigning,
} from './stripe.scheme.js';

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<HMAC-SHA256 of "<t>.<raw body>">`, refused beyond the
 * timestamp tolerance (5 minutes by default). The event is the Event object's `type`, dots and
 * all (`@OnWebhook('stripe.payment_intent.succeeded')`, `'stripe.invoice.*'`); no list of types,
 * Stripe has hundreds. Retries carry the same event id, which is the key.
 */
export const stripeSender = defineWebhookSender({
  id: 'stripe',
  title: 'Stripe',
  credentialHeaders: [STRIPE_HEADER],
  verifier: (credentials: StripeCredentials, optionPath) => createStripeVerifier(credentials, optionPath),
  sign: (body, signing: StripeSigning) => signStripe(body, signing),
  dto: StripeEventDto,
  eventType: (payload) => payload.type,
  idempotencyKey: (payload) => [payload.id],
  sample: STRIPE_SAMPLE,
  cli: {
    credentials: {
      secret: {
        env: 'STRIPE_WEBHOOK_SECRET',
        arg: '<whsec_...>',
        help: "the endpoint's signing secret (Dashboard, or `stripe listen`)",
      },
    },
    signing: (input): StripeSigning => ({ secret: input.need('secret') }),
  },
});
