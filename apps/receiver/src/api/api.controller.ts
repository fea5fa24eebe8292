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
import { WebhooksService } from 'nestjs-webhooks';
import { AdminAccessGuard } from '../access/admin-access.guard.js';
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
@Controller()
@UseGuards(AdminAccessGuard)
export class ApiController {
  constructor(
    private readonly records: RecordsRepository,
    private readonly replays: DeliveryReplayService,
    private readonly webhooks: WebhooksService,
  ) {}

  @Get('api/records/:sender/:id')
  async record(@Param('sender') sender: string, @Param('id') id: string) {
    const record = await this.records.findRecord(sender, id);
    if (!record) throw new NotFoundException(`No ${sender} record ${id}`);
    return record;
  }

  @Get('api/meta')
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
