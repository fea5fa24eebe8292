import { existsSync, readFileSync } from 'node:fs';
import type { WebhookProvider, WebhookProvidersOptions } from 'nestjs-webhooks';

type Env = Record<string, string | undefined>;

export interface SendersFromEnv {
  providers: WebhookProvidersOptions;
  /** Senders left off, with the variable that would switch each on. */
  disabled: { provider: WebhookProvider; variable: string }[];
  /** Lines to log at startup; they name variables, never values. */
  warnings: string[];
}

/** Below this, a part of a comma-separated secret looks like the tail of one secret cut at a comma. */
export const SHORT_SECRET_PART = 16;

/**
 * A secret variable may hold several comma-separated values, accepted together during rotation.
 * That is the documented contract, so a secret that itself holds a comma is split too, and each
 * part alone is accepted: a short part is the sign of that, and worth a warning.
 */
function list(env: Env, name: string, warnings: string[]): string[] | undefined {
  const values = (env[name] ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean);
  if (values.length > 1 && values.some((value) => value.length < SHORT_SECRET_PART)) {
    warnings.push(
      `${name} holds ${values.length} comma-separated values (a rotation list), and one is shorter than ` +
        `${SHORT_SECRET_PART} characters: each value alone is accepted, so if a comma belongs to one ` +
        `secret, its parts are accepted on their own. Use secrets without commas.`,
    );
  }
  return values.length > 0 ? values : undefined;
}

/** PEM text (one or several blocks, `\n` escapes allowed for one-line .env files), or a path to a PEM file. */
function pem(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  if (existsSync(value)) return readFileSync(value, 'utf8');
  // Neither PEM nor a file: hand it on, so the module fails at startup naming the option.
  return value;
}

export function sendersFromEnv(env: Env): SendersFromEnv {
  const providers: WebhookProvidersOptions = {};
  const disabled: SendersFromEnv['disabled'] = [];
  const warnings: string[] = [];
  const secrets = (name: string) => list(env, name, warnings);

  const oxskyt = secrets('OXSKYT_WEBHOOK_SECRET');
  if (oxskyt) providers.oxskyt = { secret: oxskyt };
  else disabled.push({ provider: 'oxskyt', variable: 'OXSKYT_WEBHOOK_SECRET' });

  const inkit = secrets('INKIT_WEBHOOK_SECRET');
  if (inkit) providers.inkit = { secret: inkit };
  else disabled.push({ provider: 'inkit', variable: 'INKIT_WEBHOOK_SECRET' });

  const ovcode = secrets('OVCODE_API_SECRET');
  if (ovcode) providers.ovcode = { apiSecret: ovcode };
  else disabled.push({ provider: 'ovcode', variable: 'OVCODE_API_SECRET' });

  const bearerToken = secrets('CERTIFICALL_AUTH_TOKEN');
  const apiKey = env.CERTIFICALL_API_KEY?.trim();
  const apiSecret = secrets('CERTIFICALL_API_SECRET');
  const username = env.CERTIFICALL_BASIC_USERNAME?.trim();
  const password = secrets('CERTIFICALL_BASIC_PASSWORD');
  if (bearerToken || (apiKey && apiSecret) || (username && password)) {
    providers.certificall = {
      ...(bearerToken && { bearerToken }),
      ...(apiKey && apiSecret && { hmac: { apiKey, apiSecret } }),
      ...(username && password && { basic: { username, password } }),
    };
  } else {
    disabled.push({
      provider: 'certificall',
      variable:
        'CERTIFICALL_AUTH_TOKEN (or CERTIFICALL_API_KEY + CERTIFICALL_API_SECRET, or CERTIFICALL_BASIC_USERNAME + CERTIFICALL_BASIC_PASSWORD)',
    });
  }

  const illow = pem(env, 'ILLOW_PUBLIC_KEY');
  if (illow) providers.illow = { publicKey: illow };
  else disabled.push({ provider: 'illow', variable: 'ILLOW_PUBLIC_KEY' });

  return { providers, disabled, warnings };
}
