import { ApiProperty, ApiPropertyOptional, type SchemaObject } from '@nestjs/swagger';
import type { WebhookOutcomeReason } from 'nestjs-webhooks';
import { DELIVERY_STATES, type DeliveryState } from '../database/index.js';

/** The security scheme of the receiver's own API in the document (the name Swagger UI shows). */
export const ADMIN_SECURITY = 'ADMIN_TOKEN';
/** The document's tags: the webhook routes, the receiver's API, its health. */
export const WEBHOOKS_TAG = 'webhooks';
export const API_TAG = 'deliveries';
export const HEALTH_TAG = 'health';

// The shapes the receiver's API answers, for the OpenAPI document only: the repository's types are
// drizzle's inferred rows, which carry no metadata, so these classes restate them field by field.
// Nothing constructs them; the receiver.api-docs e2e test compares them with real answers.

/** A delivery as the list's `view=summary` shows it: no body, no headers. */
export class DeliverySummaryDoc {
  @ApiProperty({ description: 'The delivery id (a replay has its own)', example: '3f0c2b1e-...' })
  id!: string;

  @ApiProperty({ description: "The sender's id, as in its route", example: 'inkit' })
  sender!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The tenant whose credentials verified it, for a sender configured per tenant',
  })
  tenant!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: '`<sender>.<type>`, once the payload was read',
    example: 'inkit.DOCUMENT_CREATE_FINISHED',
  })
  event!: string | null;

  @ApiProperty({ type: 'integer', description: 'The HTTP status the sender was answered', example: 200 })
  statusCode!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why it was refused or failed (`mismatch`, `invalid-payload`, `handler-error`...)',
  })
  reason!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The key de-duplication used, under the sender's id",
  })
  idempotencyKey!: string | null;

  @ApiProperty({ description: 'Its key had been processed or queued already, so nothing ran' })
  duplicate!: boolean;

  @ApiProperty({ type: String, format: 'date-time' })
  receivedAt!: string;

  @ApiProperty({ description: 'Time to answer the sender, in milliseconds', example: 12.5 })
  durationMs!: number;

  @ApiProperty({ enum: DELIVERY_STATES, enumName: 'DeliveryState', description: 'Where it stands' })
  state!: DeliveryState;

  @ApiProperty({ type: String, nullable: true, description: 'For a replay: the id of the delivery replayed' })
  replayOf!: string | null;
}

/** A delivery with its headers and body, as `GET /api/deliveries` lists it by default. */
export class DeliveryRowDoc extends DeliverySummaryDoc {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    nullable: true,
    description: 'The request headers as handlers saw them, every credential and signature redacted',
  })
  headers!: Record<string, string> | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The verified body (none for a refused delivery): text when valid UTF-8, else base64',
  })
  rawBody!: string | null;

  @ApiProperty({ enum: ['utf8', 'base64'], nullable: true, description: 'How `rawBody` is written' })
  rawBodyEncoding!: 'utf8' | 'base64' | null;
}

/** One worker attempt at a queued delivery. */
export class DeliveryAttemptDoc {
  @ApiProperty({ type: 'integer', description: 'Which attempt, counting from 1' })
  attempt!: number;

  @ApiProperty({ type: 'integer', description: 'Of how many the queue allows' })
  attempts!: number;

  @ApiProperty({ enum: DELIVERY_STATES, enumName: 'DeliveryState' })
  state!: DeliveryState;

  @ApiProperty({ type: String, nullable: true })
  reason!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  at!: string;

  @ApiProperty()
  durationMs!: number;
}

/** A replay of a delivery, as its history lists it. */
export class DeliveryReplayDoc {
  @ApiProperty({ description: "The replay's own delivery id" })
  id!: string;

  @ApiProperty({ enum: DELIVERY_STATES, enumName: 'DeliveryState' })
  state!: DeliveryState;

  @ApiProperty({ type: String, nullable: true })
  reason!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  receivedAt!: string;

  @ApiProperty({ type: 'integer' })
  statusCode!: number;
}

export class DeliveryHistoryDoc {
  @ApiProperty({ type: [DeliveryAttemptDoc], description: 'Worker attempts (queue mode), oldest first' })
  attempts!: DeliveryAttemptDoc[];

  @ApiProperty({ type: [DeliveryReplayDoc], description: 'Its replays, oldest first' })
  replays!: DeliveryReplayDoc[];
}

/** `GET /api/deliveries/{id}`: the row, with headers and body, and its history. */
export class DeliveryDetailDoc extends DeliveryRowDoc {
  @ApiProperty({ type: DeliveryHistoryDoc })
  history!: DeliveryHistoryDoc;
}

