import 'reflect-metadata';
import type {
  OperationObject,
  ParameterObject,
  PathItemObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger';
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage.js';
import { ValidationTypes } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { TENANT_PATTERN, type WebhookServedSender } from 'nestjs-webhooks';
import { createRequire } from 'node:module';
import { WEBHOOK_REASONS, WEBHOOKS_TAG } from './api-docs.models.js';

/** The library's route prefix, which the receiver keeps (app.module.ts sets none). */
export const WEBHOOKS_PREFIX = 'webhooks';

export const SCHEMA_REF_PREFIX = '#/components/schemas/';

// class-validator-jsonschema reads a nested DTO's class from class-transformer's @Type metadata
// (an array's element type is not in the design-time types). class-transformer keeps that in a
// storage its package does not export, so it is read where @nestjs/mapped-types reads it too:
// the CommonJS build, the very instance the DTOs' `import { Type } from 'class-transformer'` loads.
const { defaultMetadataStorage } = createRequire(import.meta.url)('class-transformer/cjs/storage') as {
  defaultMetadataStorage: MetadataStorage;
};

/** What the webhook routes add to the document: one path per served sender and their schemas. */
export interface SenderDocs {
  paths: Record<string, PathItemObject>;
  /** The DTO schemas, named by class, with those of the DTOs they nest. */
  schemas: Record<string, SchemaObject>;
}

/**
 * One path per served sender, in place of the library's generic `/webhooks/{sender}` routes:
 * `POST /webhooks/<id>` (with `/{tenant}` for a sender configured per tenant, and `/{event}` for
 * one whose events come from the route), its body's schema generated from the definition's DTO
 * class, its credential headers, and what the route answers.
 */
export function senderDocs(
  senders: readonly WebhookServedSender[],
  errorSchema: ReferenceObject,
): SenderDocs {
  const all = dtoSchemas();
  const schemas: Record<string, SchemaObject> = {};
  const paths: Record<string, PathItemObject> = {};
  for (const sender of senders) {
    const dto = sender.definition.dto;
    const name = dto.name;
    if (all[name] === undefined) {
      // A DTO without a single class-validator decorator: the route still takes any JSON object.
      all[name] = { type: 'object', description: `${name}: no field is checked` };
    }
    collect(name, all, schemas);
    paths[senderPath(sender)] = { post: senderOperation(sender, name, errorSchema) };
  }
  return { paths, schemas };
}

function senderPath({ id, definition, perTenant }: WebhookServedSender): string {
  const tenant = perTenant ? '/{tenant}' : '';
  const event = definition.eventType === 'route' ? '/{event}' : '';
  return `/${WEBHOOKS_PREFIX}/${id}${tenant}${event}`;
}

function senderOperation(sender: WebhookServedSender, schemaName: string, errorSchema: ReferenceObject) {
  const { id, definition, perTenant } = sender;
  const title = definition.title ?? id;
  const fromHeaders = definition.fromHeaders !== undefined;
  const operation: OperationObject = {
    tags: [WEBHOOKS_TAG],
    operationId: `webhook_${id}`,
    summary: `A delivery from ${title}`,
    description:
      `${title} posts its events here. The request is verified with the credentials the receiver ` +
      `is configured with for ${id} (no ADMIN_TOKEN: the signature is the credential), its body ` +
      `validated against ${schemaName}, de-duplicated, and handed to the handlers of ` +
      `\`${id}.<type>\` events. Unknown fields are kept.` +
      (fromHeaders ? ` ${title} may also send the fields as headers, with an empty body.` : ''),
    parameters: [
      ...(perTenant ? [tenantParameter()] : []),
      ...(definition.eventType === 'route'
        ? [
            eventParameter(
              title,
              definition.eventTypes,
              definition.sample.event ?? definition.eventTypes?.[0],
            ),
          ]
        : []),
      ...credentialParameters(title, definition.credentialHeaders),
      ...sampleHeaderParameters(title, definition.sample.headers, definition.credentialHeaders),
    ],
    requestBody: {
      required: !fromHeaders,
      content: {
        'application/json': {
          schema: { $ref: `${SCHEMA_REF_PREFIX}${schemaName}` },
          // The definition's documented sample: made-up values, no credential.
          example: definition.sample.payload,
        },
      },
    },
    responses: webhookResponses(errorSchema),
  };
  return operation;
}

function tenantParameter(): ParameterObject {
  return {
    name: 'tenant',
    in: 'path',
    required: true,
    description: 'The account whose credentials verify the delivery (404 for an unknown one)',
    schema: { type: 'string', pattern: TENANT_PATTERN.source },
  };
}

function eventParameter(
  title: string,
  documented: readonly string[] | undefined,
  example: string | undefined,
): ParameterObject {
  const known = documented?.length ? ` Documented: ${documented.join(', ')}; others still arrive.` : '';
  return {
    name: 'event',
    in: 'path',
    required: true,
    description: `The event type: ${title} is given one callback URL per event.${known}`,
    schema: { type: 'string' },
    ...(example === undefined ? {} : { example }),
  };
}

function credentialParameters(title: string, headers: readonly string[]): ParameterObject[] {
  const which = headers.length === 1 ? '' : ` At least one of ${headers.join(', ')} is required.`;
  return headers.map((name) => ({
    name,
    in: 'header',
    required: headers.length === 1,
    description:
      `${title}'s credential or signature, checked against the configured secret; redacted ` +
      `wherever the receiver shows headers.${which}`,
    schema: { type: 'string' },
  }));
}

/** Headers the vendor sends beside the body and its signature (GitHub's event name). */
function sampleHeaderParameters(
  title: string,
  headers: Readonly<Record<string, string>> | undefined,
  credentialHeaders: readonly string[],
): ParameterObject[] {
  const credentials = new Set(credentialHeaders.map((name) => name.toLowerCase()));
  return Object.entries(headers ?? {})
    .filter(([name]) => !credentials.has(name.toLowerCase()))
    .map(([name, example]) => ({
      name,
      in: 'header',
      required: false,
      description: `Sent by ${title} beside the body`,
      schema: { type: 'string' },
      example,
    }));
}

function webhookResponses(errorSchema: ReferenceObject): Record<string, ResponseObject> {
  const error = (description: string, example: Record<string, unknown>): ResponseObject => ({
    description,
    content: { 'application/json': { schema: errorSchema, example } },
  });
  const reasons = (status: keyof typeof WEBHOOK_REASONS) =>
    WEBHOOK_REASONS[status].map((reason) => `\`${reason}\``).join(', ');
  return {
    200: {
      description:
        'Accepted: the handlers ran (in queue mode: the queue holds the delivery), or a duplicate ' +
        'of a delivery already processed, answered alike so that the sender stops retrying',
      content: { 'text/plain': { schema: { type: 'string', example: 'OK' } } },
    },
    400: error(`Not JSON, or not the DTO's shape: the message names the fields (reason ${reasons(400)})`, {
      statusCode: 400,
      error: 'Bad Request',
      message: ['resource_id must be a string'],
      reason: 'invalid-payload',
    }),
    401: error(`Not verified (reason ${reasons(401)}): the message says why, never the expected value`, {
      statusCode: 401,
      error: 'Unauthorized',
      message: 'signature does not match',
      reason: 'mismatch',
    }),
    404: error('No such sender (or tenant) is served here', {
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot POST /webhooks/unknown',
    }),
    409: error(`The same delivery is being processed right now: retry later (reason ${reasons(409)})`, {
      statusCode: 409,
      error: 'Conflict',
      message: 'This delivery is already being processed; retry later',
      reason: 'in-flight',
    }),
    413: error(`The body is over the receiver's limit (reason ${reasons(413)})`, {
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Body exceeds the limit of 1048576 bytes',
      reason: 'too-large',
    }),
    415: error(`The body came with a Content-Encoding (reason ${reasons(415)})`, {
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'Content-Encoding is not supported: send the body as is (identity)',
      reason: 'unsupported-encoding',
    }),
    500: error(
      `Not processed (reason ${reasons(500)}): nothing was marked done, so the sender's retry runs it`,
      {
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'A webhook handler failed; the delivery was not marked processed',
        reason: 'handler-error',
      },
    ),
  };
}

/** Every class-validator DTO's schema, nested DTOs as references into components.schemas. */
function dtoSchemas(): Record<string, SchemaObject> {
  return validationMetadatasToSchemas({
    refPointerPrefix: SCHEMA_REF_PREFIX,
    classTransformerMetadataStorage: defaultMetadataStorage,
    additionalConverters: {
      // A custom constraint (IsBoundedIdentifier, illow's IsPresent) says nothing of the value's
      // shape, so only a primitive property type is kept: the default would point a property typed
      // `unknown` or `Record<...>` at a schema named "Object" that does not exist.
      [ValidationTypes.CUSTOM_VALIDATION]: (meta: { target: object | string; propertyName: string }) =>
        primitiveSchema(
          Reflect.getMetadata(
            'design:type',
            (meta.target as { prototype: object }).prototype,
            meta.propertyName,
          ),
        ),
    },
  }) as Record<string, SchemaObject>;
}

function primitiveSchema(type: unknown): { type?: 'string' | 'number' | 'boolean' } {
  if (type === String) return { type: 'string' };
  if (type === Number) return { type: 'number' };
  if (type === Boolean) return { type: 'boolean' };
  return {};
}

/** `name`'s schema into `into`, with every schema it references, transitively. */
function collect(name: string, all: Record<string, SchemaObject>, into: Record<string, SchemaObject>): void {
  if (into[name] !== undefined) return;
  const schema = all[name];
  if (schema === undefined)
    throw new Error(`API docs: no schema for ${name}, which a sender's DTO references`);
  into[name] = schema;
  for (const ref of references(schema)) collect(ref, all, into);
}

function references(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) references(item, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string' && item.startsWith(SCHEMA_REF_PREFIX))
        found.push(item.slice(SCHEMA_REF_PREFIX.length));
      else references(item, found);
    }
  }
  return found;
}
