import { describe, expect, it } from '@jest/globals';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import { GithubWebhookDto } from './github.dto.js';
import { GithubWebhookGuard } from './github.guard.js';
import { GITHUB_SAMPLE } from './github.sample.js';
import { githubSender } from './github.sender.js';
import { validatePayload } from '../../dto/validate.js';
import { ACCEPTED, type HeaderBag } from '../../schemes/scheme.types.js';
import { WebhookPayloadException } from '../../webhooks.exception.js';
import { WebhookGuard } from '../../webhooks.guard.js';
import {
  EVENT_TYPE_PATTERN,
  idempotencyKeyOf,
  type WebhookDeliveryContext,
  type WebhookSenderCliInput,
} from '../../webhooks.sender.js';

const DELIVERY = '72d3162e-cc78-11e3-81ab-4c9367dc0958';
const ctx = (headers: HeaderBag): WebhookDeliveryContext => ({
  rawBody: Buffer.alloc(0),
  headers,
  verification: ACCEPTED,
});
const typeOf = (payload: object, headers: HeaderBag) =>
  githubSender.eventType === 'route' ? undefined : githubSender.eventType(payload, ctx(headers));
const keyOf = (headers: HeaderBag) =>
  idempotencyKeyOf(githubSender.id, githubSender.idempotencyKey({}, ctx(headers)));

/** The 400 a sender's function answers, checked for its status, reason and message. */
function expectBadRequest(run: () => unknown, message: string) {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(WebhookPayloadException);
  const exception = thrown as WebhookPayloadException;
  expect(exception.getStatus()).toBe(400);
  expect(exception.reason).toBe('invalid-payload');
  expect(exception.getResponse()).toMatchObject({ message });
}

