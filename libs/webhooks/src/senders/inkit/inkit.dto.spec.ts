import { describe, expect, it } from '@jest/globals';
import { InkitEventType, InkitWebhookDto } from './inkit.dto.js';
import { errorsOf, valueOf } from '../../dto/dto.spec-helpers.js';

// Inkit's own sample body.
const sample = (): Record<string, unknown> => ({
  event_type: 'DOCUMENT_CREATE_FINISHED',
  resource_id: 'doc_2N0X2g4f3b1JJU75fqzDZs',
});

const DOCUMENTED = [
  'DOCUMENT_CREATE_FAILED',
  'DOCUMENT_CREATE_FINISHED',
  'DOCUMENT_DELETED',
  'DOCUMENT_PDF_ACCESS',
  'DOCUSIGN_CREATE_FAILED',
  'DOCUSIGN_CREATE_FINISHED',
  'FOLDER_CREATED',
  'FOLDER_DELETED',
  'MAGIC_LINK_ACCESS',
  'MAGIC_LINK_ACCESS_FAILED',
  'MAGIC_LINK_CREATE_FAILED',
  'MAGIC_LINK_CREATED',
  'MAIL_CREATE_FAILED',
  'MAIL_CREATE_FINISHED',
  'RENDER_CREATE_FAILED',
  'RENDER_CREATE_FINISHED',
  'RENDER_METADATA_ACCESS',
  'SALESFORCE_CREATE_FAILED',
  'SALESFORCE_CREATE_FINISHED',
];

describe('InkitEventType', () => {
  it('has exactly the 19 documented types', () => {
    expect([...Object.values(InkitEventType)].sort()).toEqual([...DOCUMENTED].sort());
    expect(Object.values(InkitEventType)).toHaveLength(19);
  });
});

describe('InkitWebhookDto', () => {
  it("accepts Inkit's sample body", async () => {
    const value = await valueOf(InkitWebhookDto, sample());
    expect(value).toBeInstanceOf(InkitWebhookDto);
    expect(value.event_type).toBe(InkitEventType.DocumentCreateFinished);
    expect(value.resource_id).toBe('doc_2N0X2g4f3b1JJU75fqzDZs');
  });

  it.each(Object.values(InkitEventType))('accepts event type %s', async (eventType) => {
    expect((await valueOf(InkitWebhookDto, { ...sample(), event_type: eventType })).event_type).toBe(
      eventType,
    );
  });

  it('accepts an event type Inkit has not documented yet', async () => {
    const value = await valueOf(InkitWebhookDto, { ...sample(), event_type: 'TEMPLATE_ARCHIVED' });
    expect(value.event_type).toBe('TEMPLATE_ARCHIVED');
  });

  it.each(['event_type', 'resource_id'])('names %s when it is missing', async (field) => {
    const plain = sample();
    delete plain[field];
    const errors = await errorsOf(InkitWebhookDto, plain);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error.startsWith(`${field} `)).toBe(true);
  });

  it('rejects empty strings and wrong types', async () => {
    expect(await errorsOf(InkitWebhookDto, { event_type: '', resource_id: 42 })).toEqual([
      'event_type should not be empty',
      'resource_id must be a string',
    ]);
    expect(await errorsOf(InkitWebhookDto, { event_type: ['DOCUMENT_DELETED'], resource_id: '' })).toEqual([
      'event_type must be a string',
      'resource_id should not be empty',
    ]);
  });

  it('keeps fields Inkit adds later', async () => {
    const value = (await valueOf(InkitWebhookDto, {
      ...sample(),
      created_at: '2024-05-31T09:04:53Z',
    })) as InkitWebhookDto & Record<string, unknown>;
    expect(value.created_at).toBe('2024-05-31T09:04:53Z');
  });
});
