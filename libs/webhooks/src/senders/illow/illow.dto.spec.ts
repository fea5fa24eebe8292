import { describe, expect, it } from '@jest/globals';
import { IllowDsrCreatedMetadataDto, IllowWebhookDto } from './illow.dto.js';
import { errorsOf, valueOf } from '../../dto/dto.spec-helpers.js';

// illow's sample body, verbatim.
const sample = (): Record<string, unknown> => ({
  companyId: 'YourCompanyId',
  siteId: 'TheSiteIdInWhichTheRequestWasMade',
  idempotencyKey: 'Value to determined if the message is repeated or not',
  metadata: 'dataSpecificToTheEvent',
});

// illow's sample metadata for a created DSR, verbatim.
const dsrMetadata = (): Record<string, unknown> => ({
  id: 'Id of the newly created dsr',
  companyId: 'Your company id',
  createdAt: 'date from when the dsr was created',
  dueDate: 'a date',
  legislation: 'The legislation of the dsr',
  requestStatus: 'Status of the request',
});

describe('IllowWebhookDto', () => {
  it("accepts illow's sample body", async () => {
    const value = await valueOf(IllowWebhookDto, sample());
    expect(value).toBeInstanceOf(IllowWebhookDto);
    expect(value.idempotencyKey).toBe('Value to determined if the message is repeated or not');
    expect(value.metadata).toBe('dataSpecificToTheEvent');
  });

  it('accepts the DSR-created metadata, which then validates against its own DTO', async () => {
    const value = await valueOf(IllowWebhookDto, { ...sample(), metadata: dsrMetadata() });
    expect(value.metadata).toEqual(dsrMetadata());
    const metadata = await valueOf(IllowDsrCreatedMetadataDto, value.metadata);
    expect(metadata).toBeInstanceOf(IllowDsrCreatedMetadataDto);
    expect(metadata.legislation).toBe('The legislation of the dsr');
  });

  it.each([[null], [0], [false], [[]], [{}], [['a', { b: 1 }]]])('accepts metadata %j', async (metadata) => {
    expect((await valueOf(IllowWebhookDto, { ...sample(), metadata })).metadata).toEqual(metadata);
  });

  it.each(['companyId', 'siteId', 'idempotencyKey', 'metadata'])(
    'names %s when it is missing',
    async (field) => {
      const plain = sample();
      delete plain[field];
      const errors = await errorsOf(IllowWebhookDto, plain);
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) expect(error.startsWith(`${field} `)).toBe(true);
    },
  );

  it('rejects empty strings and wrong types', async () => {
    expect(
      await errorsOf(IllowWebhookDto, {
        companyId: 1,
        siteId: '',
        idempotencyKey: { key: 'x' },
        metadata: 'm',
      }),
    ).toEqual([
      'companyId must be a string',
      'siteId should not be empty',
      'idempotencyKey must be a string',
    ]);
  });

  it('keeps fields illow adds later', async () => {
    const value = (await valueOf(IllowWebhookDto, { ...sample(), event: 'dsr.created' })) as IllowWebhookDto &
      Record<string, unknown>;
    expect(value.event).toBe('dsr.created');
  });
});

describe('IllowDsrCreatedMetadataDto', () => {
  it('accepts ISO 8601 dates as well as the free text of the sample', async () => {
    const value = await valueOf(IllowDsrCreatedMetadataDto, {
      ...dsrMetadata(),
      createdAt: '2024-05-31T09:04:53.000Z',
      dueDate: '2024-06-30',
    });
    expect(value.dueDate).toBe('2024-06-30');
  });

  it.each(['id', 'companyId', 'createdAt', 'dueDate', 'legislation', 'requestStatus'])(
    'names %s when it is missing',
    async (field) => {
      const plain = dsrMetadata();
      delete plain[field];
      const errors = await errorsOf(IllowDsrCreatedMetadataDto, plain);
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) expect(error.startsWith(`${field} `)).toBe(true);
    },
  );

  it('rejects an empty id and dates that are not strings', async () => {
    expect(
      await errorsOf(IllowDsrCreatedMetadataDto, {
        ...dsrMetadata(),
        id: '',
        createdAt: 1717146293000,
        dueDate: null,
      }),
    ).toEqual(['id should not be empty', 'createdAt must be a string', 'dueDate must be a string']);
  });

  it('keeps fields illow adds later', async () => {
    const value = (await valueOf(IllowDsrCreatedMetadataDto, {
      ...dsrMetadata(),
      requestType: 'access',
    })) as IllowDsrCreatedMetadataDto & Record<string, unknown>;
    expect(value.requestType).toBe('access');
  });
});
