import { illowSender } from 'nestjs-webhooks';
import { defineSenderEnv } from '../sender-env.js';

/** illow: `ILLOW_PUBLIC_KEY`, PEM text (one or several keys) or the path of a PEM file. */
export const illowEnv = defineSenderEnv({
  sender: illowSender,
  variables: ['ILLOW_PUBLIC_KEY'],
  fromEnv(env) {
    const publicKey = env.pem('ILLOW_PUBLIC_KEY');
    return publicKey ? illowSender.configure({ publicKey }) : undefined;
  },
});
