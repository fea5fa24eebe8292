import { Transform } from 'class-transformer';
import { IsEnum, IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, Matches, Min } from 'class-validator';

/** `status_code` of an OVCODE callback. */
export enum OvcodeStatusCode {
  Succeeded = 'S',
  Failed = 'F',
}

const DIGITS = /^\d+$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
// The page's sample (`2024-05-31 09:04:53.0`) is Java's Timestamp#toString; the ISO 8601
// form of the same instant, with `T` and an offset, is accepted too.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A token id sent as an HTTP header arrives as a string. Digit strings become numbers only
 * while the conversion is exact: a larger id is left as it came and fails validation rather
 * than silently turning into a different token's id.
 */
function toTokenId(value: unknown): unknown {
  if (typeof value !== 'string' || !DIGITS.test(value)) return value;
  const id = Number(value);
  return Number.isSafeInteger(id) ? id : value;
}

/**
 * What OVCODE sends to the callback URL. The page lists these fields under "Headers" and
 * says little else, so only the two fields a receiver cannot act without are required; the
 * rest are checked for format only when present.
 */
export class OvcodeCallbackDto {
  @IsString()
  @IsNotEmpty()
  reference!: string;

  @IsEnum(OvcodeStatusCode)
  status_code!: OvcodeStatusCode;

  @IsOptional()
  @IsString()
  cid?: string;

  @IsOptional()
  @Transform(({ value }) => toTokenId(value), { toClassOnly: true })
  @IsInt()
  @Min(0)
  token_id?: number;

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
