import { Controller, Get, Inject, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Registry } from 'prom-client';
import { AdminAccessGuard } from '../access/admin-access.guard.js';
import { METRICS_REGISTRY } from './metrics.registry.js';

/** Express and Fastify both have `header`. */
interface HeaderSetter {
  header(name: string, value: string): unknown;
}

/**
 * `/metrics` in Prometheus's text format, in every role (a worker's outcomes are its own). Behind
 * the API's access rule: sender ids and outcome counts tell about the business, so Prometheus
 * sends the token (`authorization: { credentials: <ADMIN_TOKEN> }` in its scrape config).
 */
@ApiExcludeController()
@Controller('metrics')
@UseGuards(AdminAccessGuard)
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get()
  metrics(@Res({ passthrough: true }) response: HeaderSetter): Promise<string> {
    response.header('Content-Type', this.registry.contentType);
    response.header('Cache-Control', 'no-store');
    return this.registry.metrics();
  }
}
