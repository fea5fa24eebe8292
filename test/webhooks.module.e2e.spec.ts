import { afterEach, describe, expect, it } from '@jest/globals';
import {
  Body,
  type CallHandler,
  Controller,
  type ExecutionContext,
  type INestApplication,
  Injectable,
  Module,
  type NestInterceptor,
  Post,
  UseGuards,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import {
  InkitWebhookGuard,
  InkitWebhookDto,
  MemoryIdempotencyStore,
  OnWebhook,
  WebhooksModule,
  WebhooksService,
  certificallSender,
  illowSender,
  inkitSender,
  ovcodeSender,
  oxskytSender,
  type WebhookEvent,
} from 'nestjs-webhooks';
import { signInkit, signOvcode } from 'nestjs-webhooks/testing';
import request from 'supertest';
import {
  ADAPTERS,
  createTestApp as createAppOn,
  startApp,
  type Adapter,
  type TestAppOptions,
} from './support/app.js';
import { configuredSenders, credentials } from './support/senders.js';

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const inkitBody = (id: string) => JSON.stringify({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: id });
const postInkit = (path: string, body: string, secret: string = credentials.inkit) =>
  request(app!.getHttpServer())
    .post(path)
    .set('Content-Type', 'application/json')
    .set(signInkit(body, { secret }))
    .send(body);

@Injectable()
class WildcardHandlers {
  readonly seen: string[] = [];
  @OnWebhook('inkit.*')
  anyInkit(event: WebhookEvent<InkitWebhookDto>) {
    this.seen.push(`inkit.*:${event.payload.resource_id}`);
  }
  @OnWebhook('**')
  everything(event: WebhookEvent) {
    this.seen.push(`**:${event.name}`);
  }
}

describe.each(ADAPTERS)('WebhooksModule on %s', (adapter: Adapter) => {
  const createTestApp = (options: TestAppOptions = {}) => createAppOn({ adapter, ...options });

  it('is configured with forRootAsync from @nestjs/config', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          load: [() => ({ INKIT_WEBHOOK_SECRET: 'from-config' })],
        }),
        WebhooksModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            senders: [inkitSender.configure({ secret: config.getOrThrow<string>('INKIT_WEBHOOK_SECRET') })],
          }),
        }),
      ],
    }).compile();
    app = await startApp(moduleRef, adapter);
    expect((await postInkit('/webhooks/inkit', inkitBody('a'), 'from-config')).status).toBe(200);
    expect((await postInkit('/webhooks/inkit', inkitBody('a'), credentials.inkit)).status).toBe(401);
  });

  it('dispatches to wildcard handlers (inkit.* and **), all awaited before the reply', async () => {
    ({ app } = await createTestApp({ providers: [WildcardHandlers] }));
    expect((await postInkit('/webhooks/inkit', inkitBody('w1'), credentials.inkit)).status).toBe(200);
    expect(app.get(WildcardHandlers).seen.sort()).toEqual([
      '**:inkit.DOCUMENT_CREATE_FINISHED',
      'inkit.*:w1',
    ]);
  });

  it('fails at startup when a wildcard handler meets an emitter without wildcards', async () => {
    await expect(createTestApp({ providers: [WildcardHandlers], wildcard: false })).rejects.toThrow(
      /wildcard: true/,
    );
  });

  it('protects a user-defined controller with an exported guard, and @Body() still works', async () => {
    @Controller('my')
    class MyController {
      constructor(private readonly webhooks: WebhooksService) {}
      readonly received: unknown[] = [];
      @Post('inkit-hook')
      @UseGuards(InkitWebhookGuard)
      hook(@Body() body: unknown) {
        this.received.push(body);
        return { ok: true };
      }
    }
    ({ app } = await createTestApp({ controllers: [MyController] }));
    const body = inkitBody('mine');
    expect((await postInkit('/my/inkit-hook', body)).status).toBe(201);
    expect((await postInkit('/my/inkit-hook', body, 'wrong')).status).toBe(401);
    const controller = app.get(MyController);
    expect(controller.received).toEqual([JSON.parse(body)]);
  });

  it("gives @Body() to a user's guarded route under the module's own prefix", async () => {
    @Controller('webhooks')
    class Beside {
      readonly received: unknown[] = [];
      @Post('custom-inkit')
      @UseGuards(InkitWebhookGuard)
      hook(@Body() body: unknown) {
        this.received.push(body);
        return 'done';
      }
    }
    ({ app } = await createTestApp({ controllers: [Beside] }));
    const body = inkitBody('beside');
    expect((await postInkit('/webhooks/custom-inkit', body)).status).toBe(201);
    expect(app.get(Beside).received).toEqual([JSON.parse(body)]);
  });

  it('works the same when the app was created with rawBody: true', async () => {
    ({ app } = await createTestApp({ rawBody: true }));
    expect((await postInkit('/webhooks/inkit', inkitBody('rb'))).status).toBe(200);
    const signed = signInkit(inkitBody('rb2'), { secret: credentials.inkit });
    const tampered = await request(app!.getHttpServer())
      .post('/webhooks/inkit')
      .set('Content-Type', 'application/json')
      .set(signed)
      .send(inkitBody('rb2') + ' ');
    expect(tampered.status).toBe(401);
  });

  it('answers 404 on the route of a sender that is not configured', async () => {
    ({ app } = await createTestApp({
      imports: [WebhooksModule.forRoot({ senders: [inkitSender.configure({ secret: 's' })] })],
    }));
    const res = await request(app.getHttpServer()).post('/webhooks/ovcode').send({});
    expect(res.status).toBe(404);
  });

  it('serves under a custom prefix', async () => {
    ({ app } = await createTestApp({
      imports: [WebhooksModule.forRoot({ prefix: '/hooks/in/', senders: configuredSenders })],
    }));
    expect((await postInkit('/hooks/in/inkit', inkitBody('p'))).status).toBe(200);
    expect((await postInkit('/webhooks/inkit', inkitBody('p'))).status).toBe(404);
  });

  it('reads OVCODE fields from headers, with an empty body', async () => {
    const { app: created, recorder } = await createTestApp();
    app = created;
    const res = await request(app.getHttpServer())
      .post('/webhooks/ovcode')
      .set(signOvcode('', { apiSecret: credentials.ovcode }))
      .set({ reference: 'F-95ad51b6', status_code: 'S', token_id: '7', timestamp: '2024-05-31 09:04:53.0' })
      .send();
    expect(res.status).toBe(200);
    expect(res.text).toBe('OK');
    expect(recorder.events[0]).toMatchObject({
      name: 'ovcode.AUTHENTICATION_SUCCEEDED',
      payload: { reference: 'F-95ad51b6', status_code: 'S', token_id: 7 },
    });
  });

  it('reads an OVCODE callback sent as empty JSON, as the sender may label it', async () => {
    // Fastify's JSON parser refuses an empty application/json body with 400 on any route that parses.
    const { app: created, recorder } = await createTestApp();
    app = created;
    const res = await request(app.getHttpServer())
      .post('/webhooks/ovcode')
      .set('Content-Type', 'application/json')
      .set(signOvcode('', { apiSecret: credentials.ovcode }))
      .set({ reference: 'F-empty-json', status_code: 'S', token_id: '8', timestamp: '2024-05-31 09:04:53.0' })
      .send('');
    expect(res.status).toBe(200);
    expect(recorder.events[0]).toMatchObject({ payload: { reference: 'F-empty-json' } });
  });

  it('shows interceptors and handlers the request headers as sent', async () => {
    const seen: Record<string, unknown>[] = [];
    @Injectable()
    class HeaderSpy implements NestInterceptor {
      intercept(context: ExecutionContext, next: CallHandler) {
        const { headers } = context.switchToHttp().getRequest();
        seen.push({ type: headers['content-type'], length: headers['content-length'] });
        return next.handle();
      }
    }
    const { app: created, recorder } = await createTestApp({
      providers: [{ provide: APP_INTERCEPTOR, useClass: HeaderSpy }],
    });
    app = created;
    const body = inkitBody('headers-as-sent');
    expect((await postInkit('/webhooks/inkit', body)).status).toBe(200);
    expect(seen).toEqual([{ type: 'application/json', length: String(Buffer.byteLength(body)) }]);
    expect(recorder.events[0]?.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    });
  });

  it('does not let a failing outcome listener change the reply', async () => {
    @Injectable()
    class BrokenAudit {
      @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED')
      ok() {}
    }
    ({ app } = await createTestApp({ providers: [BrokenAudit] }));
    expect((await postInkit('/webhooks/inkit', inkitBody('o'))).status).toBe(200);
  });

  describe('fails at startup on bad configuration, naming the option', () => {
    const boot = (senders: unknown) =>
      createTestApp({ imports: [WebhooksModule.forRoot({ senders: senders as never })] });

    it.each([
      ['inkit with an empty secret', () => [inkitSender.configure({ secret: '' })], 'senders.inkit.secret'],
      ['oxskyt with no secret', () => [oxskytSender.configure({ secret: [] })], 'senders.oxskyt.secret'],
      ['ovcode without its token', () => [ovcodeSender.configure({} as never)], 'senders.ovcode.apiSecret'],
      ['certificall with no method', () => [certificallSender.configure({})], 'senders.certificall'],
      [
        'illow with a key that is none',
        () => [illowSender.configure({ publicKey: 'not a key' })],
        'senders.illow.publicKey',
      ],
      // What `providers: { stripe: ... }` was: something that is not a configured sender.
      ['an object that is no sender', () => [{ id: 'stripe', secret: 'x' }], 'senders[0]'],
      ['a definition without credentials', () => [inkitSender], 'senders[0]'],
      [
        'one sender twice',
        () => [inkitSender.configure({ secret: 'a' }), inkitSender.configure({ secret: 'b' })],
        'senders[1]',
      ],
      ['no list at all', () => undefined, 'senders'],
    ])('%s', async (_name, senders, option) => {
      await expect(boot(senders())).rejects.toThrow(option);
    });

    it('a guard on a user controller for a sender that is not configured', async () => {
      @Controller('x')
      class Unconfigured {
        @Post()
        @UseGuards(InkitWebhookGuard)
        hook() {}
      }
      await expect(
        createTestApp({
          controllers: [Unconfigured],
          imports: [WebhooksModule.forRoot({ senders: [ovcodeSender.configure({ apiSecret: 't' })] })],
        }),
      ).rejects.toThrow('senders.inkit');
    });

    it('without EventEmitterModule', async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [WebhooksModule.forRoot({ senders: [inkitSender.configure({ secret: 's' })] })],
      }).compile();
      await expect(startApp(moduleRef, adapter)).rejects.toThrow(/EventEmitterModule\.forRoot/);
    });
  });

  describe('de-duplication window per event type', () => {
    const SECOND = 1_000;
    const HOUR = 60 * 60 * SECOND;

    @Injectable()
    class InkitLog {
      readonly seen: string[] = [];
      @OnWebhook('inkit.*')
      any(event: WebhookEvent<InkitWebhookDto>) {
        this.seen.push(`${event.payload.event_type}:${event.payload.resource_id}`);
      }
    }

    /** The memory store on a clock the test moves; it also notes the window each completion was given. */
    class ClockedStore extends MemoryIdempotencyStore {
      clock = 1_700_000_000_000;
      readonly windows: [string, number][] = [];
      constructor() {
        super(10_000, () => this.clock);
      }
      override complete(key: string, owner: string, ttlMs: number): Promise<void> {
        this.windows.push([key, ttlMs]);
        return super.complete(key, owner, ttlMs);
      }
    }

    const start = async (idempotency?: object) => {
      const store = new ClockedStore();
      ({ app } = await createTestApp({
        providers: [InkitLog],
        webhooks: { store, idempotency },
      }));
      const send = async (type: string, id: string) =>
        (await postInkit('/webhooks/inkit', JSON.stringify({ event_type: type, resource_id: id }))).status;
      return { store, send, seen: app.get(InkitLog).seen };
    };

    it('runs both of two access events for one resource when the second comes after the short window', async () => {
      const { store, send, seen } = await start();
      expect(await send('DOCUMENT_PDF_ACCESS', 'doc_acc')).toBe(200);
      // A retry after a lost reply, or a double send, within the window: still a duplicate.
      store.clock += 30 * SECOND;
      expect(await send('DOCUMENT_PDF_ACCESS', 'doc_acc')).toBe(200);
      expect(seen).toEqual(['DOCUMENT_PDF_ACCESS:doc_acc']);
      // A second, real access later on: delivered.
      store.clock += 31 * SECOND;
      expect(await send('DOCUMENT_PDF_ACCESS', 'doc_acc')).toBe(200);
      store.clock += 61 * SECOND;
      expect(await send('MAGIC_LINK_ACCESS', 'doc_acc')).toBe(200);
      store.clock += 61 * SECOND;
      expect(await send('MAGIC_LINK_ACCESS', 'doc_acc')).toBe(200);
      expect(seen).toEqual([
        'DOCUMENT_PDF_ACCESS:doc_acc',
        'DOCUMENT_PDF_ACCESS:doc_acc',
        'MAGIC_LINK_ACCESS:doc_acc',
        'MAGIC_LINK_ACCESS:doc_acc',
      ]);
    });

    it('keeps a non-access event a duplicate for 24 h, and tells the store each window', async () => {
      const { store, send, seen } = await start();
      expect(await send('DOCUMENT_CREATE_FINISHED', 'doc_fin')).toBe(200);
      store.clock += 23 * HOUR;
      expect(await send('DOCUMENT_CREATE_FINISHED', 'doc_fin')).toBe(200);
      expect(seen).toEqual(['DOCUMENT_CREATE_FINISHED:doc_fin']);
      store.clock += 2 * HOUR;
      expect(await send('DOCUMENT_CREATE_FINISHED', 'doc_fin')).toBe(200);
      expect(seen).toHaveLength(2);
      expect(await send('RENDER_METADATA_ACCESS', 'doc_fin')).toBe(200);
      expect(store.windows).toEqual([
        ['inkit:DOCUMENT_CREATE_FINISHED:doc_fin', 24 * HOUR],
        ['inkit:DOCUMENT_CREATE_FINISHED:doc_fin', 24 * HOUR],
        ['inkit:RENDER_METADATA_ACCESS:doc_fin', 60 * SECOND],
      ]);
    });

    it('takes idempotency.ttlByEvent over the built-in windows', async () => {
      const { store, send, seen } = await start({
        ttlByEvent: { 'inkit.DOCUMENT_PDF_ACCESS': HOUR, 'inkit.DOCUMENT_CREATE_FINISHED': 1 * SECOND },
      });
      expect(await send('DOCUMENT_PDF_ACCESS', 'doc_ovr')).toBe(200);
      expect(await send('DOCUMENT_CREATE_FINISHED', 'doc_ovr')).toBe(200);
      store.clock += 2 * SECOND;
      expect(await send('DOCUMENT_CREATE_FINISHED', 'doc_ovr')).toBe(200);
      store.clock += 59 * SECOND;
      expect(await send('DOCUMENT_PDF_ACCESS', 'doc_ovr')).toBe(200);
      expect(seen).toEqual([
        'DOCUMENT_PDF_ACCESS:doc_ovr',
        'DOCUMENT_CREATE_FINISHED:doc_ovr',
        'DOCUMENT_CREATE_FINISHED:doc_ovr',
      ]);
    });

    it.each([
      [{ 'inkit.DOCUMENT_PDF_ACCESS': 0 }, 'idempotency.ttlByEvent["inkit.DOCUMENT_PDF_ACCESS"]'],
      [{ 'inkt.DOCUMENT_PDF_ACCESS': 60_000 }, 'idempotency.ttlByEvent["inkt.DOCUMENT_PDF_ACCESS"]'],
    ])('fails at startup on a bad ttlByEvent %j, naming it', async (ttlByEvent, option) => {
      await expect(
        createTestApp({
          imports: [WebhooksModule.forRoot({ senders: configuredSenders, idempotency: { ttlByEvent } })],
        }),
      ).rejects.toThrow(option);
    });
  });

  it("leaves the app's other routes to the app's own parsers", async () => {
    @Controller('app')
    class AppRoutes {
      @Post('echo')
      echo(@Body() body: unknown) {
        return { body: body ?? null };
      }
    }
    @Module({ imports: [EventEmitterModule.forRoot()], controllers: [AppRoutes] })
    class Plain {}
    const send = (target: INestApplication, type: string, payload: string) =>
      request(target.getHttpServer()).post('/app/echo').set('Content-Type', type).send(payload);
    const replies = async (target: INestApplication) => {
      const out = [];
      for (const [type, payload] of [
        ['application/json', '{"a":1}'],
        ['text/plain', 'hello'],
        ['application/octet-stream', 'bytes'],
        ['application/json', ''],
      ]) {
        const res = await send(target, type, payload);
        out.push([type, res.status, res.body]);
      }
      return out;
    };
    const without = await startApp(await Test.createTestingModule({ imports: [Plain] }).compile(), adapter);
    const expected = await replies(without);
    await without.close();
    ({ app } = await createTestApp({ controllers: [AppRoutes] }));
    expect(await replies(app)).toEqual(expected);
    expect(expected[0]).toEqual(['application/json', 201, { body: { a: 1 } }]);
  });

  it("applies the module's bodyLimit to its routes, above and below the framework's default", async () => {
    // Padded beside the id: an id that long is itself refused (at most 256 characters).
    const big = JSON.stringify({ ...JSON.parse(inkitBody('big')), pad: 'x'.repeat(1536 * 1024) });
    ({ app } = await createTestApp({ webhooks: { bodyLimit: 2 * 1024 * 1024 } }));
    expect((await postInkit('/webhooks/inkit', big)).status).toBe(200);
    await app.close();
    const { app: small, recorder } = await createTestApp({ webhooks: { bodyLimit: 64 } });
    app = small;
    const res = await postInkit('/webhooks/inkit', inkitBody('y'.repeat(100)));
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Body exceeds the limit of 64 bytes',
      reason: 'too-large',
    });
    expect(recorder.outcomes).toMatchObject([{ sender: 'inkit', outcome: 'rejected', status: 413 }]);
    expect((await postInkit('/webhooks/inkit', inkitBody('z'))).status).toBe(200);
  });

  it("lets a user's guarded route take a delivery with no content type", async () => {
    @Controller('my')
    class Untyped {
      @Post('inkit-hook')
      @UseGuards(InkitWebhookGuard)
      hook() {
        return 'done';
      }
    }
    ({ app } = await createTestApp({ controllers: [Untyped] }));
    const body = inkitBody('untyped');
    const res = await request(app.getHttpServer())
      .post('/my/inkit-hook')
      .set(signInkit(body, { secret: credentials.inkit }))
      .send(Buffer.from(body));
    expect(res.status).toBe(201);
  });
});