export class DeliveryStatsPointDoc {
  @ApiProperty({ type: String, format: 'date-time', description: "The bucket's start" })
  at!: string;

  @ApiProperty()
  sender!: string;

  @ApiProperty({ enum: DELIVERY_STATES, enumName: 'DeliveryState' })
  state!: DeliveryState;

  @ApiProperty({ type: 'integer' })
  count!: number;
}

/** `GET /api/deliveries/stats`: deliveries per sender and state in each bucket of time. */
export class DeliveryStatsDoc {
  @ApiProperty({ type: String, format: 'date-time' })
  from!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  to!: string;

  @ApiProperty({ enum: ['hour', 'day'] })
  bucket!: 'hour' | 'day';

  @ApiProperty({ type: [DeliveryStatsPointDoc], description: 'Only the buckets with deliveries' })
  series!: DeliveryStatsPointDoc[];
}

export class MetaSenderDoc {
  @ApiProperty({ example: 'inkit' })
  id!: string;

  @ApiProperty({ description: 'Its variables are set and it is served' })
  enabled!: boolean;
}

/** `GET /api/meta`: what the dashboard's filters offer. */
export class ReceiverMetaDoc {
  @ApiProperty({ type: [MetaSenderDoc], description: 'Every sender the receiver knows' })
  senders!: MetaSenderDoc[];

  @ApiProperty({ enum: DELIVERY_STATES, enumName: 'DeliveryState', isArray: true })
  states!: DeliveryState[];
}

/** `POST /api/deliveries/{id}/replay`. */
export class ReplayStartedDoc {
  @ApiProperty({ description: "The replay's own delivery id: its row in the log" })
  id!: string;

  @ApiProperty({ description: 'The delivery replayed' })
  replayOf!: string;

  @ApiProperty({
    enum: ['queued', 'processed', 'dead'],
    description: '`queued` when a worker will run it; `processed` or `dead` when it ran here',
  })
  state!: 'queued' | 'processed' | 'dead';
}

/** What Nest answers for an error of the receiver's API. */
export class ApiErrorDoc {
  @ApiProperty({ type: 'integer', example: 404 })
  statusCode!: number;

  @ApiProperty({ example: 'Not Found' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'No delivery 3f0c2b1e-...',
  })
  message!: string | string[];
}

/** The reasons a webhook route answers with each status (see the library's webhooks.exception.ts). */
export const WEBHOOK_REASONS = {
  400: ['invalid-body', 'invalid-payload'],
  401: ['missing', 'malformed', 'mismatch', 'unsupported', 'timestamp'],
  409: ['in-flight'],
  413: ['too-large'],
  415: ['unsupported-encoding'],
  500: ['unavailable', 'handler-error', 'store-unavailable', 'queue-unavailable'],
} as const satisfies Record<number, readonly WebhookOutcomeReason[]>;

// Fails to compile when the library adds a reason that the document would not list.
const _everyReasonListed: [
  Exclude<WebhookOutcomeReason, (typeof WEBHOOK_REASONS)[keyof typeof WEBHOOK_REASONS][number]>,
] extends [never]
  ? true
  : false = true;

/** Every refusal of a webhook route (the library's WebhookException), with why. */
export class WebhookErrorDoc {
  @ApiProperty({ type: 'integer', example: 401 })
  statusCode!: number;

  @ApiProperty({ example: 'Unauthorized' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'Safe to show: never a secret, an expected signature or the payload',
  })
  message!: string | string[];

  @ApiPropertyOptional({
    enum: Object.values(WEBHOOK_REASONS).flat(),
    description: 'The outcome reason the delivery log records; absent on a 404',
  })
  reason?: string;
}

/**
 * Terminus's answer, `{ status, info, error, details }`, each dependency named with its status.
 * Terminus documents it too, but only where it can load @nestjs/swagger itself (not under Jest).
 */
export function healthSchema(status: 'ok' | 'error'): SchemaObject {
  const dependencies = (description: string, example: object): SchemaObject => ({
    type: 'object',
    description,
    additionalProperties: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['up', 'down'] } },
      additionalProperties: true,
    },
    example,
  });
  const up = { database: { status: 'up' } };
  const down = status === 'ok' ? {} : { redis: { status: 'down' } };
  return {
    type: 'object',
    required: ['status', 'info', 'error', 'details'],
    properties: {
      status: { type: 'string', enum: [status] },
      info: dependencies('The dependencies that are up', up),
      error: dependencies('The dependencies that are down', down),
      details: dependencies('Every dependency checked', { ...up, ...down }),
    },
  };
}
