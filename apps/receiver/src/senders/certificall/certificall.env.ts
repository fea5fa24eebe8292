import { certificallSender } from 'nestjs-webhooks';
import { defineSenderEnv } from '../sender-env.js';

/**
 * Certificall: each of its three methods is on when its variables are complete (the bearer token;
 * the API key and secret; the basic username and password), and the sender when one is.
 */
export const certificallEnv = defineSenderEnv({
  sender: certificallSender,
  variables: [
    'CERTIFICALL_AUTH_TOKEN',
    'CERTIFICALL_API_KEY',
    'CERTIFICALL_API_SECRET',
    'CERTIFICALL_BASIC_USERNAME',
    'CERTIFICALL_BASIC_PASSWORD',
  ],
  off: 'CERTIFICALL_AUTH_TOKEN (or CERTIFICALL_API_KEY + CERTIFICALL_API_SECRET, or CERTIFICALL_BASIC_USERNAME + CERTIFICALL_BASIC_PASSWORD)',
  fromEnv(env) {
    const bearerToken = env.secrets('CERTIFICALL_AUTH_TOKEN');
    const apiKey = env.value('CERTIFICALL_API_KEY');
    const apiSecret = env.secrets('CERTIFICALL_API_SECRET');
    const username = env.value('CERTIFICALL_BASIC_USERNAME');
    const password = env.secrets('CERTIFICALL_BASIC_PASSWORD');
    if (!bearerToken && !(apiKey && apiSecret) && !(username && password)) return undefined;
    return certificallSender.configure({
      ...(bearerToken && { bearerToken }),
      ...(apiKey && apiSecret && { hmac: { apiKey, apiSecret } }),
      ...(username && password && { basic: { username, password } }),
    });
  },
});
