import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { WebhooksService } from 'nestjs-webhooks';
import { AdminAccessGuard } from '../access/admin-access.guard.js';
import {
  ADMIN_SECURITY,
  API_TAG,
  ApiErrorDoc,
  DeliveryDetailDoc,
  DeliveryRowDoc,
  DeliveryStatsDoc,
  DeliverySummaryDoc,
  ReceiverMetaDoc,
  ReplayStartedDoc,
} from '../api-docs/api-docs.models.js';
import {
  DELIVERY_STATES,
  RecordsRepository,
  type DeliveryCursor,
  type DeliveryDetail,
  type DeliveryRow,
  type DeliveryState,
  type DeliveryStats,
  type DeliverySummary,
  type ListDeliveriesQuery,
  type StatsBucket,
} from '../database/index.js';
import { DeliveryReplayService, type ReplayStarted } from '../records/delivery-replay.service.js';
import { RECEIVER_SENDERS } from '../senders/index.js';

/** What `GET /api/meta` answers: what the dashboard's filters offer. */
export interface ReceiverMeta {
  /** Every sender the receiver knows; `enabled` when its variables are set and it is served. */
  senders: { id: string; enabled: boolean }[];
  states: readonly DeliveryState[];
}

/** The chart's default window: the last day, by the hour. */
const DEFAULT_STATS_WINDOW_MS = 24 * 60 * 60 * 1000;
/** At most this many buckets per chart, so one query cannot be asked to group years by the hour. */
const MAX_BUCKETS = 24 * 93;
const BUCKET_MS: Record<StatsBucket, number> = { hour: 3_600_000, day: 86_400_000 };

/** Headers set on a page of the list (Express and Fastify both have `header`). */
interface HeaderSetter {
  header(name: string, value: string): unknown;
}

/** Personal data and every payload: behind the admin access rule. */
@ApiTags(API_TAG)
@ApiBearerAuth(ADMIN_SECURITY)
@ApiUnauthorizedResponse({
  description: 'ADMIN_TOKEN is set and no matching bearer token came',
  type: ApiErrorDoc,
})
@ApiForbiddenResponse({
  description: 'ADMIN_TOKEN is unset and the client is not loopback, or came through a proxy',
  type: ApiErrorDoc,
})
@ApiExtraModels(DeliveryRowDoc, DeliverySummaryDoc)
@Controller()
@UseGuards(AdminAccessGuard)
export class ApiController {
  constructor(
    private readonly records: RecordsRepository,
    private readonly replays: DeliveryReplayService,
    private readonly webhooks: WebhooksService,
  ) {}

  @Get('api/records/:sender/:id')
  @ApiOperation({ summary: "The record a sender's handler filed, by the sender's own id" })
  @ApiParam({ name: 'sender', enum: RECEIVER_SENDERS.map(({ env }) => env.sender.id) })
  @ApiParam({ name: 'id', description: 'The id the sender gave it (Inkit: resource_id)' })
  @ApiOkResponse({
    description: "The record's row: its columns are the sender's table's",
    schema: { type: 'object', additionalProperties: true },
  })
  @ApiNotFoundResponse({ description: 'No such record', type: ApiErrorDoc })
  async record(@Param('sender') sender: string, @Param('id') id: string) {
    const record = await this.records.findRecord(sender, id);
    if (!record) throw new NotFoundException(`No ${sender} record ${id}`);
    return record;
  }

  @Get('api/meta')
  @ApiOperation({ summary: "What the dashboard's filters offer: the senders and the delivery states" })
  @ApiOkResponse({ description: 'The senders and states', type: ReceiverMetaDoc })
  meta(): ReceiverMeta {
    const served = new Set(this.webhooks.servedSenders().map(({ id }) => id));
    return {
      senders: RECEIVER_SENDERS.map(({ env }) => ({ id: env.sender.id, enabled: served.has(env.sender.id) })),
      states: DELIVERY_STATES,
    };
  }

