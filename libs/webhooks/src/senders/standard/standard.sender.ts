import { readHeader } from '../../schemes/headers.js';
import { WebhookPayloadException } from '../../webhooks.exception.js';
import { defineWebhookSender } from '../../webhooks.sender.js';
import { StandardWebhookDto } from './standard.dto.js';
import { STANDARD_SAMPLE } from './standard.sample.js';
import {
  createStandardWebhooksVerifier,
  signStandardWebhook,
  STANDARD_WEBHOOK_ID_HEADER,
  STANDARD_WEBHOOK_SIGNATURE_HEADER,
  type StandardWebhooksCredentials,
  type StandardWebhooksSigning,
} from './standard.scheme.js';

/**
 * Any producer following the Standard Webhooks specification: `webhook-id`, `webhook-timestamp`
 * and `webhook-signature` headers, `v1` (HMAC-SHA256) or `v1a` (ed25519) signatures of
 * `<id>.<timestamp>.<body>`, and a payload naming its event in `type` (`invoice.paid`). Serve
 * several producers each under its own id: `standardSender.as('acme')`.
 */
export const standardSender = defineWebhookSender({
  id: 'standard',
  title: 'Standard Webhooks',
  // The id and the timestamp are signed, not secret: left visible in events and logs.
  credentialHeaders: [STANDARD_WEBHOOK_SIGNATURE_HEADER],
  verifier: (credentials: StandardWebhooksCredentials, optionPath) =>
    createStandardWebhooksVerifier(credentials, optionPath),
  sign: (body, signing: StandardWebhooksSigning) => signStandardWebhook(body, signing),
  dto: StandardWebhookDto,
  eventType: (payload) => payload.type,
  // The specification's idempotency key: the same on every retry, and covered by the signature.
  idempotencyKey: (_payload, { headers }) => {
    const id = readHeader(headers, STANDARD_WEBHOOK_ID_HEADER);
    if (id.kind !== 'value') {
      const why = id.kind === 'absent' ? 'missing' : id.why;
      throw new WebhookPayloadException('invalid-payload', `${STANDARD_WEBHOOK_ID_HEADER} header is ${why}`);
    }
    return [id.value];
  },
  sample: STANDARD_SAMPLE,
  cli: {
    credentials: {
      secret: {
        env: 'STANDARD_WEBHOOKS_SECRET',
        arg: '<whsec_...>',
        help: 'the endpoint\'s signing secret, "whsec_" and base64 (v1, HMAC-SHA256)',
      },
    },
    signing: (input) => ({ secret: input.need('secret') }),
  },
});
