import { defineWebhookSender } from '../../webhooks.sender.js';
import { IllowWebhookDto } from './illow.dto.js';
import { ILLOW_SAMPLE } from './illow.sample.js';
import { createIllowVerifier, ILLOW_HEADER, signIllow, type IllowCredentials } from './illow.scheme.js';

/**
 * illow: an RSA-SHA1 signature in `illow-signature`. The body names no event: one callback URL is
 * registered per event, so the type is the route's last segment (`POST /webhooks/illow/DSR_CREATED`).
 */
export const illowSender = defineWebhookSender({
  id: 'illow',
  title: 'illow',
  credentialHeaders: [ILLOW_HEADER],
  verifier: (credentials: IllowCredentials, optionPath) => createIllowVerifier(credentials, optionPath),
  sign: (body, signing: { privateKey: string }) => signIllow(body, signing),
  dto: IllowWebhookDto,
  eventType: 'route',
  idempotencyKey: (payload) => [payload.idempotencyKey],
  sample: ILLOW_SAMPLE,
  cli: {
    credentials: {
      'private-key': {
        env: 'ILLOW_PRIVATE_KEY',
        arg: '<file>',
        help: 'RSA private key, a PEM file',
        key: true,
      },
    },
    signing: (input) => {
      const privateKey = input.need('private-key');
      return { privateKey };
    },
  },
});
