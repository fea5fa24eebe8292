import 'reflect-metadata';
import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import { AppModule, type ReceiverEnv } from './app.module.js';

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
} as const;

export interface ReceiverOptions {
  env?: ReceiverEnv;
  logger?: LoggerService | LogLevel[] | false;
}

export async function createReceiver(options: ReceiverOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot({ env: options.env }), {
    logger: options.logger,
  });
  app.enableShutdownHooks();
  const server = app.getHttpServer() as Server;
  Object.assign(server, SERVER_TIMEOUTS);
  return app;
}
