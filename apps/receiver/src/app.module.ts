import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { RedisIdempotencyStore, WebhooksModule } from 'nestjs-webhooks';
import type { Redis } from 'ioredis';
import { AdminAccessGuard } from './access/admin-access.guard.js';
import { ApiController } from './api/api.controller.js';
import { HealthController } from './api/health.controller.js';
import { sendersFromEnv } from './config/webhooks.config.js';
import { DatabaseModule } from './database/index.js';
import { DeliveryLogListener } from './records/delivery-log.listener.js';
import { REDIS_CLIENT, RedisModule, redactUrl } from './redis/redis.module.js';
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
] as const;

/** Every variable the receiver reads, so a test can hand it a complete environment. */
export const RECEIVER_VARIABLES: readonly (
  (typeof SERVICE_VARIABLES)[number] | (typeof SENDER_VARIABLES)[number]
)[] = [...SERVICE_VARIABLES, ...SENDER_VARIABLES];

export type ReceiverEnv = Partial<Record<(typeof RECEIVER_VARIABLES)[number], string>>;

export interface AppModuleOptions {
  /** Use exactly this environment instead of process.env and .env (tests, the demo, the soak). */
  env?: ReceiverEnv;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions = {}): DynamicModule {
    const config = options.env
      ? ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => options.env!],
        })
      : ConfigModule.forRoot({ isGlobal: true, envFilePath: ['.env', 'apps/receiver/.env'] });
    return {
      module: AppModule,
      imports: [
        config,
        EventEmitterModule.forRoot({ wildcard: true }),
        DatabaseModule,
        WebhooksModule.forRootAsync({
          imports: [RedisModule],
          inject: [ConfigService, REDIS_CLIENT],
          useFactory: (config: ConfigService, redis: Redis | null) => {
            const env = Object.fromEntries(
              RECEIVER_VARIABLES.map((name) => [name, config.get<string>(name)]),
            );
            const { senders, disabled, warnings } = sendersFromEnv(env);
            const logger = new Logger('Receiver');
            for (const warning of warnings) logger.warn(warning);
            for (const { sender, variable } of disabled)
              logger.log(`${sender} is off: set ${variable} to switch it on`);
            if (!redis) {
              logger.log(
                'Idempotency store: in memory, this instance only (set REDIS_URL to share it between instances)',
              );
              return { senders };
            }
            const keyPrefix = env.REDIS_KEY_PREFIX || undefined;
            const store = new RedisIdempotencyStore(redis, { keyPrefix });
            logger.log(
              `Idempotency store: Redis at ${redactUrl(env.REDIS_URL ?? '')}, shared by every instance using it`,
            );
            return { senders, store };
          },
        }),
      ],
      controllers: [ApiController, HealthController],
      providers: [...RECEIVER_SENDERS.map(({ handler }) => handler), DeliveryLogListener, AdminAccessGuard],
    };
  }
}
