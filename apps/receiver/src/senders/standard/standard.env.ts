import { standardSender } from 'nestjs-webhooks';
import { defineSenderEnv } from '../sender-env.js';

/** Standard Webhooks: `STANDARD_WEBHOOKS_SECRET` (`whsec_` and base64, for `v1` signatures), a rotation list. */
export const standardEnv = defineSenderEnv({
  sender: standardSender,
  variables: ['STANDARD_WEBHOOKS_SECRET'],
  fromEnv(env) {
    const secret = env.secrets('STANDARD_WEBHOOKS_SECRET');
    return secret ? standardSender.configure({ secret }) : undefined;
  },
});
