import { describe, expect, it } from '@jest/globals';
import {
  BaseItemDto,
  CaseForApiResponseDto,
  ItemDto,
  normalizeStepAction,
  ShareCasesWithMetaDatasDto,
  StepAction,
} from './certificall.dto.js';
import { errorsOf, valueOf } from '../../dto/dto.spec-helpers.js';

// Built from the field list on Certificall's page (it gives no JSON sample).
const item = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  createdAt: '2024-05-31T09:01:10.000Z',
  cfRef: 'CF-ITEM-0001',
  description: 'Front of the building',
  geolocLatitude: '48.8566',
  geolocLongitude: '2.3522',
  data: 'facade.jpg',
  imageUrl: 'https://files.certificall.app/items/CF-ITEM-0001.jpg',
  stepAction: 'PHOTOGRAPHY',
  ...overrides,
});

const webhookBody = (): Record<string, unknown> => ({
  cfRef: 'CF-2024-000123',
  reportId: 'rep_8f14e45fceea167a',
  caseUrl: 'https://files.certificall.app/cases/CF-2024-000123.pdf',
  createdAt: '2024-05-31T09:04:53.000Z',
  items: [
    item(),
    item({ cfRef: 'CF-ITEM-0002', data: '2024-05-30', stepAction: 'DATE_FIELD', imageUrl: undefined }),
  ],
});

const caseResponse = (): Record<string, unknown> => ({
  cfRef: 'CF-2024-000123',
  createdAt: '2024-05-31T09:04:53.000Z',
  reportId: 'rep_8f14e45fceea167a',
  frame: 'Building inspection',
  closed: true,
  caseUrl: 'https://files.certificall.app/cases/CF-2024-000123.pdf',
  items: [item({ data: undefined })],
});

const without = (plain: Record<string, unknown>, key: string): Record<string, unknown> => {
  const copy = { ...plain };
  delete copy[key];
  return copy;
};

describe('StepAction', () => {
  it('has the nine documented values, with the key typo fixed', () => {
    expect(Object.values(StepAction)).toEqual([
      'DATE_FIELD',
      'EMAIL',
      'NUMBER_FIELD',
      'PHOTOGRAPHY',
      'VIDEO',
      'TEXT_FIELD',
      'TIME',
      'SELECT',
      'SIGNATURE',
    ]);
    expect(StepAction.Signature).toBe('SIGNATURE');
    expect(Object.keys(StepAction)).not.toContain('Singature');
  });
});

describe('normalizeStepAction', () => {
  it.each([
    ['Photography', StepAction.Photography],
    ['photography', StepAction.Photography],
    ['Photo', StepAction.Photography],
    ['DATE', StepAction.DateField],
    ['date', StepAction.DateField],
    ['date_field', StepAction.DateField],
    ['Date Field', StepAction.DateField],
    ['dateField', StepAction.DateField],
    ['NUMBER', StepAction.NumberField],
    ['Number', StepAction.NumberField],
    ['number-field', StepAction.NumberField],
    ['Text', StepAction.TextField],
    ['TEXT', StepAction.TextField],
    ['text_field', StepAction.TextField],
    ['Email', StepAction.Email],
    ['e-mail', StepAction.Email],
    ['Video', StepAction.Video],
    ['time', StepAction.Time],
    ['Select', StepAction.Select],
    ['Signature', StepAction.Signature],
    ['SINGATURE', StepAction.Signature],
    [' PHOTOGRAPHY ', StepAction.Photography],
  ])('maps %j to %s', (spelling, expected) => {
    expect(normalizeStepAction(spelling)).toBe(expected);
  });

  it.each(Object.values(StepAction))('keeps the documented value %s', (value) => {
    expect(normalizeStepAction(value)).toBe(value);
  });

  it.each([['Barcode'], [''], [42], [null], [undefined], [{ kind: 'DATE' }], ['DATE'.padEnd(100, ' ')]])(
    'leaves %j as it is',
    (value) => {
      expect(normalizeStepAction(value)).toBe(value);
    },
  );
});

