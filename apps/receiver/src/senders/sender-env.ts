import { existsSync, readFileSync } from 'node:fs';
import type { ConfiguredWebhookSender, WebhookSender } from 'nestjs-webhooks';

/** The environment as read: variable names to raw values. */
export type Env = Readonly<Record<string, string | undefined>>;

/** What a sender's environment mapping reads, by name: only the variables it declares. */
export interface SenderEnvReader<Variable extends string = string> {
  /**
   * A secret that may hold several comma-separated values, accepted together during rotation
   * (trimmed, blanks dropped); undefined when it holds none. A short part is warned about.
   */
  secrets(name: Variable): string[] | undefined;
  /** One value, trimmed; undefined when unset or blank. */
  value(name: Variable): string | undefined;
  /** PEM text (one or several blocks, `\n` escapes allowed for one-line .env files), or a path to a PEM file. */
  pem(name: Variable): string | undefined;
}

/** How the receiver's environment switches one sender on, with which credentials. */
export interface SenderEnv<Variable extends string = string, Credentials = unknown> {
  /** The library's definition this configures; its id names the sender in the startup lines. */
  readonly sender: WebhookSender<string, Credentials>;
  /** Every variable it reads: the receiver's list of variables is made of these. */
  readonly variables: readonly Variable[];
  /** What "<id> is off: set <off> to switch it on" asks for. Default: its variables, joined with " + ". */
  readonly off?: string;
  /** The sender with its credentials, or undefined when its variables leave it off. */
  fromEnv(env: SenderEnvReader<Variable>): ConfiguredWebhookSender<Credentials> | undefined;
}

/** Checks a mapping's variable names and credentials against its sender (it only reads what it declares). */
export function defineSenderEnv<const Variable extends string, Credentials>(
  spec: SenderEnv<Variable, Credentials>,
): SenderEnv<Variable, Credentials> {
  return Object.freeze({ ...spec });
}

/** Below this, a part of a comma-separated secret looks like the tail of one secret cut at a comma. */
export const SHORT_SECRET_PART = 16;

/**
 * Reads variables for the senders' mappings; `warnings` collects lines to log at startup, which
 * name variables, never values.
 */
export function envReader(env: Env, warnings: string[] = []): SenderEnvReader {
  return {
    // Several comma-separated values are a rotation list: that is the documented contract, so a
    // secret that itself holds a comma is split too, and each part alone is accepted. A short part
    // is the sign of that, and worth a warning.
    secrets(name) {
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
    },
    value(name) {
      return env[name]?.trim() || undefined;
    },
    pem(name) {
      const value = env[name]?.trim();
      if (!value) return undefined;
      if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
      if (existsSync(value)) return readFileSync(value, 'utf8');
      // Neither PEM nor a file: hand it on, so the module fails at startup naming the option.
      return value;
    },
  };
}
