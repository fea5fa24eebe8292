import { createHash } from 'node:crypto';
import { compactJson } from '../../schemes/credentials.js';
import { defineWebhookSender } from '../../webhooks.sender.js';
import { OxskytReportDto } from './oxskyt.dto.js';
import { OXSKYT_SAMPLE } from './oxskyt.sample.js';
import { createOxskytVerifier, OXSKYT_HEADER, signOxskyt, type OxskytCredentials } from './oxskyt.scheme.js';

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** OxsKYT: one event, a SHA-256 of the body and the hashed secret in `x-signature`. */
export const oxskytSender = defineWebhookSender({
  id: 'oxskyt',
  title: 'OxsKYT',
  credentialHeaders: [OXSKYT_HEADER],
  verifier: (credentials: OxskytCredentials, optionPath) => createOxskytVerifier(credentials, optionPath),
  sign: (body, signing: { secret: string }) => signOxskyt(body, signing),
  dto: OxskytReportDto,
  eventTypes: ['REPORT_GENERATED'],
  eventType: () => 'REPORT_GENERATED',
  // The report structure is not public, so only what was signed identifies a delivery: the
  // compact form when only it verified, else re-spaced copies of one signature would each run.
  // That form is rebuilt on this rare path only, as the verifier built it, not kept per delivery.
  idempotencyKey: (_payload, { rawBody, verification }) => [
    sha256Hex(verification.viaFallback ? (compactJson(rawBody) ?? rawBody) : rawBody),
  ],
  sample: OXSKYT_SAMPLE,
  cli: {
    credentials: { secret: { env: 'OXSKYT_WEBHOOK_SECRET', arg: '<secret>', help: 'the shared secret' } },
    signing: (input) => ({ secret: input.need('secret') }),
  },
});
