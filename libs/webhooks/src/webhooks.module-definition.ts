import { ConfigurableModuleBuilder } from '@nestjs/common';
import { DEFAULT_PREFIX } from './webhooks.constants.js';
import type { WebhooksModuleExtras, WebhooksModuleOptions } from './webhooks.options.js';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: WEBHOOKS_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<WebhooksModuleOptions>({ moduleName: 'Webhooks' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createWebhooksOptions')
  // The prefix is an extra, not an option: routes are registered before async options resolve.
  .setExtras<WebhooksModuleExtras>(
    { prefix: DEFAULT_PREFIX, isGlobal: true, routes: true },
    (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }),
  )
  .build();
