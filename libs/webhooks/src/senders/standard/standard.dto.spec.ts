import { describe, expect, it } from '@jest/globals';
import { StandardWebhookDto } from './standard.dto.js';
import { errorsOf, valueOf } from '../../dto/dto.spec-helpers.js';

// The specification's "contact.created" full payload ("Thin" vs "full" payloads).
const sample = (): Record<string, unknown> => ({
  type: 'contact.created',
  timestamp: '2022-11-03T20:26:10.344522Z',
  data: {
    id: '1f81eb52-5198-4599-803e-771906343485',
    type: 'contact',
    fullName: 'John Smith',
    address: '800 W NASA Pkwy, Webster, TX 77598, USA',
    phoneNumber: '(281) 332-2575',
    birthday: '1980-04-19',
    occupation: 'Engineer, ACME',
  },
});

describe('StandardWebhookDto', () => {
  it("accepts the specification's example payloads, keeping data whole", async () => {
    const value = await valueOf(StandardWebhookDto, sample());
    expect(value).toBeInstanceOf(StandardWebhookDto);
    expect(value.type).toBe('contact.created');
    expect(value.timestamp).toBe('2022-11-03T20:26:10.344522Z');
    expect(value.data).toEqual(sample().data);
    const example = {
      type: 'example.event',
      timestamp: '2022-11-03T20:26:10.344522Z',
      data: { foo: 'bar', fizzbuzz: 2 },
    };
    expect((await valueOf(StandardWebhookDto, example)).data).toEqual({ foo: 'bar', fizzbuzz: 2 });
  });

  it.each(['invoice.paid', 'user', 'a.b.c.d', 'payment_intent.succeeded', 'user-profile.updated_v2'])(
    'accepts the type %s',
    async (type) => {
      expect((await valueOf(StandardWebhookDto, { ...sample(), type })).type).toBe(type);
    },
  );

  it.each(['2022-11-03T20:26:10Z', '2022-11-03T20:26:10.344+02:00', '2022-11-03'])(
    'accepts the ISO 8601 timestamp %s',
    async (timestamp) => {
      expect((await valueOf(StandardWebhookDto, { ...sample(), timestamp })).timestamp).toBe(timestamp);
    },
  );

  it.each(['type', 'timestamp', 'data'])('names %s when it is missing', async (field) => {
    const plain = sample();
    delete plain[field];
    const errors = await errorsOf(StandardWebhookDto, plain);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error.startsWith(`${field} `)).toBe(true);
  });

  it.each([
    [
      'an empty type',
      { type: '' },
      'type must be words of [A-Za-z0-9_-] joined by dots, 100 characters at most',
    ],
    ['a type with a space', { type: 'user created' }, 'type must be words'],
    ['a type with an empty level', { type: 'user..created' }, 'type must be words'],
    ['a type of 101 characters', { type: 'a'.repeat(101) }, 'type must be words'],
    ['a numeric type', { type: 42 }, 'type must be a string'],
    ['a Unix timestamp', { timestamp: 1667507170 }, 'timestamp must be a valid ISO 8601 date string'],
    ['a timestamp in words', { timestamp: 'yesterday' }, 'timestamp must be a valid ISO 8601 date string'],
    ['data as an array', { data: [{ id: 1 }] }, 'data must be an object'],
    ['data as a string', { data: '{"id":1}' }, 'data must be an object'],
    ['null data', { data: null }, 'data must be an object'],
  ])('refuses %s', async (_what, change, message) => {
    const errors = await errorsOf(StandardWebhookDto, { ...sample(), ...change });
    expect(errors.some((error) => error.startsWith(message))).toBe(true);
  });

  it('keeps metadata added at the top level', async () => {
    const value = (await valueOf(StandardWebhookDto, {
      ...sample(),
      version: 2,
      account: { id: 'acct_1' },
    })) as StandardWebhookDto & Record<string, unknown>;
    expect(value.version).toBe(2);
    expect(value.account).toEqual({ id: 'acct_1' });
  });
});
