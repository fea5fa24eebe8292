import { Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import {
  createDatabase,
  DATABASE_HANDLE,
  DEFAULT_DATABASE_TIMEOUTS,
  DRIZZLE,
  millisecondsFrom,
  type DatabaseHandle,
} from './database.js';
import { RecordsRepository } from './records.repository.js';

@Module({
  imports: [ConfigModule],
  providers: [
    {
      provide: DATABASE_HANDLE,
      inject: [ConfigService],
      useFactory: (config: ConfigService): DatabaseHandle =>
        createDatabase({
          url: config.get<string>('DATABASE_URL'),
          dataDir: config.get<string>('PGLITE_DATA_DIR'),
          timeouts: {
            connectMs: millisecondsFrom(
              'DATABASE_CONNECT_TIMEOUT_MS',
              config.get<string>('DATABASE_CONNECT_TIMEOUT_MS'),
              DEFAULT_DATABASE_TIMEOUTS.connectMs,
            ),
            queryMs: millisecondsFrom(
              'DATABASE_QUERY_TIMEOUT_MS',
              config.get<string>('DATABASE_QUERY_TIMEOUT_MS'),
              DEFAULT_DATABASE_TIMEOUTS.queryMs,
            ),
          },
        }),
    },
    { provide: DRIZZLE, inject: [DATABASE_HANDLE], useFactory: (handle: DatabaseHandle) => handle.db },
    RecordsRepository,
  ],
  exports: [DRIZZLE, RecordsRepository],
})
export class DatabaseModule implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(DATABASE_HANDLE) private readonly handle: DatabaseHandle) {}

  // The app must not answer a webhook before its tables exist.
  onModuleInit(): Promise<void> {
    return this.handle.migrate();
  }

  // Last of the shutdown hooks, so other modules can still write while they stop.
  onApplicationShutdown(): Promise<void> {
    return this.handle.close();
  }
}
