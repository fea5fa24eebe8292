import { githubSender } from 'nestjs-webhooks';
import { defineSenderEnv } from '../sender-env.js';

/** GitHub: `GITHUB_WEBHOOK_SECRET`, a rotation list. */
export const githubEnv = defineSenderEnv({
  sender: githubSender,
  variables: ['GITHUB_WEBHOOK_SECRET'],
  fromEnv(env) {
    const secret = env.secrets('GITHUB_WEBHOOK_SECRET');
    return secret ? githubSender.configure({ secret }) : undefined;
  },
});
