import { IsISO8601, IsObject, IsString, Matches } from 'class-validator';
import { EVENT_TYPE_PATTERN, EVENT_TYPE_RULE } from '../../webhooks.sender.js';

/**
 * The payload structure the Standard Webhooks specification recommends ("Payload structure").
 * Additional metadata, at the top level or inside `data`, is kept as it arrives.
 */
export class StandardWebhookDto {
  /**
   * The full-stop delimited event type (`contact.created`, `invoice.paid`): the event is emitted as
   * `standard.<type>`, each dot a level for the emitter's wildcards (`@OnWebhook('standard.invoice.*')`).
   */
  // Checked here rather than only when the event is named, so a 400 says which field is wrong.
  @IsString()
  @Matches(EVENT_TYPE_PATTERN, { message: `$property must be ${EVENT_TYPE_RULE}` })
  type!: string;

  /**
   * When the event occurred (not when this attempt was sent), ISO 8601. Kept as the string that
   * arrived: a Date would drop the microseconds of the specification's own example.
   */
  @IsISO8601()
  timestamp!: string;

  /** The event's data; its schema is the type's. */
  @IsObject()
  data!: Record<string, unknown>;
}
