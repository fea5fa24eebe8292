import { oxskytSender } from 'nestjs-webhooks';
import { defineSenderEnv } from '../sender-env.js';

/** OxsKYT: `OXSKYT_WEBHOOK_SECRET`, a rotation list. */
export const oxskytEnv = defineSenderEnv({
  sender: oxskytSender,
  variables: ['OXSKYT_WEBHOOK_SECRET'],
  fromEnv(env) {
    const secret = env.secrets('OXSKYT_WEBHOOK_SECRET');
    return secret ? oxskytSender.configure({ secret }) : undefined;
  },
});
