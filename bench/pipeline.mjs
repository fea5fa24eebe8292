// The module's own work per delivery, without HTTP: `node bench/pipeline.mjs [--sender inkit]`.
// Side by side in interleaved rounds (median of each): the verifier alone, Nest's ValidationPipe on
// the parsed body (what a plain route pays), and the module's whole pipeline after the HTTP layer
// (the sender's guard: verify; then parse, validate, de-duplicate, dispatch to a no-op handler,
// report). Everything about the sender comes from its definition (deliveries.mjs). HTTP figures are
// noisy on a shared machine; this isolates what the library itself costs, in µs per delivery.
import 'reflect-metadata';
import { Injectable, Module, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OnWebhook, WebhookGuard, WebhooksModule, WebhooksService } from 'nestjs-webhooks';
import {
  bodyOf,
  configuredSenders,
  createCredentials,
  DTOS,
  EVENTS,
  isPresigned,
  ROUTE_EVENTS,
  SENDERS,
  serverConfig,
  signer,
  VERIFIERS,
} from './deliveries.mjs';
import { topSelfTime } from './profile.mjs';

const { values: flags } = parseArgs({
  options: {
    sender: { type: 'string', default: 'inkit' },
    rounds: { type: 'string', default: '7' },
    deliveries: { type: 'string', default: '4000' },
    // A CPU profile of the module pipeline alone, after the rounds, summarized per delivery.
    profile: { type: 'boolean', default: false },
  },
});
const SENDER = flags.sender;
if (!SENDERS.includes(SENDER)) throw new Error(`--sender must be one of ${SENDERS.join(', ')}`);
const ROUNDS = Number(flags.rounds);
const PER_ROUND = Number(flags.deliveries);

let handled = 0;
class NoopHandlers {
  handle() {
    handled++;
  }
}
const method = Object.getOwnPropertyDescriptor(NoopHandlers.prototype, 'handle');
Reflect.decorate(
  EVENTS.map((event) => OnWebhook(event)),
  NoopHandlers.prototype,
  'handle',
  method,
);
Injectable()(NoopHandlers);

const credentials = createCredentials();
if (isPresigned(SENDER, credentials)) {
  throw new Error(
    `${SENDER}'s signatures are slow to make (signed ahead in the HTTP bench); use another sender here`,
  );
}
const { senders } = serverConfig(credentials);
class PipelineModule {}
Module({
  imports: [
    EventEmitterModule.forRoot({ wildcard: true }),
    WebhooksModule.forRoot({ senders: configuredSenders(senders), idempotency: { maxEntries: 2_000_000 } }),
  ],
  providers: [NoopHandlers],
})(PipelineModule);
const app = await NestFactory.create(PipelineModule, { logger: false });
await app.init();
const service = app.get(WebhooksService);
// The same verifier the module builds from the same options (its registry is internal).
const verify = VERIFIERS[SENDER](senders[SENDER]);
// The sender's guard, as a route of one's own would use it (`WebhookGuard.for`), on the module's
// registry (internal: read off the service, which holds it). It verifies the delivery and leaves
// it on the request exactly as on the module's route.
const guard = new (WebhookGuard.for(SENDER))(service['registry'], service);
const params = ROUTE_EVENTS[SENDER] === undefined ? {} : { event: ROUTE_EVENTS[SENDER] };
const contextOf = (request) => ({ switchToHttp: () => ({ getRequest: () => request }) });

// Every delivery new (else the duplicate path is measured), signed before the clock starts, with
// headers shaped as the guard hands them over (headersDistinct).
const sign = signer(SENDER, credentials);
const PROFILED = flags.profile ? PER_ROUND * 10 : 0;
const deliveries = Array.from({ length: PER_ROUND * (ROUNDS + 1) * 3 + PROFILED }, (_, n) => {
  const body = Buffer.from(bodyOf(SENDER, n));
  const headers = { 'content-type': ['application/json'], host: ['127.0.0.1'] };
  for (const [name, value] of Object.entries(sign(body, n))) headers[name.toLowerCase()] = [value];
  return [body, headers];
});
let next = 0;

const pipe = new ValidationPipe({ expectedType: DTOS[SENDER] });
const metadata = { type: 'body', metatype: undefined, data: undefined };
const candidates = {
  'verify alone': async () => {
    const [body, headers] = deliveries[next++];
    if (!verify(body, headers).ok) throw new Error('not verified');
  },
  'ValidationPipe (a plain route)': async () => {
    const [body] = deliveries[next++];
    await pipe.transform(JSON.parse(body.toString('utf8')), metadata);
  },
  // The guard on a request as the HTTP layer hands it over (bytes captured), then the route's process.
  'module pipeline': async () => {
    const [body, headers] = deliveries[next++];
    const request = { rawBody: body, headersDistinct: headers, params };
    if (guard.canActivate(contextOf(request)) !== true) throw new Error('not verified');
    await service.process(service.deliveryOf(request));
  },
};

const samples = Object.fromEntries(Object.keys(candidates).map((name) => [name, []]));
for (let round = -1; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(candidates)) {
    const started = performance.now();
    for (let i = 0; i < PER_ROUND; i++) await run();
    // Round -1 warms the JIT up and is not kept.
    if (round >= 0) samples[name].push(((performance.now() - started) * 1000) / PER_ROUND);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`${SENDER}: µs per delivery, median of ${ROUNDS} interleaved rounds of ${PER_ROUND}`);
for (const [name, values] of Object.entries(samples)) {
  console.log(`  ${name.padEnd(32)} ${median(values).toFixed(2).padStart(7)}`);
}
const own =
  median(samples['module pipeline']) -
  median(samples['verify alone']) -
  median(samples['ValidationPipe (a plain route)']);
console.log(`  ${'pipeline - verify - ValidationPipe'.padEnd(32)} ${own.toFixed(2).padStart(7)}`);
if (handled !== PER_ROUND * (ROUNDS + 1)) throw new Error(`handler ran ${handled} times`);

if (flags.profile) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  for (let i = 0; i < PROFILED; i++) await candidates['module pipeline']();
  const { profile } = await session.post('Profiler.stop');
  const file = fileURLToPath(new URL(`./profiles/pipeline-${SENDER}.cpuprofile`, import.meta.url));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ ...profile, requests: PROFILED }));
  const { busyMicros, top } = topSelfTime(file, 25);
  console.log(
    `\nprofile of the module pipeline (${file}): ${(busyMicros / PROFILED).toFixed(2)} µs per delivery`,
  );
  for (const { fn, share } of top) {
    console.log(`  ${((share * busyMicros) / PROFILED).toFixed(2).padStart(6)}  ${fn}`);
  }
}
await app.close();
