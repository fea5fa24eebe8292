import 'reflect-metadata';
import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import { setUpApiDocs } from './api-docs/api-docs.js';
import { AppModule, RECEIVER_PROCESSING, type AppModuleOptions, type ReceiverEnv } from './app.module.js';
import type { ReceiverProcessing } from './config/processing.config.js';

/**
 * Limits that keep slow or endless requests from piling up. Webhook bodies are small and
 * senders are servers on fast links: a sender that needs longer than this is broken or hostile.
 */
export const SERVER_TIMEOUTS = {
  /** Time to receive all headers (slowloris). */
  headersTimeout: 10_000,
  /** Time to receive the whole request, body included. */
  requestTimeout: 30_000,
  /** Idle keep-alive connections are closed after this. */
  keepAliveTimeout: 5_000,
  /**
   * How often Node looks for connections past the two limits above. Its default, 30 s, would let
   * a slow client hold a connection for 10-40 s and 30-60 s instead of about 10 s and 30 s.
   */
  connectionsCheckingInterval: 1_000,
} as const;

export type ServerTimeouts = { -readonly [K in keyof typeof SERVER_TIMEOUTS]: number };

export interface ReceiverOptions {
  env?: ReceiverEnv;
  /** Overrides of the delivery log's retention (tests). */
  retention?: AppModuleOptions['retention'];
  /** Overrides of SERVER_TIMEOUTS (tests use short ones). */
  serverTimeouts?: Partial<ServerTimeouts>;
  logger?: LoggerService | LogLevel[] | false;
}

/**
 * The receiver, initialised but not listening. Rejects, naming the variable, when its environment
 * asks for something it cannot do (the module is resolved first for that: an error inside
 * NestFactory.create would abort the process rather than reject).
 */
export async function createReceiver(options: ReceiverOptions = {}): Promise<INestApplication> {
  const module = await AppModule.forRoot({ env: options.env, retention: options.retention });
  const app = await NestFactory.create(module, { logger: options.logger });
  app.enableShutdownHooks();
  // A worker serves no API, so no description of one.
  if (app.get<ReceiverProcessing>(RECEIVER_PROCESSING).role !== 'worker') setUpApiDocs(app);
  const server = app.getHttpServer() as Server;
  // Set before listen(): Node starts its connection checks when the server starts listening.
  Object.assign(server, SERVER_TIMEOUTS, options.serverTimeouts);
  return app;
}
