import { stripeSender } from 'nestjs-webhooks';
import { defineSenderEnv } from '../sender-env.js';

/** Stripe: `STRIPE_WEBHOOK_SECRET` (`whsec_...`), a rotation list. */
export const stripeEnv = defineSenderEnv({
  sender: stripeSender,
  variables: ['STRIPE_WEBHOOK_SECRET'],
  fromEnv(env) {
    const secret = env.secrets('STRIPE_WEBHOOK_SECRET');
    return secret ? stripeSender.configure({ secret }) : undefined;
  },
});