  /**
   * Newest first, one page. When more may follow, the `X-Next-Cursor` header holds where the next
   * page starts (pass it back as `?before=`), and `Link` the next page's URL (RFC 8288), so the
   * answer stays the plain array it always was. `view=summary` leaves out bodies and headers.
   */
  @Get('api/deliveries')
  @ApiOperation({
    summary: 'The delivery log, newest first, one page',
    description:
      'When more rows follow, `X-Next-Cursor` holds where the next page starts (pass it as ' +
      "`before`) and `Link` the next page's URL. `view=summary` leaves out `headers`, `rawBody` " +
      'and `rawBodyEncoding`.',
  })
  @ApiQuery({ name: 'sender', required: false, description: "A sender's id, as in its route" })
  @ApiQuery({ name: 'state', required: false, enum: DELIVERY_STATES, enumName: 'DeliveryState' })
  @ApiQuery({ name: 'status', required: false, type: 'integer', description: 'The HTTP status answered' })
  @ApiQuery({
    name: 'from',
    required: false,
    type: String,
    format: 'date-time',
    description: 'Received at or after (ISO 8601)',
  })
  @ApiQuery({
    name: 'to',
    required: false,
    type: String,
    format: 'date-time',
    description: 'Received before (ISO 8601)',
  })
  @ApiQuery({
    name: 'before',
    required: false,
    description: 'The cursor of the previous page (`X-Next-Cursor`)',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    type: 'integer',
    description: 'Rows per page: default 50, at most 500',
  })
  @ApiQuery({ name: 'view', required: false, enum: ['summary'], description: 'Without bodies and headers' })
  @ApiQuery({
    name: 'provider',
    required: false,
    deprecated: true,
    description: 'The old name of `sender`: answered 400',
  })
  @ApiOkResponse({
    description: 'A page of rows; summaries with `view=summary`',
    headers: {
      'X-Next-Cursor': {
        description: 'Where the next page starts, when one may follow',
        schema: { type: 'string' },
      },
      Link: { description: 'The next page\'s URL, `rel="next"` (RFC 8288)', schema: { type: 'string' } },
    },
    schema: {
      type: 'array',
      items: {
        anyOf: [{ $ref: getSchemaPath(DeliveryRowDoc) }, { $ref: getSchemaPath(DeliverySummaryDoc) }],
      },
    },
  })
  @ApiBadRequestResponse({
    description:
      'A filter that is not one: an unknown state, a time not ISO 8601, a cursor this API did not give',
    type: ApiErrorDoc,
  })
  async deliveries(
    @Req() request: { url?: string; originalUrl?: string },
    @Res({ passthrough: true }) response: HeaderSetter,
    @Query('sender') sender?: string,
    @Query('status', new ParseIntPipe({ optional: true })) status?: number,
    @Query('limit', new ParseIntPipe({ optional: true })) limit?: number,
    @Query('provider') provider?: string,
    @Query('state') state?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('before') before?: string,
    @Query('view') view?: string,
  ): Promise<DeliveryRow[] | DeliverySummary[]> {
    // The filter's old name would otherwise be ignored, and answer every sender's deliveries.
    if (provider !== undefined) throw new BadRequestException('The filter is ?sender=, not ?provider=');
    if (view !== undefined && view !== 'summary')
      throw new BadRequestException('?view= is summary or absent');
    const query: ListDeliveriesQuery = {
      sender,
      status,
      limit,
      state: stateFrom(state),
      from: dateFrom('from', from),
      to: dateFrom('to', to),
      before: before === undefined ? undefined : decodeCursor(before),
    };
    const page =
      view === 'summary'
        ? await this.records.listDeliverySummaries(query)
        : await this.records.listDeliveries(query);
    if (page.next !== undefined) {
      const cursor = encodeCursor(page.next);
      response.header('X-Next-Cursor', cursor);
      response.header(
        'Link',
        `<${nextPageUrl(request.originalUrl ?? request.url ?? '', cursor)}>; rel="next"`,
      );
    }
    return page.rows;
  }

