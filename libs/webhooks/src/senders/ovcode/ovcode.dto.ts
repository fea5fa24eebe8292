import { Transform } from 'class-transformer';
import {
  IsEnum,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';
import { IsBoundedIdentifier } from '../../dto/identifier.js';

/** `status_code` of an OVCODE callback. */
export enum OvcodeStatusCode {
  Succeeded = 'S',
  Failed = 'F',
}

const DIGITS = /^\d+$/;
/**
 * A token id beyond 2^53, as the exact digits: up to 78, the length of the largest uint256 (the
 * type of an ERC-721 token id), and without a leading zero, so one id has one spelling.
 */
const LARGE_TOKEN_ID = /^[1-9]\d{15,77}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
// The page's sample (`2024-05-31 09:04:53.0`) is Java's Timestamp#toString; the ISO 8601
// form of the same instant, with `T` and an offset, is accepted too.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A token id sent as an HTTP header arrives as a string. Digit strings become numbers only
 * while the conversion is exact: a larger id stays the string of its digits, as one sent as a
 * JSON number does (see parseJsonExact), rather than silently turning into another token's id.
 */
function toTokenId(value: unknown): unknown {
  if (typeof value !== 'string' || !DIGITS.test(value)) return value;
  const id = Number(value);
  return Number.isSafeInteger(id) ? id : value;
}

/** A non-negative safe integer, or a larger one as the string of its exact digits. */
function IsTokenId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTokenId',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'number'
            ? Number.isSafeInteger(value) && value >= 0
            : typeof value === 'string' && LARGE_TOKEN_ID.test(value) && !Number.isSafeInteger(Number(value)),
        defaultMessage: () =>
          '$property must be a non-negative integer (beyond 2^53, a string of at most 78 digits)',
      },
    },
    options,
  );
}

/**
 * What OVCODE sends to the callback URL. The page lists these fields under "Headers" and
 * says little else, so only the two fields a receiver cannot act without are required; the
 * rest are checked for format only when present.
 */
export class OvcodeCallbackDto {
  // Part of the idempotency key, and the record key a receiver files the callback under.
  @IsString()
  @IsNotEmpty()
  @IsBoundedIdentifier()
  reference!: string;

  @IsEnum(OvcodeStatusCode)
  status_code!: OvcodeStatusCode;

  @IsOptional()
  @IsString()
  cid?: string;

  /** A number while it is a safe integer; beyond 2^53, the string of its exact digits. */
  @IsOptional()
  @Transform(({ value }) => toTokenId(value), { toClassOnly: true })
  @IsTokenId()
  token_id?: number | string;

  @IsOptional()
  @Matches(SHA256_HEX, { message: '$property must be a SHA-256 digest: 64 hexadecimal characters' })
  hash?: string;

  @IsOptional()
  @IsUrl()
  file?: string;

  @IsOptional()
  @Matches(TIMESTAMP, { message: '$property must be a date and time like 2024-05-31 09:04:53.0' })
  timestamp?: string;
}
