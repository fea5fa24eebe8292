import { describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { validatePayload } from '../../dto/validate.js';
import { ACCEPTED } from '../../schemes/scheme.types.js';
import { WebhookPayloadException } from '../../webhooks.exception.js';
import {
  EVENT_TYPE_PATTERN,
  idempotencyKeyOf,
  type WebhookDeliveryContext,
  type WebhookSenderCliInput,
} from '../../webhooks.sender.js';
import { StandardWebhookDto } from './standard.dto.js';
import { StandardWebhookGuard } from './standard.guard.js';
import { STANDARD_SAMPLE } from './standard.sample.js';
import { standardSender } from './standard.sender.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const context = (headers: WebhookDeliveryContext['headers']): WebhookDeliveryContext => ({
  rawBody: Buffer.alloc(0),
  headers,
  verification: ACCEPTED,
});
const payloadOf = (plain: object) => {
  const result = validatePayload(StandardWebhookDto, plain);
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.value;
};

describe('standardSender', () => {
  it('is named and redacts the signature only', () => {
    expect(standardSender.id).toBe('standard');
    expect(standardSender.title).toBe('Standard Webhooks');
    expect(standardSender.credentialHeaders).toEqual(['webhook-signature']);
    expect(standardSender.dto).toBe(StandardWebhookDto);
    expect(standardSender.sample).toBe(STANDARD_SAMPLE);
    expect(typeof StandardWebhookGuard).toBe('function');
  });

  it("has the specification's example as its sample, valid, with a dotted event type", () => {
    const payload = payloadOf(STANDARD_SAMPLE.payload);
    expect(STANDARD_SAMPLE.payload).toEqual({
      type: 'contact.created',
      timestamp: '2022-11-03T20:26:10.344522Z',
      data: { id: '1f81eb52-5198-4599-803e-771906343485', type: 'contact' },
    });
    const type = (standardSender.eventType as (p: StandardWebhookDto, c: WebhookDeliveryContext) => string)(
      payload,
      context({}),
    );
    expect(type).toBe('contact.created');
    expect(EVENT_TYPE_PATTERN.test(type)).toBe(true);
  });

  it('keys deliveries by webhook-id, the same on every retry', () => {
    const payload = payloadOf(STANDARD_SAMPLE.payload);
    const key = (headers: WebhookDeliveryContext['headers']) =>
      idempotencyKeyOf('standard', standardSender.idempotencyKey(payload, context(headers)));
    expect(key({ 'webhook-id': 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W' })).toBe(
      'standard:msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
    );
    expect(key({ 'webhook-id': ['msg_1'] })).toBe('standard:msg_1');
    expect(key({ 'webhook-id': 'a:b' })).not.toBe(key({ 'webhook-id': 'a%3Ab' }));
    // The payload does not take part: two events of one type are two deliveries.
    expect(key({ 'webhook-id': 'msg_1' })).not.toBe(key({ 'webhook-id': 'msg_2' }));
  });

  it('answers 400 when webhook-id is absent or repeated (a route without the verifier in front)', () => {
    const payload = payloadOf(STANDARD_SAMPLE.payload);
    expect(() => standardSender.idempotencyKey(payload, context({}))).toThrow(WebhookPayloadException);
    expect(() => standardSender.idempotencyKey(payload, context({ 'webhook-id': ['a', 'b'] }))).toThrow(
      'webhook-id header is repeated',
    );
  });

  it('signs the sample so that its verifier and the standardwebhooks package accept it', () => {
    const body = JSON.stringify(STANDARD_SAMPLE.payload);
    const headers = standardSender.sign(body, { secret: SECRET });
    const verify = standardSender.verifier({ secret: SECRET }, 'senders.standard');
    expect(verify(Buffer.from(body), headers)).toEqual({ ok: true });
    expect(new Webhook(SECRET).verify(body, headers)).toEqual(STANDARD_SAMPLE.payload);
  });

  it('names its options after the path it is configured under', () => {
    expect(() => standardSender.verifier({}, 'senders.acme')).toThrow('"senders.acme.secret"');
  });

  it('signs from the CLI with the secret it is given', () => {
    const cli = standardSender.cli!;
    expect(cli.credentials.secret).toMatchObject({ env: 'STANDARD_WEBHOOKS_SECRET', arg: '<whsec_...>' });
    const asked: string[] = [];
    const input = {
      need: (flag: string) => {
        asked.push(flag);
        return SECRET;
      },
    } as unknown as WebhookSenderCliInput;
    expect(cli.signing(input)).toEqual({ secret: SECRET });
    expect(asked).toEqual(['secret']);
  });
});
