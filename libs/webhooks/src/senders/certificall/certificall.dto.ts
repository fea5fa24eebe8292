// Decorators such as @Type read design-time metadata through the Reflect API at class
// definition time, so the polyfill must be loaded before these classes are evaluated,
// whatever the importer loaded first.
import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsEnum,
  IsISO8601,
  IsOptional,
  IsString,
  IsUrl,
  ValidateNested,
} from 'class-validator';
import { IsBoundedIdentifier } from '../../dto/identifier.js';

/**
 * The kind of a case step, as documented by Certificall. The vendor's page spells the last
 * key `Singature`; the key is corrected here, the wire value (`SIGNATURE`) is unchanged.
 */
export enum StepAction {
  DateField = 'DATE_FIELD',
  Email = 'EMAIL',
  NumberField = 'NUMBER_FIELD',
  Photography = 'PHOTOGRAPHY',
  Video = 'VIDEO',
  TextField = 'TEXT_FIELD',
  Time = 'TIME',
  Select = 'SELECT',
  Signature = 'SIGNATURE',
}

/**
 * Spellings seen outside the documented enum, keyed by the value upper-cased with every
 * separator removed, so `date_field`, `Date Field`, `dateField` and `DATE-FIELD` all meet
 * the same entry. Certificall's public report API writes `Photography`, `DATE`, `NUMBER`;
 * `SINGATURE` covers the documented key typo leaking into a value.
 */
const STEP_ACTION_SPELLINGS: ReadonlyMap<string, StepAction> = new Map([
  ['DATEFIELD', StepAction.DateField],
  ['DATE', StepAction.DateField],
  ['EMAIL', StepAction.Email],
  ['NUMBERFIELD', StepAction.NumberField],
  ['NUMBER', StepAction.NumberField],
  ['PHOTOGRAPHY', StepAction.Photography],
  ['PHOTO', StepAction.Photography],
  ['VIDEO', StepAction.Video],
  ['TEXTFIELD', StepAction.TextField],
  ['TEXT', StepAction.TextField],
  ['TIME', StepAction.Time],
  ['SELECT', StepAction.Select],
  ['SIGNATURE', StepAction.Signature],
  ['SINGATURE', StepAction.Signature],
]);

// Longer than any spelling above by a wide margin; anything beyond is not worth normalizing
// and is left for validation to reject.
const MAX_STEP_ACTION_LENGTH = 64;
const SEPARATORS = /[\s_\-.]+/g;

/**
 * Maps the spellings Certificall's live API uses onto the documented {@link StepAction}.
 * Anything it does not recognize is returned untouched, so validation rejects it and the
 * error reflects what was actually sent.
 */
export function normalizeStepAction(value: unknown): unknown {
  if (typeof value !== 'string' || value.length > MAX_STEP_ACTION_LENGTH) return value;
  return STEP_ACTION_SPELLINGS.get(value.replace(SEPARATORS, '').toUpperCase()) ?? value;
}

/** One step of a case, as documented by Certificall. */
export class ItemDto {
  // Kept as the ISO 8601 string that arrived (the vendor types it `Date`, but nothing on
  // the wire converts it): converting would silently drop sub-millisecond precision and offsets.
  @IsISO8601()
  createdAt!: string;

  @IsString()
  cfRef!: string;

  @IsString()
  description!: string;

  @IsString()
  geolocLatitude!: string;

  @IsString()
  geolocLongitude!: string;

  @IsOptional()
  @IsUrl()
  imageUrl?: string;

  @Transform(({ value }) => normalizeStepAction(value), { toClassOnly: true })
  @IsEnum(StepAction)
  stepAction!: StepAction;
}

/** A case as Certificall's API returns it. */
export class CaseForApiResponseDto {
  @IsString()
  cfRef!: string;

  @IsISO8601()
  createdAt!: string;

  @IsString()
  reportId!: string;

  @IsString()
  frame!: string;

  @IsBoolean()
  closed!: boolean;

  @IsUrl()
  caseUrl!: string;

  // The vendor's own class omits @ValidateNested, which would let any item through.
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ItemDto)
  items!: ItemDto[];
}

/** An item of the webhook body: a step plus its content. */
export class BaseItemDto extends ItemDto {
  // Optional: the page only gives content for field-like steps and photographs; a video,
  // select or signature step may come without it.
  @IsOptional()
  @IsString()
  data?: string;
}

/** The body Certificall posts once a case has been validated. */
export class ShareCasesWithMetaDatasDto {
  // Both make the idempotency key; cfRef is the record key a receiver files the case under.
  @IsString()
  @IsBoundedIdentifier()
  cfRef!: string;

  @IsString()
  @IsBoundedIdentifier()
  reportId!: string;

  @IsUrl()
  caseUrl!: string;

  @IsISO8601()
  createdAt!: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => BaseItemDto)
  items!: BaseItemDto[];
}
