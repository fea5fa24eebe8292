// One Stripe webhook route under test, in its own process (for stripe-route.mjs):
// `node bench/stripe-server.mjs <ours|golevelup> <express|fastify>`, the Stripe endpoint secret in
// BENCH_CONFIG (`{ secret }`). Speaks server.mjs's protocol: reports its port, then answers
// "stats" and "exit". Each app has one handler, for payment_intent.succeeded, that only counts.
//
// ours:      WebhooksModule.forRoot({ senders: [stripeSender.configure({ secret })] }), as
//            documented (EventEmitterModule with wildcards), its default store; POST /webhooks/stripe.
// golevelup: @golevelup/nestjs-stripe's StripeModule.forRoot with its webhook controller, set up
//            as its README says (the app created with `rawBody: true`, `requestBodyProperty:
//            'rawBody'`); POST /stripe/webhook.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { StripeModule, StripeWebhookHandler } from '@golevelup/nestjs-stripe';
import { OnWebhook, stripeSender, WebhooksModule } from 'nestjs-webhooks';

const [kind, adapter] = process.argv.slice(2);
const { secret } = JSON.parse(process.env.BENCH_CONFIG);
let handled = 0;

/** Applies decorators the way TypeScript's emitted code does, since this file is plain JavaScript. */
function decorate(target, key, ...decorators) {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  Object.defineProperty(target, key, Reflect.decorate(decorators, target, key, descriptor) ?? descriptor);
}

function oursModule() {
  class Handlers {
    succeeded() {
      handled++;
    }
  }
  decorate(Handlers.prototype, 'succeeded', OnWebhook('stripe.payment_intent.succeeded'));
  Injectable()(Handlers);
  class OursModule {}
  Module({
    imports: [
      EventEmitterModule.forRoot({ wildcard: true }),
      WebhooksModule.forRoot({ senders: [stripeSender.configure({ secret })] }),
    ],
    providers: [Handlers],
  })(OursModule);
  return OursModule;
}

function golevelupModule() {
  class Handlers {
    succeeded() {
      handled++;
    }
  }
  decorate(Handlers.prototype, 'succeeded', StripeWebhookHandler('payment_intent.succeeded'));
  Injectable()(Handlers);
  class GolevelupModule {}
  Module({
    imports: [
      StripeModule.forRoot({
        apiKey: 'sk_test_bench',
        // The bench's events are test-mode ones (livemode: false), hence accountTest.
        webhookConfig: { stripeSecrets: { accountTest: secret }, requestBodyProperty: 'rawBody' },
      }),
    ],
    providers: [Handlers],
  })(GolevelupModule);
  return GolevelupModule;
}

const KINDS = {
  ours: { root: oursModule, rawBody: false },
  golevelup: { root: golevelupModule, rawBody: true },
};
const { root, rawBody } = KINDS[kind] ?? {};
if (root === undefined) throw new Error(`kind must be one of ${Object.keys(KINDS).join(', ')}`);
const options = { logger: false, rawBody };
const app =
  adapter === 'fastify'
    ? await NestFactory.create(root(), new FastifyAdapter(), options)
    : await NestFactory.create(root(), options);
await app.listen(0, '127.0.0.1');

process.on('message', (message) => {
  if (message === 'stats') {
    const { rss, heapUsed } = process.memoryUsage();
    process.send({ stats: { handled, rss, heapUsed, cpu: process.cpuUsage() } });
  } else if (message === 'exit') {
    // Exits even with keep-alive sockets left open.
    process.exit(0);
  }
});
// Never outlives the bench that started it, even one that was killed.
process.on('disconnect', () => process.exit(0));
process.send({ port: app.getHttpServer().address().port });
