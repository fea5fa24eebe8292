import { IsNotEmpty, IsString, ValidateBy, type ValidationOptions } from 'class-validator';
import { IsBoundedIdentifier, MAX_IDENTIFIER_LENGTH } from '../../dto/identifier.js';

/**
 * Requires the property to be present with any JSON value, `null` included (which
 * class-validator's @IsDefined would refuse): illow's metadata shape depends on the event.
 */
function IsPresent(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPresent',
      validator: {
        validate: (value: unknown) => value !== undefined,
        defaultMessage: () => '$property must be present',
      },
    },
    options,
  );
}

/**
 * `metadata.id`, when metadata is an object with a string id, within MAX_IDENTIFIER_LENGTH: the
 * metadata is not typed here, but its id is what a receiver files the event's record under.
 */
function HasBoundedId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'hasBoundedId',
      validator: {
        validate: (value: unknown) => {
          const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
          return typeof id !== 'string' || id.length <= MAX_IDENTIFIER_LENGTH;
        },
        defaultMessage: () =>
          `$property.id must be shorter than or equal to ${MAX_IDENTIFIER_LENGTH} characters`,
      },
    },
    options,
  );
}

/**
 * The body illow posts for every event. The body names no event (one callback URL is
 * registered per event), so `metadata` is left untyped here; validate it against the
 * event's own DTO, such as {@link IllowDsrCreatedMetadataDto}, once the event is known.
 */
export class IllowWebhookDto {
  @IsString()
  @IsNotEmpty()
  companyId!: string;

  @IsString()
  @IsNotEmpty()
  siteId!: string;

  // The key that tells a redelivery from a new event, so an empty one would make every
  // message look like the same one.
  @IsString()
  @IsNotEmpty()
  @IsBoundedIdentifier()
  idempotencyKey!: string;

  @IsPresent()
  @HasBoundedId()
  metadata!: unknown;
}

/**
 * `metadata` of the event sent when a data subject request is created. The page gives no
 * format for the dates nor the sets of legislations and statuses, so they are only required
 * to be strings.
 */
export class IllowDsrCreatedMetadataDto {
  @IsString()
  @IsNotEmpty()
  @IsBoundedIdentifier()
  id!: string;

  @IsString()
  companyId!: string;

  @IsString()
  createdAt!: string;

  @IsString()
  dueDate!: string;

  @IsString()
  legislation!: string;

  @IsString()
  requestStatus!: string;
}