describe('githubSender', () => {
  it('is GitHub, redacting both signature headers', () => {
    expect(githubSender.id).toBe('github');
    expect(githubSender.title).toBe('GitHub');
    expect(githubSender.credentialHeaders).toEqual(['x-hub-signature-256', 'x-hub-signature']);
    expect(githubSender.dto).toBe(GithubWebhookDto);
    expect(new GithubWebhookGuard({} as never, {} as never)).toBeInstanceOf(WebhookGuard);
  });

  describe('event type', () => {
    it.each([
      ['issues', { action: 'opened' }, 'issues.opened'],
      ['pull_request_review', { action: 'submitted' }, 'pull_request_review.submitted'],
      ['push', { ref: 'refs/heads/main' }, 'push'],
      ['ping', { zen: 'Design for failure.', hook_id: 1 }, 'ping'],
      // Only a string action refines the event; anything else is left to the DTO.
      ['issues', { action: null }, 'issues'],
    ])('names %s with %j as %s', (event, payload, expected) => {
      const type = typeOf(payload, { 'x-github-event': event });
      expect(type).toBe(expected);
      expect(type).toMatch(EVENT_TYPE_PATTERN);
    });

    it('reads the header however it is spelled or held', () => {
      expect(typeOf({ action: 'opened' }, { 'X-GitHub-Event': 'issues' })).toBe('issues.opened');
      expect(typeOf({ action: 'opened' }, { 'x-github-event': ['issues'] })).toBe('issues.opened');
    });

    it.each([
      ['absent', {}],
      ['empty', { 'x-github-event': '' }],
      ['upper-case', { 'x-github-event': 'Issues' }],
      ['dotted', { 'x-github-event': 'issues.opened' }],
      ['with a space', { 'x-github-event': 'pull request' }],
      ['61 characters long', { 'x-github-event': 'a'.repeat(61) }],
      ['repeated', { 'x-github-event': ['issues', 'push'] }],
    ] as [string, HeaderBag][])('answers 400 when X-GitHub-Event is %s', (_what, headers) => {
      expectBadRequest(
        () => typeOf({ action: 'opened' }, headers),
        'X-GitHub-Event header is missing or invalid',
      );
    });

    it('accepts a 60-character event name', () => {
      expect(typeOf({}, { 'x-github-event': 'a'.repeat(60) })).toBe('a'.repeat(60));
    });
  });

  describe('idempotency key', () => {
    it('is the X-GitHub-Delivery GUID, whatever the payload', () => {
      expect(keyOf({ 'x-github-delivery': DELIVERY })).toBe(`github:${DELIVERY}`);
      expect(keyOf({ 'X-GitHub-Delivery': [DELIVERY] })).toBe(`github:${DELIVERY}`);
      const other = githubSender.idempotencyKey(
        GITHUB_SAMPLE.payload,
        ctx({ 'x-github-delivery': DELIVERY }),
      );
      expect(other).toEqual([DELIVERY]);
    });

    it('takes delivery ids up to 100 characters', () => {
      expect(keyOf({ 'x-github-delivery': 'd'.repeat(100) })).toBe(`github:${'d'.repeat(100)}`);
    });

    it('answers 400 without one', () => {
      expectBadRequest(() => keyOf({}), 'X-GitHub-Delivery header is missing');
      expectBadRequest(() => keyOf({ 'x-github-delivery': ' ' }), 'X-GitHub-Delivery header is missing');
    });

    it('answers 400 for one longer than 100 characters, or repeated', () => {
      expectBadRequest(
        () => keyOf({ 'x-github-delivery': 'd'.repeat(101) }),
        'X-GitHub-Delivery header is invalid',
      );
      expectBadRequest(
        () => keyOf({ 'x-github-delivery': [DELIVERY, 'another'] }),
        'X-GitHub-Delivery header is invalid',
      );
    });
  });

  describe('sample', () => {
    it('passes the DTO and is named issues.opened from its headers', () => {
      const validated = validatePayload(githubSender.dto, GITHUB_SAMPLE.payload);
      expect(validated.ok).toBe(true);
      expect(typeOf(GITHUB_SAMPLE.payload, GITHUB_SAMPLE.headers!)).toBe('issues.opened');
    });

    it('goes through verification, naming and keying once signed, as the CLI sends it', () => {
      const body = Buffer.from(JSON.stringify(GITHUB_SAMPLE.payload));
      const signed = githubSender.sign(body, { secret: 'sample-secret' });
      const headers = Object.fromEntries(
        Object.entries({ ...GITHUB_SAMPLE.headers, ...signed }).map(([name, value]) => [
          name.toLowerCase(),
          value,
        ]),
      );
      expect(githubSender.verifier({ secret: 'sample-secret' }, 'senders.github')(body, headers)).toEqual({
        ok: true,
      });
      expect(typeOf(GITHUB_SAMPLE.payload, headers)).toBe('issues.opened');
      expect(keyOf(headers)).toBe(`github:${signed['X-GitHub-Delivery']}`);
    });
  });

  describe('cli', () => {
    const input = (values: Record<string, string | undefined>): WebhookSenderCliInput => ({
      need: (flag) => {
        const value = values[flag];
        if (value === undefined) throw new Error(`needs --${flag}`);
        return value;
      },
      from: (flag) => (values[flag] === undefined ? undefined : 'flag'),
      option: (name) => values[name],
      usage: (message) => new Error(message),
    });

    it('declares its secret, and the event and delivery it lets one choose', () => {
      expect(githubSender.cli?.credentials.secret?.env).toBe('GITHUB_WEBHOOK_SECRET');
      expect(Object.keys(githubSender.cli?.options ?? {}).sort()).toEqual(['delivery', 'event']);
    });

    it('signs with the flags given, which @octokit/webhooks-methods verifies', async () => {
      const signing = githubSender.cli!.signing(
        input({ secret: 's3cr3t', event: 'push', delivery: DELIVERY }),
      );
      expect(signing).toEqual({ secret: 's3cr3t', event: 'push', delivery: DELIVERY });
      const signed = githubSender.sign('{"ref":"refs/heads/main"}', signing);
      expect(signed['X-GitHub-Event']).toBe('push');
      expect(signed['X-GitHub-Delivery']).toBe(DELIVERY);
      expect(await octokitVerify('s3cr3t', '{"ref":"refs/heads/main"}', signed['X-Hub-Signature-256']!)).toBe(
        true,
      );
    });

    it("leaves the event to the sample's headers and makes a delivery id when neither is given", () => {
      const signing = githubSender.cli!.signing(input({ secret: 's3cr3t' }));
      const signed = githubSender.sign('{}', signing);
      expect(signed).not.toHaveProperty('X-GitHub-Event');
      expect(signed['X-GitHub-Delivery']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('refuses to sign without a secret', () => {
      expect(() => githubSender.cli!.signing(input({}))).toThrow('needs --secret');
    });
  });
});
