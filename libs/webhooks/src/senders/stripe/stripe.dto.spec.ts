import { describe, expect, it } from '@jest/globals';
import { StripeEventDataDto, StripeEventDto, StripeEventRequestDto } from './stripe.dto.js';
import { STRIPE_SAMPLE } from './stripe.sample.js';
import { errorsOf, valueOf } from '../../dto/dto.spec-helpers.js';
import { MAX_IDENTIFIER_LENGTH } from '../../dto/identifier.js';

// A deep copy in this realm: structuredClone would build it under another Object.prototype.
const sample = (): Record<string, any> => JSON.parse(JSON.stringify(STRIPE_SAMPLE.payload));

// Stripe's documented Event example (https://docs.stripe.com/api/events/object), its data trimmed.
const DOCUMENTED_EXAMPLE = {
  id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
  object: 'event',
  api_version: '2019-02-19',
  created: 1686089970,
  data: {
    object: {
      id: 'seti_1NG8Du2eZvKYlo2C9XMqbR0x',
      object: 'setup_intent',
      payment_method_types: ['acss_debit'],
      status: 'requires_confirmation',
    },
  },
  livemode: false,
  pending_webhooks: 0,
  request: { id: null, idempotency_key: null },
  type: 'setup_intent.created',
};

describe('StripeEventDto', () => {
  it('accepts the sample, a payment_intent.succeeded event', async () => {
    const value = await valueOf(StripeEventDto, sample());
    expect(value).toBeInstanceOf(StripeEventDto);
    expect(value.type).toBe('payment_intent.succeeded');
    expect(value.data).toBeInstanceOf(StripeEventDataDto);
    expect(value.data.object).toMatchObject({ id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa', status: 'succeeded' });
    expect(value.request).toBeInstanceOf(StripeEventRequestDto);
  });

  it("accepts Stripe's documented example: an automatic event, requested by nobody", async () => {
    const value = await valueOf(StripeEventDto, DOCUMENTED_EXAMPLE);
    expect(value.request).toEqual({ id: null, idempotency_key: null });
  });

  it('accepts the optional and nullable fields absent or null', async () => {
    const plain = sample();
    delete plain.api_version;
    delete plain.pending_webhooks;
    delete plain.request;
    await valueOf(StripeEventDto, plain);
    await valueOf(StripeEventDto, { ...sample(), api_version: null, request: null, account: null });
  });

  it('accepts the request id alone, as API versions before 2017-05-25 send it', async () => {
    expect((await valueOf(StripeEventDto, { ...sample(), request: 'req_6xw3YexEO5Lvbq' })).request).toBe(
      'req_6xw3YexEO5Lvbq',
    );
  });

  it('accepts a Connect event with its account, and an *.updated event with previous_attributes', async () => {
    const plain = {
      ...sample(),
      type: 'customer.subscription.updated',
      account: 'acct_1032D82eZvKYlo2C',
      data: { object: { id: 'sub_1', status: 'active' }, previous_attributes: { status: 'trialing' } },
    };
    const value = await valueOf(StripeEventDto, plain);
    expect(value.account).toBe('acct_1032D82eZvKYlo2C');
    expect(value.data.previous_attributes).toEqual({ status: 'trialing' });
  });

  it('accepts any type Stripe names, however many dots', async () => {
    for (const type of [
      'charge.dispute.funds_reinstated',
      'v1.billing.meter.error_report_triggered',
      'ping',
    ]) {
      expect((await valueOf(StripeEventDto, { ...sample(), type })).type).toBe(type);
    }
  });

  it('keeps fields Stripe adds, at the top and inside data', async () => {
    const plain: Record<string, any> = { ...sample(), context: 'acct_1:ctx', brand_new: { x: 1 } };
    plain.data.object.amount_details = { tip: {} };
    const value = (await valueOf(StripeEventDto, plain)) as StripeEventDto & Record<string, unknown>;
    expect(value.context).toBe('acct_1:ctx');
    expect(value.brand_new).toEqual({ x: 1 });
    expect(value.data.object.amount_details).toEqual({ tip: {} });
    expect(value.data.object.metadata).toEqual({});
  });

  it.each(['id', 'object', 'type', 'created', 'livemode', 'data'])(
    'names %s when it is missing',
    async (field) => {
      const plain = sample();
      delete plain[field];
      const errors = await errorsOf(StripeEventDto, plain);
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) expect(error.startsWith(`${field} `)).toBe(true);
    },
  );

  it('names data.object when it is missing or not an object', async () => {
    for (const object of [undefined, null, 'pi_1', ['pi_1']]) {
      expect(await errorsOf(StripeEventDto, { ...sample(), data: { object } })).toEqual([
        'data.object must be an object',
      ]);
    }
  });

  it('refuses wrong types, naming each field', async () => {
    const plain = {
      ...sample(),
      id: 42,
      object: 'payment_intent',
      type: 'payment intent succeeded',
      created: '1680800510',
      livemode: 'false',
      api_version: 20240620,
      pending_webhooks: -1,
      account: 7,
    };
    expect(await errorsOf(StripeEventDto, plain)).toEqual([
      'id must be a string',
      'object must be one of the following values: event',
      'type must be words of [A-Za-z0-9_-] joined by dots, 100 characters at most',
      'created must be an integer number',
      'livemode must be a boolean value',
      'api_version must be a string',
      'pending_webhooks must not be less than 0',
      'account must be a string',
    ]);
  });

  it('refuses an empty id and an id beyond the identifier bound', async () => {
    expect(await errorsOf(StripeEventDto, { ...sample(), id: '' })).toEqual(['id should not be empty']);
    expect(
      await errorsOf(StripeEventDto, { ...sample(), id: 'x'.repeat(MAX_IDENTIFIER_LENGTH + 1) }),
    ).toEqual([`id must be shorter than or equal to ${MAX_IDENTIFIER_LENGTH} characters`]);
    await valueOf(StripeEventDto, { ...sample(), id: 'x'.repeat(MAX_IDENTIFIER_LENGTH) });
  });

  it('refuses a request of the wrong shape, naming the nested field', async () => {
    expect(
      await errorsOf(StripeEventDto, { ...sample(), request: { id: 5, idempotency_key: null } }),
    ).toEqual(['request.id must be a string or null']);
    expect(await errorsOf(StripeEventDto, { ...sample(), request: { id: null } })).toEqual([
      'request.idempotency_key must be a string or null',
    ]);
    // Said twice (by @IsObject and by @ValidateNested): validatePayload keeps every constraint's message.
    for (const request of [42, true, 0]) {
      expect(new Set(await errorsOf(StripeEventDto, { ...sample(), request }))).toEqual(
        new Set(['request must be an object']),
      );
    }
  });

  it('refuses previous_attributes that are not an object', async () => {
    const plain = sample();
    plain.data.previous_attributes = ['status'];
    expect(await errorsOf(StripeEventDto, plain)).toEqual(['data.previous_attributes must be an object']);
  });
});
