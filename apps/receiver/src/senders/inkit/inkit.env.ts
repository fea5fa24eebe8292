import { inkitSender } from 'nestjs-webhooks';
import { defineSenderEnv } from '../sender-env.js';

/** Inkit: `INKIT_WEBHOOK_SECRET`, a rotation list. */
export const inkitEnv = defineSenderEnv({
  sender: inkitSender,
  variables: ['INKIT_WEBHOOK_SECRET'],
  fromEnv(env) {
    const secret = env.secrets('INKIT_WEBHOOK_SECRET');
    return secret ? inkitSender.configure({ secret }) : undefined;
  },
});
