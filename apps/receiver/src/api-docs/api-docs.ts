import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { WebhooksService } from 'nestjs-webhooks';
import { readFileSync } from 'node:fs';
import {
  ADMIN_SECURITY,
  API_TAG,
  ApiErrorDoc,
  HEALTH_TAG,
  WEBHOOKS_TAG,
  WebhookErrorDoc,
} from './api-docs.models.js';
import { senderDocs, WEBHOOKS_PREFIX } from './api-docs.senders.js';

/** Swagger UI; the document itself is at API_DOCS_JSON_PATH. */
export const API_DOCS_PATH = 'api/docs';
export const API_DOCS_JSON_PATH = 'api/docs-json';

// Two levels up from src/api-docs/ and from dist/api-docs/ alike.
const RECEIVER_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * The receiver's OpenAPI document: its own API (from the controllers' decorators), and one path
 * per sender it serves, each described from the sender's DTO, in place of the library's generic
 * `/webhooks/{sender}` routes. Built from what this process serves: a sender switched off is absent.
 */
export function buildApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('nestjs-webhooks reference receiver')
    .setDescription(
      "Webhook routes, one per sender this receiver serves, each verified by the sender's own " +
        "signature; and the operators' API (the delivery log, stats, replay) behind ADMIN_TOKEN.",
    )
    .setVersion(RECEIVER_VERSION)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque',
        description: 'ADMIN_TOKEN. When it is unset, the API answers loopback clients only (403 for others).',
      },
      ADMIN_SECURITY,
    )
    .addTag(WEBHOOKS_TAG, 'Deliveries from senders, verified by their signatures (no ADMIN_TOKEN)')
    .addTag(API_TAG, 'The delivery log and replay, behind ADMIN_TOKEN')
    .addTag(HEALTH_TAG, 'Health for load balancers and orchestrators, open to anyone')
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ApiErrorDoc, WebhookErrorDoc] });
  // The library's generic routes take any sender id; the paths below name the served ones.
  for (const path of Object.keys(document.paths)) {
    if (path.startsWith(`/${WEBHOOKS_PREFIX}/`)) delete document.paths[path];
  }
  const senders = senderDocs(app.get(WebhooksService).servedSenders(), {
    $ref: getSchemaPath(WebhookErrorDoc),
  });
  const schemas = (document.components ??= {}).schemas ?? {};
  for (const name of Object.keys(senders.schemas)) {
    // A DTO named like one of the API's models would silently take its place.
    if (schemas[name] !== undefined) throw new Error(`API docs: two schemas are named ${name}`);
  }
  document.components.schemas = { ...schemas, ...senders.schemas };
  document.paths = { ...senders.paths, ...document.paths };
  return document;
}

/**
 * Swagger UI at `/api/docs` and the document at `/api/docs-json`, for a process that serves the
 * API (not a worker). Open to anyone, unlike the API: the document holds no data, only the shape
 * of routes whose code is open source, and no credential (the schemes name ADMIN_TOKEN and the
 * signature headers, never a value). The endpoints themselves stay behind their guards. Built on
 * the first request, once the app is initialised (the served senders are known by then).
 * Swagger UI's files come from swagger-ui-dist in node_modules: the page loads nothing from
 * elsewhere (no online validator), and keeps no token in the browser's storage.
 */
export function setUpApiDocs(app: INestApplication): void {
  SwaggerModule.setup(API_DOCS_PATH, app, () => buildApiDocument(app), {
    jsonDocumentUrl: API_DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'Receiver API',
    swaggerOptions: { persistAuthorization: false, validatorUrl: 'none' },
  });
}
