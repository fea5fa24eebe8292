import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HEALTH_TAG, healthSchema } from '../api-docs/api-docs.models.js';
import { DatabaseHealthIndicator } from './database.health.js';
import type { DependencyHealthIndicator } from './dependency.health.js';
import { QueueHealthIndicator } from './queue.health.js';
import { RedisHealthIndicator } from './redis.health.js';

// The answers' shapes in the OpenAPI document (/api/docs), given here rather than by terminus,
// which documents them only where it can require() @nestjs/swagger (not under Jest): the same
// document everywhere. Answers are never cached.
const CHECK = { noCache: true, swaggerDocumentation: false };
const UP = { description: 'Every dependency checked is up', schema: healthSchema('ok') };
const DOWN = { description: 'A dependency is down: `error` names it', schema: healthSchema('error') };

/**
 * Health for load balancers, orchestrators and people, open to anyone in every role (a worker
 * serves nothing else): each answer says up or down per dependency and nothing more. Answers are
 * terminus's: `{ status, info, error, details }`, with `status: 'ok'` and 200, or
 * `status: 'error'` and 503 naming what is down in `error`. Never cached.
 */
@ApiTags(HEALTH_TAG)
@Controller('health')
export class HealthController {
  // Decided once: which dependencies there are does not change while the process runs.
  private readonly dependencies: readonly DependencyHealthIndicator[];

  constructor(
    private readonly health: HealthCheckService,
    database: DatabaseHealthIndicator,
    redis: RedisHealthIndicator,
    queue: QueueHealthIndicator,
  ) {
    this.dependencies = [database, redis, queue].filter((dependency) => dependency.configured);
  }

  /**
   * Every dependency the receiver is configured with, each within HEALTH_TIMEOUT_MS (default
   * 2 000 ms) and all at once: `database` always, `redis` when REDIS_URL is set, `queue` in queue
   * mode. The same as /health/ready, under the path monitors have always polled.
   */
  @Get()
  @HealthCheck(CHECK)
  @ApiOperation({ summary: 'Readiness, under the path monitors have always polled' })
  @ApiOkResponse(UP)
  @ApiServiceUnavailableResponse(DOWN)
  check(): Promise<HealthCheckResult> {
    return this.ready();
  }

  /**
   * Readiness: whether this instance can do its work now. 503 while any dependency is down, so
   * that a load balancer or orchestrator sends it nothing until it is back; the process is not
   * restarted for it (a restart does not bring a database back).
   */
  @Get('ready')
  @HealthCheck(CHECK)
  @ApiOperation({ summary: 'Readiness: the database, Redis and the queue, as configured, each up' })
  @ApiOkResponse(UP)
  @ApiServiceUnavailableResponse(DOWN)
  ready(): Promise<HealthCheckResult> {
    return this.health.check(this.dependencies.map((dependency) => () => dependency.check()));
  }

  /**
   * Liveness: whether the process answers at all. 200 whenever it can, checking no dependency,
   * so that an outage of the database or Redis never gets healthy pods restarted in a loop;
   * an orchestrator restarts the process only when this stops answering.
   */
  @Get('live')
  @HealthCheck(CHECK)
  @ApiOperation({ summary: 'Liveness: the process answers; no dependency is checked' })
  @ApiOkResponse({ description: 'The process answers; nothing is named', schema: healthSchema('ok') })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }
}
