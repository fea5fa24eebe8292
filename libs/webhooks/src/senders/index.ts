import { certificallSender } from './certificall/certificall.sender.js';
import { githubSender } from './github/github.sender.js';
import { illowSender } from './illow/illow.sender.js';
import { inkitSender } from './inkit/inkit.sender.js';
import { ovcodeSender } from './ovcode/ovcode.sender.js';
import { oxskytSender } from './oxskyt/oxskyt.sender.js';
import { standardSender } from './standard/standard.sender.js';
import { stripeSender } from './stripe/stripe.sender.js';

/**
 * The senders that ship with the library, written with the public `defineWebhookSender` like a
 * user's own. Everything that lists senders (the CLI, `testing`, typed handler names, the
 * redaction of their headers even where they are not configured) reads this list.
 */
export const BUILT_IN_SENDERS = [
  oxskytSender,
  inkitSender,
  ovcodeSender,
  certificallSender,
  illowSender,
  githubSender,
  stripeSender,
  standardSender,
] as const;

/** The built-ins by id, as typed handler names see them. */
export type BuiltInWebhookSenders = { [S in (typeof BUILT_IN_SENDERS)[number] as S['id']]: S };
