// One server under test, in its own process so that the load generator never shares its event
// loop. `node bench/server.mjs <baseline|module|floor> <express|fastify>`; configuration comes
// from BENCH_CONFIG (`senders`: each sender's credentials by id, see serverConfig in
// deliveries.mjs); it reports its port, then answers "stats" and "exit" messages.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { Controller, Header, HttpCode, Injectable, Module, Post, Body, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { OnWebhook, WebhooksModule, WebhooksService } from 'nestjs-webhooks';
import { configuredSenders, DTOS, EVENTS, PATHS, ROUTE_EVENTS, SENDERS, VERIFIERS } from './deliveries.mjs';

const [kind, adapter] = process.argv.slice(2);
const config = JSON.parse(process.env.BENCH_CONFIG);
let handled = 0;

// bench/ablate.mjs only: the module's route with one step taken away, to see what that step costs
// inside a loaded server (where everything costs more than in a microbenchmark).
const ABLATION = process.env.BENCH_ABLATION ?? '';
if (ABLATION === 'noprocess') {
  // Answers right after the guard verified the delivery.
  WebhooksService.prototype.process = function () {
    handled++;
    return Promise.resolve();
  };
} else if (ABLATION === 'nodispatch') {
  WebhooksService.prototype.dispatch = function () {
    handled++;
    return [];
  };
} else if (ABLATION !== '' && ABLATION !== 'nostore') {
  throw new Error(`unknown ablation "${ABLATION}"`);
}
const claimAll = {
  claim: async () => 'claimed',
  complete: async () => {},
  release: async () => {},
};

/** Applies decorators the way TypeScript's emitted code does, since this file is plain JavaScript. */
function decorate(target, key, ...decorators) {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  Object.defineProperty(target, key, Reflect.decorate(decorators, target, key, descriptor) ?? descriptor);
}

/** (a) The same body on the same path, validated by ValidationPipe with the same DTO; no verification. */
function baselineModule() {
  class BaselineController {}
  for (const sender of SENDERS) {
    BaselineController.prototype[sender] = function () {
      handled++;
      return 'OK';
    };
    decorate(
      BaselineController.prototype,
      sender,
      // A sender whose event comes from the route has it as a parameter, as on the module's route.
      Post(ROUTE_EVENTS[sender] === undefined ? sender : `${sender}/:event`),
      HttpCode(200),
      Header('Content-Type', 'text/plain; charset=utf-8'),
      (target, key) => Body(new ValidationPipe({ expectedType: DTOS[sender] }))(target, key, 0),
    );
  }
  Controller('webhooks')(BaselineController);
  class BaselineModule {}
  Module({ controllers: [BaselineController] })(BaselineModule);
  return BaselineModule;
}

/** (b) The module's routes: verify, validate, de-duplicate, dispatch to a handler that does nothing. */
function webhooksModule() {
  class NoopHandlers {
    handle() {
      handled++;
    }
  }
  decorate(NoopHandlers.prototype, 'handle', ...EVENTS.map((event) => OnWebhook(event)));
  Injectable()(NoopHandlers);
  class BenchModule {}
  Module({
    imports: [
      // As the module's documentation sets it up.
      EventEmitterModule.forRoot({ wildcard: true }),
      WebhooksModule.forRoot({
        senders: configuredSenders(config.senders),
        idempotency: config.idempotency,
        ...(ABLATION === 'nostore' ? { store: claimAll } : {}),
      }),
    ],
    providers: [NoopHandlers],
  })(BenchModule);
  return BenchModule;
}

async function startNest(root) {
  const app =
    adapter === 'fastify'
      ? await NestFactory.create(root, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(root, { logger: false });
  await app.listen(0, '127.0.0.1');
  return { port: app.getHttpServer().address().port, close: () => app.close() };
}

/** (c) The floor: node:http, the same verifiers, JSON.parse, "OK". Nothing else. */
function startFloor() {
  const verifiers = new Map(
    SENDERS.filter((sender) => config.senders[sender] !== undefined).map((sender) => [
      PATHS[sender],
      VERIFIERS[sender](config.senders[sender]),
    ]),
  );
  const server = createServer((req, res) => {
    const verify = verifiers.get(req.url);
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      if (!verify || !verify(body, req.headersDistinct).ok) {
        res.statusCode = verify ? 401 : 404;
        return res.end();
      }
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        res.statusCode = 400;
        return res.end();
      }
      handled++;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end('OK');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ port: server.address().port, close: () => new Promise((done) => server.close(done)) }),
    ),
  );
}

const server =
  kind === 'floor'
    ? await startFloor()
    : await startNest(kind === 'module' ? webhooksModule() : baselineModule());

/** Started after the warm-up (--profile), so startup and the JIT's first passes stay out of it. */
let profiler;
let handledBeforeProfile = 0;

process.on('message', async (message) => {
  if (message === 'profile-start') {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
    handledBeforeProfile = handled;
    process.send({ stats: { handled } });
  } else if (message === 'stats' || message === 'heap') {
    // "heap" reads live data only: collected first (the server runs with --expose-gc).
    if (message === 'heap') globalThis.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    process.send({ stats: { handled, rss, heapUsed, cpu: process.cpuUsage() } });
  } else if (message === 'exit') {
    server.close();
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      profile.requests = handled - handledBeforeProfile;
      writeFileSync(config.profileFile, JSON.stringify(profile));
    }
    // Exits even with keep-alive sockets left open.
    process.exit(0);
  }
});
// Never outlives the bench that started it, even one that was killed.
process.on('disconnect', () => process.exit(0));
process.send({ port: server.port });