  /** Deliveries per sender and state in each hour (or day) of [from, to); default the last 24 hours. */
  @Get('api/deliveries/stats')
  @ApiOperation({ summary: 'Deliveries per sender and state in each hour or day: the outcomes chart' })
  @ApiQuery({
    name: 'from',
    required: false,
    type: String,
    format: 'date-time',
    description: 'Default: `to` less 24 hours',
  })
  @ApiQuery({ name: 'to', required: false, type: String, format: 'date-time', description: 'Default: now' })
  @ApiQuery({ name: 'bucket', required: false, enum: ['hour', 'day'], description: 'Default: hour' })
  @ApiOkResponse({ description: 'The series, by bucket', type: DeliveryStatsDoc })
  @ApiBadRequestResponse({
    description: 'A time not ISO 8601, `from` not before `to`, or too many buckets',
    type: ApiErrorDoc,
  })
  stats(
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('bucket') bucket?: string,
  ): Promise<DeliveryStats> {
    if (bucket !== undefined && bucket !== 'hour' && bucket !== 'day') {
      throw new BadRequestException('?bucket= is hour or day');
    }
    const unit: StatsBucket = bucket ?? 'hour';
    const end = dateFrom('to', to) ?? new Date();
    const start = dateFrom('from', from) ?? new Date(end.getTime() - DEFAULT_STATS_WINDOW_MS);
    if (start >= end) throw new BadRequestException('?from= must be before ?to=');
    if ((end.getTime() - start.getTime()) / BUCKET_MS[unit] > MAX_BUCKETS) {
      throw new BadRequestException(`At most ${MAX_BUCKETS} buckets: widen ?bucket= or narrow the window`);
    }
    return this.records.deliveryStats(start, end, unit);
  }

  /** One delivery: its row with headers and body, its worker attempts and its replays. */
  @Get('api/deliveries/:id')
  @ApiOperation({ summary: 'One delivery: its row with headers and body, its attempts and its replays' })
  @ApiParam({ name: 'id', description: 'The delivery id' })
  @ApiOkResponse({ description: 'The delivery and its history', type: DeliveryDetailDoc })
  @ApiNotFoundResponse({ description: 'No such delivery', type: ApiErrorDoc })
  async delivery(@Param('id') id: string): Promise<DeliveryDetail> {
    const detail = await this.records.deliveryDetail(id);
    if (detail === undefined) throw new NotFoundException(`No delivery ${id}`);
    return detail;
  }

  /**
   * Runs a verified delivery's handlers once more (202): 404 for an unknown id, 409 for a rejected
   * delivery or one that cannot be rebuilt. The replay is logged as a delivery of its own.
   */
  @Post('api/deliveries/:id/replay')
  @HttpCode(202)
  @ApiOperation({
    summary: "Runs a verified delivery's handlers once more",
    description:
      'The replay is logged as a delivery of its own, `replayOf` naming this one; it bypasses de-duplication.',
  })
  @ApiParam({ name: 'id', description: 'The delivery to replay' })
  @ApiAcceptedResponse({ description: 'The replay, logged', type: ReplayStartedDoc })
  @ApiNotFoundResponse({ description: 'No such delivery', type: ApiErrorDoc })
  @ApiConflictResponse({
    description: 'A rejected delivery (never verified), or one the log can no longer rebuild',
    type: ApiErrorDoc,
  })
  @ApiServiceUnavailableResponse({
    description: 'Queue mode: the queue is unreachable; retry later',
    type: ApiErrorDoc,
  })
  replay(@Param('id') id: string): Promise<ReplayStarted> {
    return this.replays.replay(id);
  }
}

function stateFrom(state: string | undefined): DeliveryState | undefined {
  if (state !== undefined && !(DELIVERY_STATES as readonly string[]).includes(state)) {
    throw new BadRequestException(`?state= is one of ${DELIVERY_STATES.join(', ')}`);
  }
  return state as DeliveryState | undefined;
}

function dateFrom(name: string, value: string | undefined): Date | undefined {
  if (value === undefined || value === '') return undefined;
  // ISO 8601 with a date at least; Date.parse alone would take "1" or "March 7".
  const date = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) {
    throw new BadRequestException(`?${name}= must be an ISO 8601 time, e.g. 2026-11-28T14:00:00Z`);
  }
  return date;
}

/**
 * Opaque to clients: the last row's time (milliseconds, which is what the receiver writes) and
 * id, base64url. Not signed: a forged cursor only moves where a page of the caller's own view starts.
 */
export function encodeCursor({ receivedAt, id }: DeliveryCursor): string {
  return Buffer.from(`${receivedAt.toISOString()}|${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): DeliveryCursor {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const cut = text.indexOf('|');
  const receivedAt = new Date(text.slice(0, cut));
  if (cut < 20 || Number.isNaN(receivedAt.getTime()) || cut === text.length - 1) {
    throw new BadRequestException('?before= is not a cursor this API gave (X-Next-Cursor)');
  }
  return { receivedAt, id: text.slice(cut + 1) };
}

function nextPageUrl(url: string, cursor: string): string {
  const next = new URL(url, 'http://receiver.invalid');
  next.searchParams.set('before', cursor);
  return `${next.pathname}${next.search}`;
}
