import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { RedisIdempotencyStore, WebhooksModule, type WebhooksModuleOptions } from 'nestjs-webhooks';
import { WebhooksBullmqModule } from 'nestjs-webhooks/bullmq';
import type { Redis } from 'ioredis';
import { AdminAccessGuard } from './access/admin-access.guard.js';
import { ApiController } from './api/api.controller.js';
import {
  bullmqConnection,
  PROCESSING_VARIABLES,
  processingFromEnv,
  type ReceiverProcessing,
} from './config/processing.config.js';
import { sendersFromEnv } from './config/webhooks.config.js';
import { DashboardController } from './dashboard/dashboard.controller.js';
import { DatabaseModule, millisecondsFrom } from './database/index.js';
import { HealthModule } from './health/health.module.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { DeliveryLogListener } from './records/delivery-log.listener.js';
import { DeliveryReplayService } from './records/delivery-replay.service.js';
import { RETENTION_OPTIONS, RetentionService, type RetentionOptions } from './records/retention.service.js';
import { DEFAULT_REDIS_TIMEOUTS, REDIS_CLIENT, RedisModule, redactUrl } from './redis/redis.module.js';
import { RECEIVER_SENDERS, SENDER_VARIABLES } from './senders/index.js';

/** The variables the receiver reads besides its senders' own. */
const SERVICE_VARIABLES = [
  'PORT',
  'ADMIN_TOKEN',
  'DATABASE_URL',
  'DATABASE_CONNECT_TIMEOUT_MS',
  'DATABASE_QUERY_TIMEOUT_MS',
  'HEALTH_TIMEOUT_MS',
  'PGLITE_DATA_DIR',
  'REDIS_URL',
  'REDIS_KEY_PREFIX',
  'REDIS_CONNECT_TIMEOUT_MS',
  'REDIS_COMMAND_TIMEOUT_MS',
  'RETENTION_DAYS',
  ...PROCESSING_VARIABLES,
] as const;

/** Every variable the receiver reads, so a test can hand it a complete environment. */
export const RECEIVER_VARIABLES: readonly (
  (typeof SERVICE_VARIABLES)[number] | (typeof SENDER_VARIABLES)[number]
)[] = [...SERVICE_VARIABLES, ...SENDER_VARIABLES];

export type ReceiverEnv = Partial<Record<(typeof RECEIVER_VARIABLES)[number], string>>;

export interface AppModuleOptions {
  /** Use exactly this environment instead of process.env and .env (tests, the demo, the soak). */
  env?: ReceiverEnv;
  /** Overrides of the delivery log's retention (tests); RETENTION_DAYS sets the window. */
  retention?: Partial<RetentionOptions>;
}

/** How this process processes deliveries and which role it plays (see processingFromEnv). */
export const RECEIVER_PROCESSING = Symbol('RECEIVER_PROCESSING');

@Module({})
export class AppModule {
  /**
   * Async because the processing mode and role decide which modules and routes there are, and
   * without `env` they may come from .env, which the ConfigModule reads into process.env first.
   * Rejects (the receiver does not start) on a setting it cannot honour, naming the variable.
   */
  static async forRoot(options: AppModuleOptions = {}): Promise<DynamicModule> {
    const config = await (options.env
      ? ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => options.env!],
        })
      : ConfigModule.forRoot({ isGlobal: true, envFilePath: ['.env', 'apps/receiver/.env'] }));
    const processing = processingFromEnv(options.env ?? process.env);
    const serves = processing.role !== 'worker';
    return {
      module: AppModule,
      imports: [
        config,
        EventEmitterModule.forRoot({ wildcard: true }),
        DatabaseModule,
        HealthModule,
        MetricsModule,
        webhooksModule(processing),
        ...queueModules(processing, options.env ?? process.env),
      ],
      // A worker serves /health and /metrics only: no webhook routes (see webhooksModule) and no API.
      controllers: serves ? [ApiController, DashboardController, MetricsController] : [MetricsController],
      providers: [
        { provide: RECEIVER_PROCESSING, useValue: processing },
        ...RECEIVER_SENDERS.map(({ handler }) => handler),
        DeliveryLogListener,
        RetentionService,
        { provide: RETENTION_OPTIONS, useValue: options.retention ?? null },
        AdminAccessGuard,
        ...(serves ? [DeliveryReplayService] : []),
      ],
    };
  }
}

