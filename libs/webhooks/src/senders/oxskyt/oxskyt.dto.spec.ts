import { describe, expect, it } from '@jest/globals';
import { OxskytReportDto } from './oxskyt.dto.js';
import { errorsOf, valueOf } from '../../dto/dto.spec-helpers.js';

// The report structure is not public: an invented report, nested as real ones likely are.
const report = (): Record<string, unknown> => ({
  id: 'rpt_01HZ5Q',
  status: 'completed',
  pdfUrl: 'https://reports.oxskyt.com/rpt_01HZ5Q.pdf',
  subject: { name: 'Ada Lovelace', checks: [{ kind: 'sanctions', hit: false, score: 0.02 }] },
  tags: ['kyc', null, 3],
});

describe('OxskytReportDto', () => {
  it('accepts any report object and keeps it whole', async () => {
    const value = await valueOf(OxskytReportDto, report());
    expect(value).toBeInstanceOf(OxskytReportDto);
    expect(value).toMatchObject(report());
    expect(JSON.parse(JSON.stringify(value))).toEqual(report());
  });

  it('accepts an empty object', async () => {
    expect(await valueOf(OxskytReportDto, {})).toBeInstanceOf(OxskytReportDto);
  });

  it.each([
    ['a string id', { id: 'rpt_1' }],
    ['a numeric id', { id: 42 }],
    ['a string reportId', { reportId: 'rpt_1' }],
    ['a numeric reportId', { reportId: 7 }],
    ['a null id', { id: null }],
  ])('accepts %s', async (_what, plain) => {
    expect(await valueOf(OxskytReportDto, plain)).toMatchObject(plain);
  });

  it('rejects ids that are neither strings nor numbers', async () => {
    expect(await errorsOf(OxskytReportDto, { id: { value: 1 }, reportId: [1] })).toEqual([
      'id must be a string or a number',
      'reportId must be a string or a number',
    ]);
  });

  it.each([[[]], [[{ id: 1 }]], [null], ['report'], [42], [true], [undefined]])(
    'rejects %j',
    async (plain) => {
      expect(await errorsOf(OxskytReportDto, plain)).toEqual(['body must be a JSON object']);
    },
  );
});
