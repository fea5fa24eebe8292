import { ovcodeSender } from 'nestjs-webhooks';
import { defineSenderEnv } from '../sender-env.js';

/** OVCODE: `OVCODE_API_SECRET`, a rotation list. */
export const ovcodeEnv = defineSenderEnv({
  sender: ovcodeSender,
  variables: ['OVCODE_API_SECRET'],
  fromEnv(env) {
    const apiSecret = env.secrets('OVCODE_API_SECRET');
    return apiSecret ? ovcodeSender.configure({ apiSecret }) : undefined;
  },
});
