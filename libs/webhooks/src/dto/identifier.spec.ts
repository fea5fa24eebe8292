import { describe, expect, it } from '@jest/globals';
import { SAMPLE_PAYLOADS } from '../testing/samples.js';
import { ShareCasesWithMetaDatasDto } from '../senders/certificall/certificall.dto.js';
import { errorsOf, valueOf } from './dto.spec-helpers.js';
import { MAX_IDENTIFIER_LENGTH } from './identifier.js';
import { IllowDsrCreatedMetadataDto, IllowWebhookDto } from '../senders/illow/illow.dto.js';
import { InkitWebhookDto } from '../senders/inkit/inkit.dto.js';
import { OvcodeCallbackDto } from '../senders/ovcode/ovcode.dto.js';
import { OxskytReportDto } from '../senders/oxskyt/oxskyt.dto.js';

const certificall = {
  cfRef: 'CF-1',
  reportId: 'rep-1',
  caseUrl: 'https://files.certificall.app/cases/CF-1.pdf',
  createdAt: '2024-05-31T09:04:53.000Z',
  items: [],
};
const illow = { companyId: 'c', siteId: 's', idempotencyKey: 'k', metadata: { id: 'dsr-1' } };
const dsr = {
  id: 'dsr-1',
  companyId: 'c',
  createdAt: 'd',
  dueDate: 'd',
  legislation: 'GDPR',
  requestStatus: 'PENDING',
};

type Case = [string, new () => object, Record<string, unknown>, (id: string) => Record<string, unknown>];
// Each field that becomes a record key or part of an idempotency key.
const FIELDS: Case[] = [
  ['resource_id', InkitWebhookDto, { event_type: 'X', resource_id: 'r' }, (resource_id) => ({ resource_id })],
  ['reference', OvcodeCallbackDto, { ...SAMPLE_PAYLOADS.ovcode }, (reference) => ({ reference })],
  ['cfRef', ShareCasesWithMetaDatasDto, certificall, (cfRef) => ({ cfRef })],
  ['reportId', ShareCasesWithMetaDatasDto, certificall, (reportId) => ({ reportId })],
  ['idempotencyKey', IllowWebhookDto, illow, (idempotencyKey) => ({ idempotencyKey })],
  ['metadata.id', IllowWebhookDto, illow, (id) => ({ metadata: { id, other: 1 } })],
  ['id', IllowDsrCreatedMetadataDto, dsr, (id) => ({ id })],
  ['id', OxskytReportDto, { id: 'rep_1' }, (id) => ({ id })],
  ['reportId', OxskytReportDto, { reportId: 'rep_1' }, (reportId) => ({ reportId })],
];

describe('identifier lengths', () => {
  it('are bounded at 256 characters, well under a btree entry even as two joined', () => {
    expect(MAX_IDENTIFIER_LENGTH).toBe(256);
    // At most 3 bytes of UTF-8 per UTF-16 unit: two fields and a prefix stay under PostgreSQL's ~2,700.
    expect(2 * 3 * MAX_IDENTIFIER_LENGTH + 64).toBeLessThan(2_700);
  });

  it.each(FIELDS)('%s of %p: accepted at the bound', async (_field, dto, base, set) => {
    await valueOf(dto, { ...base, ...set('x'.repeat(MAX_IDENTIFIER_LENGTH)) });
  });

  it.each(FIELDS)('%s of %p: refused one beyond, naming the field', async (field, dto, base, set) => {
    expect(await errorsOf(dto, { ...base, ...set('x'.repeat(MAX_IDENTIFIER_LENGTH + 1)) })).toEqual([
      `${field} must be shorter than or equal to ${MAX_IDENTIFIER_LENGTH} characters`,
    ]);
  });

  it('counts UTF-16 units, so emoji and variation selectors cannot stretch the bound', async () => {
    // class-validator's MaxLength would count each of these pairs as one character.
    const stretched = '\u2764\ufe0f'.repeat(200);
    expect(await errorsOf(InkitWebhookDto, { event_type: 'X', resource_id: stretched })).toEqual([
      `resource_id must be shorter than or equal to ${MAX_IDENTIFIER_LENGTH} characters`,
    ]);
  });

  it('leaves numeric OxsKYT ids and non-object illow metadata alone', async () => {
    await valueOf(OxskytReportDto, { id: 42, reportId: 7 });
    await valueOf(IllowWebhookDto, { ...illow, metadata: 'x'.repeat(10_000) });
    await valueOf(IllowWebhookDto, { ...illow, metadata: { id: 12 } });
  });
});
