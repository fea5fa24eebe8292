import { readHeader } from '../../schemes/headers.js';
import { WebhookPayloadException } from '../../webhooks.exception.js';
import { defineWebhookSender, type WebhookDeliveryContext } from '../../webhooks.sender.js';
import { GithubWebhookDto } from './github.dto.js';
import { GITHUB_SAMPLE } from './github.sample.js';
import {
  createGithubVerifier,
  GITHUB_DELIVERY_HEADER,
  GITHUB_EVENT_HEADER,
  GITHUB_HEADER,
  GITHUB_LEGACY_HEADER,
  signGithub,
  type GithubCredentials,
  type GithubSigning,
} from './github.scheme.js';

/** GitHub's event names (`issues`, `pull_request_review`) are lower-case words; 60 is ample. */
const EVENT_NAME = /^[a-z0-9_]{1,60}$/;
/** GitHub's delivery ids are GUIDs (36 characters); a longer value is not one of them. */
const MAX_DELIVERY_LENGTH = 100;

function eventType(payload: GithubWebhookDto, { headers }: WebhookDeliveryContext): string {
  const event = readHeader(headers, GITHUB_EVENT_HEADER);
  if (event.kind !== 'value' || !EVENT_NAME.test(event.value)) {
    throw new WebhookPayloadException(
      'invalid-payload',
      `${GITHUB_EVENT_HEADER} header is missing or invalid`,
    );
  }
  // Every action a level of its own: `github.issues.*` hears each action, `github.issues.opened` one.
  return typeof payload.action === 'string' ? `${event.value}.${payload.action}` : event.value;
}

function idempotencyKey(_payload: GithubWebhookDto, { headers }: WebhookDeliveryContext): string[] {
  const delivery = readHeader(headers, GITHUB_DELIVERY_HEADER);
  if (delivery.kind === 'absent') {
    throw new WebhookPayloadException('invalid-payload', `${GITHUB_DELIVERY_HEADER} header is missing`);
  }
  if (delivery.kind === 'invalid' || delivery.value.length > MAX_DELIVERY_LENGTH) {
    throw new WebhookPayloadException('invalid-payload', `${GITHUB_DELIVERY_HEADER} header is invalid`);
  }
  return [delivery.value];
}

/**
 * GitHub: HMAC-SHA256 of the raw body in `X-Hub-Signature-256`; the event in `X-GitHub-Event`,
 * refined by the payload's `action` (`github.issues.opened`); one `X-GitHub-Delivery` per delivery.
 */
export const githubSender = defineWebhookSender({
  id: 'github',
  title: 'GitHub',
  credentialHeaders: [GITHUB_HEADER, GITHUB_LEGACY_HEADER],
  verifier: (credentials: GithubCredentials, optionPath) => createGithubVerifier(credentials, optionPath),
  sign: (body, signing: GithubSigning) => signGithub(body, signing),
  dto: GithubWebhookDto,
  eventType,
  // A redelivery keeps its GUID, so a retry is recognized whatever its body.
  idempotencyKey,
  sample: GITHUB_SAMPLE,
  cli: {
    credentials: {
      secret: { env: 'GITHUB_WEBHOOK_SECRET', arg: '<secret>', help: "the webhook's secret" },
    },
    options: {
      event: { type: 'string', arg: '<name>', help: "X-GitHub-Event (default: the sample's)" },
      delivery: { type: 'string', arg: '<guid>', help: 'X-GitHub-Delivery (default: a new UUID)' },
    },
    signing: (input) => ({
      secret: input.need('secret'),
      event: input.option('event') as string | undefined,
      delivery: input.option('delivery') as string | undefined,
    }),
  },
});
