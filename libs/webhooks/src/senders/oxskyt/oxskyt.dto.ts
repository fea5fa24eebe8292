import { IsOptional, ValidateBy, type ValidationOptions } from 'class-validator';
import { IsBoundedIdentifier } from '../../dto/identifier.js';

/** Accepts a string or a finite number: the two forms a record id plausibly takes in JSON. */
function IsStringOrNumber(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringOrNumber',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)),
        defaultMessage: () => '$property must be a string or a number',
      },
    },
    options,
  );
}

/**
 * The report data OxsKYT posts once a report has been generated. Its structure is not
 * public, so any JSON object is accepted and kept whole; only the two fields a record id may
 * be taken from are checked, and only when present.
 */
export class OxskytReportDto {
  [key: string]: unknown;

  // A receiver files the report under one of these (the idempotency key is the body's hash).
  // An integer beyond 2^53 arrives as a string of its digits (see parseJsonExact).
  @IsOptional()
  @IsStringOrNumber()
  @IsBoundedIdentifier()
  id?: string | number;

  @IsOptional()
  @IsStringOrNumber()
  @IsBoundedIdentifier()
  reportId?: string | number;
}
