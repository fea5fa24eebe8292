import { describe, expect, it } from '@jest/globals';
import { OvcodeCallbackDto, OvcodeStatusCode } from './ovcode.dto.js';
import { SAMPLE_PAYLOADS } from '../../testing/samples.js';
import { errorsOf, valueOf } from '../../dto/dto.spec-helpers.js';

// OVCODE's documented sample, verbatim: kept once, in the testing entry, for every test to share.
const sample = (): Record<string, unknown> => ({ ...SAMPLE_PAYLOADS.ovcode });

describe('OvcodeCallbackDto', () => {
  it("accepts OVCODE's sample", async () => {
    const value = await valueOf(OvcodeCallbackDto, sample());
    expect(value).toBeInstanceOf(OvcodeCallbackDto);
    expect(value).toMatchObject(sample());
    expect(value.status_code).toBe(OvcodeStatusCode.Succeeded);
  });

  it('accepts the same fields read from HTTP headers, all strings, and makes token_id a number', async () => {
    const value = await valueOf(OvcodeCallbackDto, { ...sample(), token_id: '1' });
    expect(value.token_id).toBe(1);
  });

  it('accepts a failed status', async () => {
    expect((await valueOf(OvcodeCallbackDto, { ...sample(), status_code: 'F' })).status_code).toBe(
      OvcodeStatusCode.Failed,
    );
  });

  it('needs only reference and status_code', async () => {
    const value = await valueOf(OvcodeCallbackDto, { reference: 'F-1', status_code: 'F' });
    expect(value.reference).toBe('F-1');
    expect(value.token_id).toBeUndefined();
  });

  it.each(['reference', 'status_code'])('names %s when it is missing', async (field) => {
    const plain = sample();
    delete plain[field];
    const errors = await errorsOf(OvcodeCallbackDto, plain);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error.startsWith(`${field} `)).toBe(true);
  });

  it.each([['X'], ['s'], ['SUCCEEDED'], [''], [1]])('rejects status_code %j', async (status_code) => {
    expect(await errorsOf(OvcodeCallbackDto, { ...sample(), status_code })).toEqual([
      'status_code must be one of the following values: S, F',
    ]);
  });

  it('rejects an empty reference', async () => {
    expect(await errorsOf(OvcodeCallbackDto, { ...sample(), reference: '' })).toEqual([
      'reference should not be empty',
    ]);
  });

  it.each([
    ['1.5'],
    ['-1'],
    ['abc'],
    [''],
    ['0x10'],
    [1.5],
    [-1],
    [true],
    ['09007199254740993'],
    ['-9007199254740993'],
    ['1'.repeat(79)],
    [9007199254740992],
  ])('rejects token_id %j', async (token_id) => {
    const errors = await errorsOf(OvcodeCallbackDto, { ...sample(), token_id });
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error.startsWith('token_id ')).toBe(true);
  });

  it('keeps a token_id beyond 2^53 as the string of its exact digits, in both forms', async () => {
    // From a header, or from a JSON number the pipeline read exactly (see parseJsonExact).
    for (const token_id of [
      '9007199254740993',
      '115792089237316195423570985008687907853269984665640564039457584007913129639935',
    ]) {
      expect((await valueOf(OvcodeCallbackDto, { ...sample(), token_id })).token_id).toBe(token_id);
    }
  });

  it('accepts token_id 0 in both forms', async () => {
    expect((await valueOf(OvcodeCallbackDto, { ...sample(), token_id: '0' })).token_id).toBe(0);
    expect((await valueOf(OvcodeCallbackDto, { ...sample(), token_id: 0 })).token_id).toBe(0);
  });

  it.each([
    ['one character short', '47e795f5a9f9e091e2df10c692fcfe6c0af9e8206c160b2d6f1ea16f7df5405'],
    ['one character long', '47e795f5a9f9e091e2df10c692fcfe6c0af9e8206c160b2d6f1ea16f7df540570'],
    ['not hexadecimal', 'z7e795f5a9f9e091e2df10c692fcfe6c0af9e8206c160b2d6f1ea16f7df54057'],
    ['not a string', 12345],
  ])('rejects a hash %s', async (_why, hash) => {
    expect(await errorsOf(OvcodeCallbackDto, { ...sample(), hash })).toEqual([
      'hash must be a SHA-256 digest: 64 hexadecimal characters',
    ]);
  });

  it('accepts an upper-case hash', async () => {
    const hash = '47E795F5A9F9E091E2DF10C692FCFE6C0AF9E8206C160B2D6F1EA16F7DF54057';
    expect((await valueOf(OvcodeCallbackDto, { ...sample(), hash })).hash).toBe(hash);
  });

  it.each([['2024-05-31T09:04:53.000Z'], ['2024-05-31 09:04:53'], ['2024-05-31T09:04:53+08:00']])(
    'accepts timestamp %j',
    async (timestamp) => {
      expect((await valueOf(OvcodeCallbackDto, { ...sample(), timestamp })).timestamp).toBe(timestamp);
    },
  );

  it.each([['31/05/2024 09:04:53'], ['yesterday'], ['2024-05-31'], [1717146293000]])(
    'rejects timestamp %j',
    async (timestamp) => {
      expect(await errorsOf(OvcodeCallbackDto, { ...sample(), timestamp })).toEqual([
        'timestamp must be a date and time like 2024-05-31 09:04:53.0',
      ]);
    },
  );

  it('rejects a file that is not a URL and a cid that is not a string', async () => {
    expect(
      await errorsOf(OvcodeCallbackDto, { ...sample(), file: 'encryption-test/Example pdf', cid: 42 }),
    ).toEqual(['cid must be a string', 'file must be a URL address']);
  });

  it('keeps fields OVCODE adds later', async () => {
    const value = (await valueOf(OvcodeCallbackDto, {
      ...sample(),
      project_id: 'p-1',
    })) as OvcodeCallbackDto & Record<string, unknown>;
    expect(value.project_id).toBe('p-1');
  });
});
