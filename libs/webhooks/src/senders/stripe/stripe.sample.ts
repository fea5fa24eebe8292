import type { WebhookSenderSample } from '../../webhooks.sender.js';

// Stripe's documented PaymentIntent (https://docs.stripe.com/api/payment_intents/object) once it
// succeeded, in the Event envelope of https://docs.stripe.com/api/events/object; trimmed.
export const STRIPE_SAMPLE: WebhookSenderSample = {
  payload: {
    id: 'evt_3MtwBwLkdIwHu7ix0Y5hBJvL',
    object: 'event',
    api_version: '2024-06-20',
    created: 1680800510,
    data: {
      object: {
        id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
        object: 'payment_intent',
        amount: 2000,
        amount_capturable: 0,
        amount_received: 2000,
        capture_method: 'automatic',
        confirmation_method: 'automatic',
        created: 1680800504,
        currency: 'usd',
        customer: null,
        description: null,
        last_payment_error: null,
        latest_charge: 'ch_3MtwBwLkdIwHu7ix28Nb4ekI',
        livemode: false,
        metadata: {},
        payment_method: 'pm_1MtwBwLkdIwHu7ixkwo8Vl3u',
        payment_method_types: ['card', 'link'],
        receipt_email: null,
        status: 'succeeded',
      },
    },
    livemode: false,
    pending_webhooks: 1,
    request: {
      id: 'req_6xw3YexEO5Lvbq',
      idempotency_key: '7e4a0b9e-1c3f-4f76-9d0b-6c1b8a3f2d51',
    },
    type: 'payment_intent.succeeded',
  },
};
