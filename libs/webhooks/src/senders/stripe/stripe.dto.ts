// @Type reads design-time metadata through the Reflect API when these classes are defined, so the
// polyfill must be loaded first, whatever the importer loaded before.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { IsBoundedIdentifier } from '../../dto/identifier.js';
import { EVENT_TYPE_PATTERN, EVENT_TYPE_RULE } from '../../webhooks.sender.js';

/** `null`, or a string: class-validator's @IsOptional would let `undefined` (an absent field) through too. */
function IsStringOrNull(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringOrNull',
      validator: {
        validate: (value: unknown) => value === null || typeof value === 'string',
        defaultMessage: () => '$property must be a string or null',
      },
    },
    options,
  );
}

/** `data` of an event: the API object it is about, as rendered in the event's `api_version`. */
export class StripeEventDataDto {
  // Typed per event type by Stripe's own definitions (`Stripe.PaymentIntent`...); only its shape is checked here.
  @IsObject()
  object!: Record<string, unknown>;

  /** The changed attributes' previous values, in `*.updated` events only. */
  @IsOptional()
  @IsObject()
  previous_attributes?: Record<string, unknown> | null;
}

/** `request` of an event: the API request that caused it; both ids are null for automatic events. */
export class StripeEventRequestDto {
  @IsStringOrNull()
  id!: string | null;

  @IsStringOrNull()
  idempotency_key!: string | null;
}

/**
 * The Event object Stripe posts (https://docs.stripe.com/api/events/object). Deliberately no list
 * of types: Stripe documents hundreds and adds more with each API version, and each must still
 * be delivered, so `type` is any dotted name (`payment_intent.succeeded`).
 */
export class StripeEventDto {
  // The idempotency key: Stripe retries a delivery under the same event id.
  @IsString()
  @IsNotEmpty()
  @IsBoundedIdentifier()
  id!: string;

  @IsIn(['event'])
  object!: 'event';

  // Checked here as well as by the pipeline, so the 400 names the field.
  @IsString()
  @Matches(EVENT_TYPE_PATTERN, { message: `$property must be ${EVENT_TYPE_RULE}` })
  type!: string;

  /** Unix seconds. */
  @IsInt()
  created!: number;

  @IsBoolean()
  livemode!: boolean;

  /** The API version `data` is rendered in; null for events created before October 2014. */
  @IsOptional()
  @IsString()
  api_version?: string | null;

  @IsObject()
  @ValidateNested()
  @Type(() => StripeEventDataDto)
  data!: StripeEventDataDto;

  /** Deliveries of this event not yet acknowledged by their endpoints. */
  @IsOptional()
  @IsInt()
  @Min(0)
  pending_webhooks?: number;

  // Before API version 2017-05-25 the request's id alone, a string: older accounts still get that.
  @IsOptional()
  @ValidateIf((_event, value) => typeof value !== 'string')
  @IsObject()
  @ValidateNested()
  @Type(() => StripeEventRequestDto)
  request?: StripeEventRequestDto | string | null;

  /** Connect: the connected account the event happened in; absent for the platform's own events. */
  @IsOptional()
  @IsString()
  account?: string | null;
}
