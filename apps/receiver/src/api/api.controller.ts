import {
  BadRequestException,
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseIntPipe,
  Query,
  UseGuards,
} from '@nestjs/common';
import { AdminAccessGuard } from '../access/admin-access.guard.js';
import { RecordsRepository } from '../database/index.js';

/** Personal data and every payload: behind the admin access rule. */
@Controller()
@UseGuards(AdminAccessGuard)
export class ApiController {
  constructor(private readonly records: RecordsRepository) {}

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
  ) {
    // The filter's old name would otherwise be ignored, and answer every sender's deliveries.
    if (provider !== undefined) throw new BadRequestException('The filter is ?sender=, not ?provider=');
    return this.records.listDeliveries({ sender, status, limit });
  }
}
