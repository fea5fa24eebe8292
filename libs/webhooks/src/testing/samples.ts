import { BUILT_IN_SENDERS } from '../senders/index.js';
import { ILLOW_SAMPLE } from '../senders/illow/illow.sample.js';

type BuiltInId = (typeof BUILT_IN_SENDERS)[number]['id'];

/**
 * One realistic body per built-in sender, shaped as each vendor's page documents it (each
 * definition's `sample`), so tests and the CLI exercise validation as a real delivery would.
 */
export const SAMPLE_PAYLOADS: Readonly<Record<BuiltInId, object>> = Object.fromEntries(
  BUILT_IN_SENDERS.map((sender) => [sender.id, sender.sample.payload]),
) as Record<BuiltInId, object>;

/** illow names the event only in the callback URL; this is the one its page documents. */
export const DEFAULT_ILLOW_EVENT = ILLOW_SAMPLE.event as string;
