import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { RecordsRepository } from '../database/index.js';

/** Open to anyone (load balancers, orchestrators): it says up or down and nothing more. */
@Controller()
export class HealthController {
  constructor(private readonly records: RecordsRepository) {}

  @Get('health')
  async health() {
    try {
      await this.records.ping();
    } catch {
      throw new ServiceUnavailableException({ status: 'error', database: 'down' });
    }
    return { status: 'ok', database: 'up' };
  }
}
