// One app of the queue bench (bench/queue.mjs), in its own process:
// `node bench/queue-server.mjs <inline|queue|worker> <express|fastify>`, configured by BENCH_CONFIG
// (`{ senders, handlerMs, store: 'memory' | 'redis', redisUrl, keyPrefix, queueName, worker,
// concurrency }`). Speaks server.mjs's protocol: reports its port (0 for a worker, which serves no
// HTTP), then answers "stats" and "exit".
//
// inline: WebhooksModule.forRoot({ senders, store }), the handlers run before the reply.
// queue:  the same with processing: 'queue', plus BullModule.forRoot and WebhooksBullmqModule
//         (a worker in the process only when `worker`): the reply once Redis holds the delivery.
// worker: the same modules with routes: false and a worker: no HTTP, only the queued deliveries.
//
// One handler for every sender's event, which counts and then waits `handlerMs` (0: returns at once).
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { BullModule } from '@nestjs/bullmq';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { OnWebhook, RedisIdempotencyStore, WebhooksModule } from 'nestjs-webhooks';
import { WebhooksBullmqModule } from 'nestjs-webhooks/bullmq';
import { configuredSenders, EVENTS } from './deliveries.mjs';

const [kind, adapter] = process.argv.slice(2);
if (!['inline', 'queue', 'worker'].includes(kind)) throw new Error('kind must be inline, queue or worker');
const config = JSON.parse(process.env.BENCH_CONFIG);
let handled = 0;
/** Wall-clock time (ms, sub-millisecond) of the first handler call: where a worker's run starts. */
let firstAt;

/** Applies decorators the way TypeScript's emitted code does, since this file is plain JavaScript. */
function decorate(target, key, ...decorators) {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  Object.defineProperty(target, key, Reflect.decorate(decorators, target, key, descriptor) ?? descriptor);
}

class Handlers {
  handle() {
    firstAt ??= performance.timeOrigin + performance.now();
    handled++;
    return config.handlerMs > 0 ? sleep(config.handlerMs) : undefined;
  }
}
decorate(Handlers.prototype, 'handle', ...EVENTS.map((event) => OnWebhook(event)));
Injectable()(Handlers);

const redisUrl = new URL(config.redisUrl);
const redis = config.store === 'redis' ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
const queued = kind !== 'inline';

class QueueBenchModule {}
Module({
  imports: [
    EventEmitterModule.forRoot({ wildcard: true }),
    WebhooksModule.forRoot({
      senders: configuredSenders(config.senders),
      ...(redis ? { store: new RedisIdempotencyStore(redis, { keyPrefix: config.keyPrefix }) } : {}),
      ...(queued ? { processing: 'queue' } : {}),
      ...(kind === 'worker' ? { routes: false } : {}),
    }),
    ...(queued
      ? [
          BullModule.forRoot({
            connection: {
              host: redisUrl.hostname,
              port: Number(redisUrl.port || 6379),
              ...(redisUrl.password ? { password: decodeURIComponent(redisUrl.password) } : {}),
            },
          }),
          WebhooksBullmqModule.forRoot({
            queueName: config.queueName,
            worker: kind === 'worker' || config.worker === true,
            ...(config.concurrency ? { concurrency: config.concurrency } : {}),
          }),
        ]
      : []),
  ],
  providers: [Handlers],
})(QueueBenchModule);

let app;
let port = 0;
if (kind === 'worker') {
  app = await NestFactory.createApplicationContext(QueueBenchModule, { logger: false });
  await app.init();
} else {
  app =
    adapter === 'fastify'
      ? await NestFactory.create(QueueBenchModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(QueueBenchModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  port = app.getHttpServer().address().port;
}

process.on('message', async (message) => {
  if (message === 'stats') {
    const { rss, heapUsed } = process.memoryUsage();
    process.send({ stats: { handled, firstAt, rss, heapUsed, cpu: process.cpuUsage() } });
  } else if (message === 'exit') {
    // Closed, so that a worker gives back the jobs it holds and the connections end cleanly; but
    // never waits on keep-alive sockets or a handler still sleeping for long.
    setTimeout(() => process.exit(0), 2000).unref();
    await app.close().catch(() => {});
    redis?.disconnect();
    process.exit(0);
  }
});
// Never outlives the bench that started it, even one that was killed.
process.on('disconnect', () => process.exit(0));
process.send({ port });
