import { Controller, Get, NotFoundException, Param, ParseIntPipe, Query, UseGuards } from '@nestjs/common';
import { AdminAccessGuard } from '../access/admin-access.guard.js';
import { RecordsRepository } from '../database/index.js';

/** Personal data and every payload: behind the admin access rule. */
@Controller()
@UseGuards(AdminAccessGuard)
export class ApiController {
  constructor(private readonly records: RecordsRepository) {}

  @Get('api/records/:provider/:id')
  async record(@Param('provider') provider: string, @Param('id') id: string) {
    const record = await this.records.findRecord(provider, id);
    if (!record) throw new NotFoundException(`No ${provider} record ${id}`);
    return record;
  }

  @Get('api/deliveries')
  deliveries(
    @Query('provider') provider?: string,
    @Query('status', new ParseIntPipe({ optional: true })) status?: number,
    @Query('limit', new ParseIntPipe({ optional: true })) limit?: number,
  ) {
    return this.records.listDeliveries({ provider, status, limit });
  }
}
