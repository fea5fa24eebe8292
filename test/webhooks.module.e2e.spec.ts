import { afterEach, describe, expect, it } from '@jest/globals';
import { Body, Controller, type INestApplication, Injectable, Post, UseGuards } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import {
  InkitWebhookGuard,
  InkitWebhookDto,
  OnWebhook,
  WebhooksModule,
  WebhooksService,
  type WebhookEvent,
} from 'nestjs-webhooks';
import { signInkit, signOvcode } from 'nestjs-webhooks/testing';
import request from 'supertest';
import { createTestApp } from './support/app.js';
import { credentials, providerOptions } from './support/senders.js';

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

describe('WebhooksModule', () => {
  it('is configured with forRootAsync from @nestjs/config', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ INKIT_WEBHOOK_SECRET: 'from-config' })] }),
        WebhooksModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            providers: { inkit: { secret: config.getOrThrow<string>('INKIT_WEBHOOK_SECRET') } },
          }),
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    expect((await postInkit('/webhooks/inkit', inkitBody('a'), 'from-config')).status).toBe(200);
    expect((await postInkit('/webhooks/inkit', inkitBody('a'), credentials.inkit)).status).toBe(401);
  });

  it('dispatches to wildcard handlers (inkit.* and **), all awaited before the reply', async () => {
    ({ app } = await createTestApp({ providers: [WildcardHandlers] }));
    expect((await postInkit('/webhooks/inkit', inkitBody('w1'), credentials.inkit)).status).toBe(200);
    expect(app.get(WildcardHandlers).seen.sort()).toEqual(['**:inkit.DOCUMENT_CREATE_FINISHED', 'inkit.*:w1']);
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
    ({ app } = await createTestApp({ imports: [WebhooksModule.forRoot({ providers: { inkit: { secret: 's' } } })] }));
    const res = await request(app.getHttpServer()).post('/webhooks/ovcode').send({});
    expect(res.status).toBe(404);
  });

  it('serves under a custom prefix', async () => {
    ({ app } = await createTestApp({
      imports: [WebhooksModule.forRoot({ prefix: '/hooks/in/', providers: providerOptions })],
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
    const boot = (providers: object) =>
      createTestApp({ imports: [WebhooksModule.forRoot({ providers: providers as never })] });

    it.each([
      [{ inkit: { secret: '' } }, 'providers.inkit.secret'],
      [{ oxskyt: { secret: [] } }, 'providers.oxskyt.secret'],
      [{ ovcode: {} }, 'providers.ovcode.apiSecret'],
      [{ certificall: {} }, 'providers.certificall'],
      [{ illow: { publicKey: 'not a key' } }, 'providers.illow.publicKey'],
      [{ stripe: { secret: 'x' } }, 'providers.stripe'],
    ])('%j', async (providers, option) => {
      await expect(boot(providers)).rejects.toThrow(option);
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
          imports: [WebhooksModule.forRoot({ providers: { ovcode: { apiSecret: 't' } } })],
        }),
      ).rejects.toThrow('providers.inkit');
    });

    it('without EventEmitterModule', async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [WebhooksModule.forRoot({ providers: { inkit: { secret: 's' } } })],
      }).compile();
      app = moduleRef.createNestApplication({ logger: false });
      await expect(app.init()).rejects.toThrow(/EventEmitterModule\.forRoot/);
    });
  });
});
