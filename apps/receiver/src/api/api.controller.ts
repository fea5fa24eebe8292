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
  UseGuards,
} from '@nestjs/common';
import { AdminAccessGuard } from '../access/admin-access.guard.js';
import { DELIVERY_STATES, RecordsRepository, type DeliveryState } from '../database/index.js';
import { DeliveryReplayService, type ReplayStarted } from '../records/delivery-replay.service.js';

/** Personal data and every payload: behind the admin access rule. */
@Controller()
@UseGuards(AdminAccessGuard)
export class ApiController {
  constructor(
    private readonly records: RecordsRepository,
    private readonly replays: DeliveryReplayService,
  ) {}

  @Get('api/records/:sender/:id')
  async record(@Param('sender') sender: string, @Param('id') id: string) {
    const record = await this.records.findRecord(sender, id);
    if (!record) throw new NotFoundException(`No ${sender} record ${id}`);
    return record;
  }

  @Get('api/deliveries')
  deliveries(
    @Query('sender') sender?: string,
    @Query('status', new ParseIntPipe({ optional: true })) status?: number,
    @Query('limit', new ParseIntPipe({ optional: true })) limit?: number,
    @Query('provider') provider?: string,
    @Query('state') state?: string,
  ) {
    // The filter's old name would otherwise be ignored, and answer every sender's deliveries.
    if (provider !== undefined) throw new BadRequestException('The filter is ?sender=, not ?provider=');
    if (state !== undefined && !(DELIVERY_STATES as readonly string[]).includes(state)) {
      throw new BadRequestException(`?state= is one of ${DELIVERY_STATES.join(', ')}`);
    }
    return this.records.listDeliveries({ sender, status, limit, state: state as DeliveryState | undefined });
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
