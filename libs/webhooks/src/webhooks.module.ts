import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import { DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { DEFAULT_PREFIX } from './webhooks.constants.js';
import { webhooksControllerFor } from './webhooks.controller.js';
import { WebhooksExplorer } from './webhooks.explorer.js';
import { WebhookRouteGuard } from './webhooks.guard.js';
import { MemoryIdempotencyStore } from './webhooks.memory-storage.js';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  OPTIONS_TYPE,
  WEBHOOKS_MODULE_OPTIONS,
} from './webhooks.module-definition.js';
import type { WebhooksModuleOptions } from './webhooks.options.js';
import {
  expressRawBodyCapture,
  fastifyRawBodyCapture,
  type RawBodyCaptureOptions,
} from './webhooks.raw-body.js';
import { WebhooksRegistry } from './webhooks.registry.js';
import { WebhooksService } from './webhooks.service.js';
import { WebhookIdempotencyStore } from './webhooks.storage.js';
import { WebhookPayloadTooLargeException } from './webhooks.exception.js';

export const WEBHOOKS_PREFIX = Symbol('WEBHOOKS_PREFIX');

/**
 * Installs the raw-body capture as soon as the HTTP adapter exists, which is before Nest
 * registers its body parsers and routes (in `NestFactory.create` and in testing modules alike),
 * and fails startup when the bytes cannot be had rather than answering "invalid signature" later.
 */
@Injectable()
export class WebhooksRawBodyCapture implements OnModuleInit {
  private problem?: string;
  /** What must wait until the app's own parsers are registered. */
  private finish?: () => void;

  constructor(
    adapterHost: HttpAdapterHost,
    registry: WebhooksRegistry,
    webhooks: WebhooksService,
    @Inject(WEBHOOKS_PREFIX) prefix: string,
  ) {
    const options: RawBodyCaptureOptions = {
      prefix,
      limit: registry.bodyLimit,
      senders: new Set(registry.configured()),
      credentialHeaders: registry.capturedHeaders,
      tooLarge: (sender) => {
        const error = new WebhookPayloadTooLargeException(registry.bodyLimit);
        if (sender !== undefined) {
          void webhooks.report(webhooks.begin(sender), 'rejected', {
            outcome: 'rejected',
            status: error.getStatus(),
            reason: error.reason,
            message: (error.getResponse() as { message: string }).message,
          });
        }
        return error;
      },
    };
    adapterHost.init$.subscribe(() => {
      const adapter = adapterHost.httpAdapter;
      if (!adapter) return;
      const type = adapter.getType();
      const instance = adapter.getInstance();
      if (type === 'express') {
        instance.use(expressRawBodyCapture(options));
        this.problem = expressParserBeforeCapture(instance);
      } else if (type === 'fastify') {
        const capture = fastifyRawBodyCapture(options);
        instance.addHook('onRoute', capture.onRoute);
        instance.addHook('preParsing', capture.preParsing);
        instance.addHook('preValidation', capture.preValidation);
        // Added last, and only when the app has no catch-all of its own, which would already
        // accept every type (and could not be added after ours).
        this.finish = () => {
          if (!instance.hasContentTypeParser('*'))
            instance.addContentTypeParser('*', capture.parseOtherTypes);
        };
      } else {
        this.problem = `the "${type}" HTTP adapter is not supported (use @nestjs/platform-express or @nestjs/platform-fastify)`;
      }
    });
  }

  onModuleInit(): void {
    if (this.problem) {
      throw new Error(`nestjs-webhooks cannot read raw request bodies: ${this.problem}`);
    }
    this.finish?.();
  }
}

/** A body parser already on the Express app would consume the bytes before the capture sees them. */
function expressParserBeforeCapture(app: { router?: { stack?: { name?: string }[] } }): string | undefined {
  const stack = app.router?.stack ?? [];
  const capture = stack.findIndex((layer) => layer.name === 'webhooksRawBody');
  const parser = stack.findIndex((layer) => /Parser$/.test(layer.name ?? ''));
  if (parser !== -1 && parser < capture) {
    return `a body parser ("${stack[parser].name}") was added to the Express instance before NestFactory.create; add it after creating the app, or pass { bodyParser: true } and let Nest add it`;
  }
  return undefined;
}

function storeProvider(): Provider {
  return {
    provide: WebhookIdempotencyStore,
    inject: [WEBHOOKS_MODULE_OPTIONS, WebhooksRegistry],
    useFactory: (options: WebhooksModuleOptions, registry: WebhooksRegistry) =>
      options.store ?? new MemoryIdempotencyStore(registry.maxEntries),
  };
}

function withInternals(module: DynamicModule, rawPrefix = DEFAULT_PREFIX, routes = true): DynamicModule {
  const prefix = rawPrefix.replace(/^\/+|\/+$/g, '');
  if (!prefix) throw new Error('nestjs-webhooks: invalid option "prefix": must be a non-empty path');
  return {
    ...module,
    controllers: routes ? [webhooksControllerFor(prefix)] : [],
    imports: [...(module.imports ?? []), DiscoveryModule],
    providers: [
      ...(module.providers ?? []),
      { provide: WEBHOOKS_PREFIX, useValue: prefix },
      WebhooksRegistry,
      WebhooksService,
      WebhooksExplorer,
      ...(routes ? [WebhooksRawBodyCapture] : []),
      storeProvider(),
      WebhookRouteGuard,
    ],
    exports: [...(module.exports ?? []), WebhooksRegistry, WebhooksService, WebhookIdempotencyStore],
  };
}

/**
 * `WebhooksModule.forRoot({ senders: [inkitSender.configure({ secret })] })`, or `forRootAsync({ useFactory })`.
 * Global by default, so the exported guards work on controllers anywhere in the app.
 */
@Module({})
export class WebhooksModule extends ConfigurableModuleClass {
  static forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    return withInternals(super.forRoot(options), options.prefix, options.routes);
  }

  static forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return withInternals(super.forRootAsync(options), options.prefix, options.routes);
  }
}
