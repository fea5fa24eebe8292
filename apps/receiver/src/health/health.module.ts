import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseModule } from '../database/index.js';
import { RedisModule } from '../redis/redis.module.js';
import { DatabaseHealthIndicator } from './database.health.js';
import { HEALTH_TIMEOUT_MS, healthTimeoutFrom } from './dependency.health.js';
import { HealthController } from './health.controller.js';
import { QueueHealthIndicator } from './queue.health.js';
import { RedisHealthIndicator } from './redis.health.js';

/**
 * `/health`, `/health/ready` and `/health/live` (see HealthController), in every role. The
 * database and Redis modules are the app's own (one instance each); the queue is found when
 * queue mode provides it.
 */
@Module({
  // Terminus's own logger would log every failed check with its reason; the indicators log
  // each outage once instead.
  imports: [TerminusModule.forRoot({ logger: false }), ConfigModule, DatabaseModule, RedisModule],
  controllers: [HealthController],
  providers: [
    { provide: HEALTH_TIMEOUT_MS, inject: [ConfigService], useFactory: healthTimeoutFrom },
    DatabaseHealthIndicator,
    RedisHealthIndicator,
    QueueHealthIndicator,
  ],
})
export class HealthModule {}