describe('ShareCasesWithMetaDatasDto (the webhook body)', () => {
  it('accepts a body built from the documented fields', async () => {
    const value = await valueOf(ShareCasesWithMetaDatasDto, webhookBody());
    expect(value).toBeInstanceOf(ShareCasesWithMetaDatasDto);
    expect(value.cfRef).toBe('CF-2024-000123');
    expect(value.items).toHaveLength(2);
    expect(value.items[0]).toBeInstanceOf(BaseItemDto);
    expect(value.items[0]).toBeInstanceOf(ItemDto);
    expect(value.items[0].data).toBe('facade.jpg');
    expect(value.items[1].stepAction).toBe(StepAction.DateField);
  });

  it.each(['cfRef', 'reportId', 'caseUrl', 'createdAt', 'items'])(
    'names %s when it is missing',
    async (field) => {
      const errors = await errorsOf(ShareCasesWithMetaDatasDto, without(webhookBody(), field));
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) expect(error.startsWith(`${field} `)).toBe(true);
    },
  );

  it.each(['createdAt', 'cfRef', 'description', 'geolocLatitude', 'geolocLongitude', 'stepAction'])(
    'names items.N.%s when an item lacks it',
    async (field) => {
      const body = webhookBody();
      body.items = [item(), without(item(), field)];
      const errors = await errorsOf(ShareCasesWithMetaDatasDto, body);
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) expect(error.startsWith(`items.1.${field} `)).toBe(true);
    },
  );

  it('rejects wrong types, naming each field', async () => {
    const errors = await errorsOf(ShareCasesWithMetaDatasDto, {
      cfRef: 123,
      reportId: ['rep'],
      caseUrl: 'not a url',
      createdAt: '31/05/2024',
      items: { 0: item() },
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        'cfRef must be a string',
        'reportId must be a string',
        'caseUrl must be a URL address',
        'createdAt must be a valid ISO 8601 date string',
        'items must be an array',
      ]),
    );
  });

  it('reports nested failures with the item index in the path', async () => {
    const body = webhookBody();
    body.items = [
      item(),
      item({ geolocLatitude: 48.8566, imageUrl: 'nope', data: 7, stepAction: 'BARCODE' }),
      'not an item',
      null,
    ];
    const errors = await errorsOf(ShareCasesWithMetaDatasDto, body);
    expect(errors).toEqual(
      expect.arrayContaining([
        'items.1.geolocLatitude must be a string',
        'items.1.imageUrl must be a URL address',
        'items.1.data must be a string',
        expect.stringMatching(
          /^items\.1\.stepAction must be one of the following values: DATE_FIELD, EMAIL, /,
        ),
        'items.2 must be an object',
        'items.3 must be an object',
      ]),
    );
    expect(errors.some((error) => error.startsWith('items.0.'))).toBe(false);
  });

  it('normalizes the step actions the live API spells differently', async () => {
    const body = webhookBody();
    body.items = [
      item({ stepAction: 'Photography' }),
      item({ stepAction: 'DATE', data: '2024-05-30' }),
      item({ stepAction: 'NUMBER', data: '12' }),
      item({ stepAction: 'Text', data: 'ok' }),
      item({ stepAction: 'date_field', data: '2024-05-30' }),
      item({ stepAction: 'photography' }),
    ];
    const value = await valueOf(ShareCasesWithMetaDatasDto, body);
    expect(value.items.map((i) => i.stepAction)).toEqual([
      StepAction.Photography,
      StepAction.DateField,
      StepAction.NumberField,
      StepAction.TextField,
      StepAction.DateField,
      StepAction.Photography,
    ]);
  });

  it('does not modify the parsed body it was given', async () => {
    const body = webhookBody();
    body.items = [item({ stepAction: 'Photography' })];
    await valueOf(ShareCasesWithMetaDatasDto, body);
    expect((body.items as Record<string, unknown>[])[0].stepAction).toBe('Photography');
  });

  it.each(Object.values(StepAction))('accepts step action %s', async (stepAction) => {
    const body = webhookBody();
    body.items = [item({ stepAction })];
    const value = await valueOf(ShareCasesWithMetaDatasDto, body);
    expect(value.items[0].stepAction).toBe(stepAction);
  });

  it('accepts an item without data or image, as a signature or video step has none', async () => {
    const body = webhookBody();
    body.items = [without(without(item({ stepAction: 'SIGNATURE' }), 'data'), 'imageUrl')];
    const value = await valueOf(ShareCasesWithMetaDatasDto, body);
    expect(value.items[0].data).toBeUndefined();
  });

  it('accepts an empty list of items', async () => {
    const body = webhookBody();
    body.items = [];
    expect((await valueOf(ShareCasesWithMetaDatasDto, body)).items).toEqual([]);
  });

  it('keeps fields the vendor adds, at the top and in items', async () => {
    const body = webhookBody();
    body.companyName = 'ACME';
    body.closingDate = '2024-06-01T10:00:00.000Z';
    body.items = [item({ stepTitle: 'Facade', imageHash: 'ab12', extra: { nested: [1, 2] } })];
    const value = (await valueOf(ShareCasesWithMetaDatasDto, body)) as ShareCasesWithMetaDatasDto &
      Record<string, unknown>;
    expect(value.companyName).toBe('ACME');
    expect(value.closingDate).toBe('2024-06-01T10:00:00.000Z');
    expect(value.items[0]).toMatchObject({
      stepTitle: 'Facade',
      imageHash: 'ab12',
      extra: { nested: [1, 2] },
    });
  });
});

describe('CaseForApiResponseDto', () => {
  it('accepts a case built from the documented class', async () => {
    const value = await valueOf(CaseForApiResponseDto, caseResponse());
    expect(value).toBeInstanceOf(CaseForApiResponseDto);
    expect(value.closed).toBe(true);
    expect(value.items[0]).toBeInstanceOf(ItemDto);
  });

  it.each(['cfRef', 'createdAt', 'reportId', 'frame', 'closed', 'caseUrl', 'items'])(
    'names %s when it is missing',
    async (field) => {
      const errors = await errorsOf(CaseForApiResponseDto, without(caseResponse(), field));
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) expect(error.startsWith(`${field} `)).toBe(true);
    },
  );

  it('rejects a closed flag sent as a string and validates its items', async () => {
    const errors = await errorsOf(CaseForApiResponseDto, {
      ...caseResponse(),
      closed: 'true',
      items: [item({ createdAt: 'yesterday' })],
    });
    expect(errors).toEqual([
      'closed must be a boolean value',
      'items.0.createdAt must be a valid ISO 8601 date string',
    ]);
  });

  it('normalizes live step action spellings in its items too', async () => {
    const value = await valueOf(CaseForApiResponseDto, {
      ...caseResponse(),
      items: [item({ stepAction: 'NUMBER' })],
    });
    expect(value.items[0].stepAction).toBe(StepAction.NumberField);
  });
});
