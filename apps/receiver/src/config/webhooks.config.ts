import type { ConfiguredWebhookSender } from 'nestjs-webhooks';
import { RECEIVER_SENDERS } from '../senders/index.js';
import { envReader, type Env, type SenderEnv } from '../senders/sender-env.js';

export interface SendersFromEnv {
  /** The senders switched on, with their credentials, for `WebhooksModule`'s `senders`. */
  senders: ConfiguredWebhookSender[];
  /** Senders left off, with the variable that would switch each on. */
  disabled: { sender: string; variable: string }[];
  /** Lines to log at startup; they name variables, never values. */
  warnings: string[];
}

/** Each sender's environment mapping, in the order of the receiver's list. */
export const SENDER_ENVS: readonly SenderEnv[] = RECEIVER_SENDERS.map(({ env }) => env);

export function sendersFromEnv(env: Env, envs: readonly SenderEnv[] = SENDER_ENVS): SendersFromEnv {
  const warnings: string[] = [];
  const read = envReader(env, warnings);
  const senders: ConfiguredWebhookSender[] = [];
  const disabled: SendersFromEnv['disabled'] = [];
  for (const mapping of envs) {
    const configured = mapping.fromEnv(read);
    if (configured) senders.push(configured);
    else disabled.push({ sender: mapping.sender.id, variable: mapping.off ?? mapping.variables.join(' + ') });
  }
  return { senders, disabled, warnings };
}
