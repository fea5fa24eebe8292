import { IsOptional, ValidateBy, type ValidationOptions } from 'class-validator';

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

  @IsOptional()
  @IsStringOrNumber()
  id?: string | number;

  @IsOptional()
  @IsStringOrNumber()
  reportId?: string | number;
}