describe('isGlobal', () => {
  @Controller('feature')
  class FeatureController {
    @Post('inkit')
    @UseGuards(InkitWebhookGuard)
    receive(): string {
      return 'OK';
    }
  }
  // A feature module that does not import WebhooksModule, as in most apps.
  @Module({ controllers: [FeatureController] })
  class FeatureModule {}

  const compile = (extras: { isGlobal?: boolean }) =>
    Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot({ wildcard: true }),
        WebhooksModule.forRoot({
          senders: [inkitSender.configure({ secret: credentials.inkit })],
          ...extras,
        }),
        FeatureModule,
      ],
    }).compile();

  it('is true by default, as documented: a guard works in a module that does not import WebhooksModule', async () => {
    const moduleRef = await compile({});
    app = await startApp(moduleRef);
    const body = JSON.stringify({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: 'doc_global' });
    const reply = await request(app.getHttpServer())
      .post('/feature/inkit')
      .set('Content-Type', 'application/json')
      .set(signInkit(body, { secret: credentials.inkit }))
      .send(body);
    expect(reply.status).toBe(201);
  });

  it('false keeps the module to the modules that import it', async () => {
    await expect(compile({ isGlobal: false }).then((moduleRef) => startApp(moduleRef))).rejects.toThrow(
      /WebhooksRegistry|resolve dependencies/,
    );
  });
});
