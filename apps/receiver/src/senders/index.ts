import { CertificallHandler } from './certificall/certificall.handler.js';
import { certificallEnv } from './certificall/certificall.env.js';
import { GithubHandler } from './github/github.handler.js';
import { githubEnv } from './github/github.env.js';
import { IllowHandler } from './illow/illow.handler.js';
import { illowEnv } from './illow/illow.env.js';
import { InkitHandler } from './inkit/inkit.handler.js';
import { inkitEnv } from './inkit/inkit.env.js';
import { OvcodeHandler } from './ovcode/ovcode.handler.js';
import { ovcodeEnv } from './ovcode/ovcode.env.js';
import { OxskytHandler } from './oxskyt/oxskyt.handler.js';
import { oxskytEnv } from './oxskyt/oxskyt.env.js';
import { StandardHandler } from './standard/standard.handler.js';
import { standardEnv } from './standard/standard.env.js';
import { StripeHandler } from './stripe/stripe.handler.js';
import { stripeEnv } from './stripe/stripe.env.js';

/** One sender of the receiver. */
export interface ReceiverSender {
  readonly env: (typeof RECEIVER_SENDERS)[number]['env'];
  readonly handler: (typeof RECEIVER_SENDERS)[number]['handler'];
  /**
   * Request headers its handler reads. The delivery log keeps bodies, never headers, so a delivery
   * of such a sender can be replayed only while the queue still holds it.
   */
  readonly headers?: readonly string[];
}

/**
 * The receiver's senders, one line each: how its variables configure it, and the handler that
 * files its events as records (each record's table is in the same folder, listed by the database
 * in database/records.ts). Their order is the order of the startup lines.
 */
export const RECEIVER_SENDERS = [
  { env: oxskytEnv, handler: OxskytHandler },
  { env: inkitEnv, handler: InkitHandler },
  { env: ovcodeEnv, handler: OvcodeHandler },
  { env: certificallEnv, handler: CertificallHandler },
  { env: illowEnv, handler: IllowHandler },
  { env: githubEnv, handler: GithubHandler, headers: GithubHandler.HEADERS },
  { env: stripeEnv, handler: StripeHandler },
  { env: standardEnv, handler: StandardHandler, headers: StandardHandler.HEADERS },
] as const;

/** The receiver's sender with this id, if it has one. */
export function receiverSender(id: string): ReceiverSender | undefined {
  return RECEIVER_SENDERS.find(({ env }) => env.sender.id === id);
}

/** Every variable the senders read. */
export type SenderVariable = (typeof RECEIVER_SENDERS)[number]['env']['variables'][number];

export const SENDER_VARIABLES: readonly SenderVariable[] = RECEIVER_SENDERS.flatMap(
  ({ env }) => env.variables,
);
