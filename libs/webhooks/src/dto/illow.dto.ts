import { IsNotEmpty, IsString, ValidateBy, type ValidationOptions } from 'class-validator';

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
  idempotencyKey!: string;

  @IsPresent()
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