function webhooksModule(processing: ReceiverProcessing): DynamicModule {
  return WebhooksModule.forRootAsync({
    routes: processing.role !== 'worker',
    imports: [RedisModule],
    inject: [ConfigService, REDIS_CLIENT],
    useFactory: (config: ConfigService, redis: Redis | null): WebhooksModuleOptions => {
      const env = Object.fromEntries(RECEIVER_VARIABLES.map((name) => [name, config.get<string>(name)]));
      const { senders, disabled, warnings } = sendersFromEnv(env);
      const logger = new Logger('Receiver');
      for (const warning of [...warnings, ...processing.warnings]) logger.warn(warning);
      for (const { sender, variable } of disabled)
        logger.log(`${sender} is off: set ${variable} to switch it on`);
      logger.log(describeProcessing(processing));
      const idempotency =
        processing.leaseMs === undefined ? {} : { idempotency: { leaseMs: processing.leaseMs } };
      if (!redis) {
        logger.log(
          'Idempotency store: in memory, this instance only (set REDIS_URL to share it between instances)',
        );
        return { senders, ...idempotency };
      }
      const keyPrefix = env.REDIS_KEY_PREFIX || undefined;
      const store = new RedisIdempotencyStore(redis, { keyPrefix });
      logger.log(
        `Idempotency store: Redis at ${redactUrl(env.REDIS_URL ?? '')}, shared by every instance using it`,
      );
      const queue = processing.queue;
      if (queue === undefined) return { senders, store, ...idempotency };
      return {
        senders,
        store,
        ...idempotency,
        processing: 'queue',
        ...(queue.queueTimeoutMs === undefined ? {} : { queueTimeoutMs: queue.queueTimeoutMs }),
      };
    },
  });
}

/** Queue mode's modules: BullMQ's connection (its own connections, from REDIS_URL) and the queue. */
function queueModules(
  processing: ReceiverProcessing,
  env: Record<string, string | undefined>,
): DynamicModule[] {
  const queue = processing.queue;
  if (queue === undefined) return [];
  const connectMs = millisecondsFrom(
    'REDIS_CONNECT_TIMEOUT_MS',
    env.REDIS_CONNECT_TIMEOUT_MS,
    DEFAULT_REDIS_TIMEOUTS.connectMs,
  );
  return [
    BullModule.forRoot({ connection: bullmqConnection(queue.redisUrl, connectMs) }),
    WebhooksBullmqModule.forRoot({
      queueName: queue.queueName,
      worker: processing.role !== 'api',
      ...(queue.concurrency === undefined ? {} : { concurrency: queue.concurrency }),
      ...(queue.attempts === undefined ? {} : { attempts: queue.attempts }),
      ...(queue.backoffMs === undefined ? {} : { backoff: { type: 'exponential', delay: queue.backoffMs } }),
      ...(queue.lockDurationMs === undefined ? {} : { lockDurationMs: queue.lockDurationMs }),
      ...(queue.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: queue.stalledIntervalMs }),
    }),
  ];
}

function describeProcessing({ mode, role, queue }: ReceiverProcessing): string {
  if (queue === undefined) return `Processing: ${mode}, handlers run before the reply`;
  const where = `BullMQ queue "${queue.queueName}" at ${redactUrl(queue.redisUrl)}`;
  if (role === 'api') return `Processing: queue (${where}), role api: answers senders, runs no worker`;
  if (role === 'worker')
    return `Processing: queue (${where}), role worker: runs queued deliveries, serves /health and /metrics only`;
  return `Processing: queue (${where}), role all: answers senders and runs a worker`;
}
