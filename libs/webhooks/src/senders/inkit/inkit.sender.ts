import { defineWebhookSender } from '../../webhooks.sender.js';
import { InkitEventType, InkitWebhookDto } from './inkit.dto.js';
import { INKIT_SAMPLE } from './inkit.sample.js';
import { createInkitVerifier, INKIT_HEADER, signInkit, type InkitCredentials } from './inkit.scheme.js';

/**
 * The window of Inkit's access events, which carry no delivery id and truly happen again for one
 * resource (a PDF or a magic link opened twice), so that a real second event is not dropped as a
 * retry. Long enough for a near-simultaneous double send and for a retry after a lost reply: no
 * vendor documents its timeout or retry policy, and 60 s is the lease too, so a retry is absorbed
 * for as long after completion as it is answered 409 after the claim. Change it per event with
 * `idempotency.ttlByEvent`.
 */
export const INKIT_REPEATABLE_EVENT_TTL_MS = 60 * 1000;

const REPEATABLE = [
  InkitEventType.DocumentPdfAccess,
  InkitEventType.MagicLinkAccess,
  InkitEventType.MagicLinkAccessFailed,
  InkitEventType.RenderMetadataAccess,
] as const;

/** Inkit: HMAC-SHA256 of the raw body in `Inkit-Signature`; the event type is in the payload. */
export const inkitSender = defineWebhookSender({
  id: 'inkit',
  title: 'Inkit',
  credentialHeaders: [INKIT_HEADER],
  verifier: (credentials: InkitCredentials, optionPath) => createInkitVerifier(credentials, optionPath),
  sign: (body, signing: { secret: string }) => signInkit(body, signing),
  dto: InkitWebhookDto,
  eventTypes: Object.values(InkitEventType) as `${InkitEventType}`[],
  eventType: (payload) => payload.event_type,
  idempotencyKey: (payload) => [payload.event_type, payload.resource_id],
  ttlByEvent: Object.fromEntries(REPEATABLE.map((type) => [type, INKIT_REPEATABLE_EVENT_TTL_MS])),
  sample: INKIT_SAMPLE,
  cli: {
    credentials: { secret: { env: 'INKIT_WEBHOOK_SECRET', arg: '<secret>', help: 'the shared secret' } },
    signing: (input) => ({ secret: input.need('secret') }),
  },
});
