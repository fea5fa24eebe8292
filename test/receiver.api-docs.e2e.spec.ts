import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import type { ReceiverEnv } from '../apps/receiver/src/app.module.js';
import { createReceiver } from '../apps/receiver/src/bootstrap.js';
import { describeIf } from './support/needs.js';
import {
  credentialHeadersOf,
  credentials,
  definitionOf,
  receiverSenderEnv,
  samples,
  type Sender,
} from './support/senders.js';

const redisUrl = process.env.REDIS_URL_TEST;

const ADMIN_TOKEN = 'api-docs-admin-token-6e0d';

// Five senders on and three off: the document must describe exactly the ones served.
const ENABLED: readonly Sender[] = ['inkit', 'ovcode', 'certificall', 'illow', 'github'];
const DISABLED: readonly Sender[] = ['oxskyt', 'stripe', 'standard'];
const senderEnv: ReceiverEnv = receiverSenderEnv(ENABLED);
/** Every secret this receiver is configured with: none may appear in what the docs serve. */
const SECRETS = [
  ADMIN_TOKEN,
  credentials.inkit,
  credentials.ovcode,
  credentials.certificallBearer,
  credentials.certificallSecret,
  credentials.basicPassword,
  credentials.github,
];

const RECEIVER_VERSION = (
  JSON.parse(readFileSync(new URL('../apps/receiver/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

type Json = Record<string, any>;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The route the document should give `sender`: an event segment where its events come from the route. */
const senderPath = (sender: Sender) =>
  definitionOf(sender).eventType === 'route' ? `/webhooks/${sender}/{event}` : `/webhooks/${sender}`;

/** What a local JSON pointer (`#/components/schemas/X`) points at in `doc`, or undefined. */
function resolve(doc: Json, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: any = doc;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node as Json;
}

/** `schema`, or what its `$ref` points at. */
function deref(doc: Json, schema: Json): Json {
  if (typeof schema.$ref !== 'string') return schema;
  const target = resolve(doc, schema.$ref);
  if (target === undefined) throw new Error(`${schema.$ref} does not resolve`);
  return target;
}

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref') found.push(String(item));
      else refsIn(item, found);
    }
  }
  return found;
}

/** Every operation of the document, with its path and method. */
function operationsOf(doc: Json): { path: string; method: string; operation: Json }[] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation: operation as Json })),
  );
}

/**
 * What the OpenAPI 3 structure asks of paths, operations, parameters, responses and security,
 * as a list of problems (empty when the document is sound).
 */
function structuralProblems(doc: Json): string[] {
  const problems: string[] = [];
  if (!/^3\.\d+\.\d+$/.test(String(doc.openapi))) problems.push(`openapi is ${doc.openapi}`);
  if (typeof doc.info?.title !== 'string' || typeof doc.info?.version !== 'string') problems.push('info');
  const schemes = Object.keys(doc.components?.securitySchemes ?? {});
  const tags = new Set((doc.tags ?? []).map((tag: Json) => tag.name));
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    if (!path.startsWith('/')) problems.push(`${path}: not absolute`);
    for (const key of Object.keys(item)) {
      if (![...HTTP_METHODS, 'parameters', 'summary', 'description', 'servers'].includes(key))
        problems.push(`${path}: unknown field ${key}`);
    }
  }
  for (const { path, method, operation } of operationsOf(doc)) {
    const where = `${method.toUpperCase()} ${path}`;
    if (typeof operation.operationId === 'string') {
      if (operationIds.has(operation.operationId)) problems.push(`${where}: operationId used twice`);
      operationIds.add(operation.operationId);
    }
    const responses = Object.entries(operation.responses ?? {});
    if (responses.length === 0) problems.push(`${where}: no responses`);
    for (const [status, response] of responses) {
      if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${where}: response ${status}`);
      if (typeof (response as Json).description !== 'string')
        problems.push(`${where} ${status}: description`);
    }
    const parameters = (operation.parameters ?? []) as Json[];
    const seen = new Set<string>();
    for (const parameter of parameters) {
      if (typeof parameter.name !== 'string' || !['query', 'header', 'path', 'cookie'].includes(parameter.in))
        problems.push(`${where}: parameter ${JSON.stringify(parameter)}`);
      if (parameter.schema === undefined && parameter.content === undefined)
        problems.push(`${where}: parameter ${parameter.name} has no schema`);
      const key = `${parameter.in}:${String(parameter.name).toLowerCase()}`;
      if (seen.has(key)) problems.push(`${where}: parameter ${key} twice`);
      seen.add(key);
    }
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
    const inPath = parameters.filter((parameter) => parameter.in === 'path');
    for (const name of templated) {
      if (!inPath.some((parameter) => parameter.name === name && parameter.required === true))
        problems.push(`${where}: {${name}} is not a required path parameter`);
    }
    for (const parameter of inPath) {
      if (!templated.includes(parameter.name))
        problems.push(`${where}: path parameter ${parameter.name} unused`);
    }
    for (const requirement of (operation.security ?? []) as Json[]) {
      for (const name of Object.keys(requirement)) {
        if (!schemes.includes(name)) problems.push(`${where}: security scheme ${name} undefined`);
      }
    }
    for (const tag of operation.tags ?? []) {
      if (!tags.has(tag)) problems.push(`${where}: tag ${tag} not declared`);
    }
  }
  for (const ref of refsIn(doc)) {
    if (resolve(doc, ref) === undefined) problems.push(`${ref} does not resolve`);
  }
  return problems;
}

describe('the receiver API docs', () => {
  let app: INestApplication;
  let doc: Json;
  let docText: string;

  beforeAll(async () => {
    app = await createReceiver({
      env: { ...senderEnv, PGLITE_DATA_DIR: 'memory://', ADMIN_TOKEN },
      logger: false,
    });
    await app.init();
    const reply = await api().get('/api/docs-json');
    expect(reply.status).toBe(200);
    docText = reply.text;
    doc = JSON.parse(docText) as Json;
  });
  afterAll(async () => {
    await app?.close();
  });

  const api = () => request(app.getHttpServer());
  const admin = (path: string) => api().get(path).set('Authorization', `Bearer ${ADMIN_TOKEN}`);
  const schemaNamed = (name: string): Json => {
    const schema = doc.components.schemas[name] as Json | undefined;
    if (schema === undefined) throw new Error(`no schema ${name}`);
    return schema;
  };
  const propertiesOf = (name: string) => Object.keys(schemaNamed(name).properties).sort();
  const keysOf = (value: object) => Object.keys(value).sort();
  const operation = (path: string, method: string): Json => {
    const found = doc.paths[path]?.[method] as Json | undefined;
    if (found === undefined) throw new Error(`no ${method.toUpperCase()} ${path} in the document`);
    return found;
  };

  describe('served to anyone, holding no secret', () => {
    it('answers Swagger UI at /api/docs, its files from this server alone', async () => {
      const page = await api().get('/api/docs');
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain('swagger-ui-bundle.js');
      const links = [...page.text.matchAll(/\b(?:src|href)=["']([^"']+)["']/g)].map((match) => match[1]!);
      expect(links.length).toBeGreaterThan(2);
      for (const link of links) expect(link).not.toMatch(/^(?:[a-z]+:)?\/\//i);

      const bundle = await api().get('/api/docs/swagger-ui-bundle.js');
      expect(bundle.status).toBe(200);
      expect(bundle.headers['content-type']).toMatch(/javascript/);
      const init = await api().get('/api/docs/swagger-ui-init.js');
      expect(init.status).toBe(200);
      // The document is embedded; no online validator is asked about it.
      expect(init.text).toContain('"/webhooks/inkit"');
      expect(init.text).toMatch(/"validatorUrl":\s*"none"/);
      for (const secret of SECRETS) expect(init.text).not.toContain(secret);
    });

    it('answers the document without a token, while the API it describes asks for one', async () => {
      expect((await api().get('/api/docs-json')).status).toBe(200);
      const refused = await api().get('/api/deliveries');
      expect(refused.status).toBe(401);
      expect(keysOf(refused.body)).toEqual(propertiesOf('ApiErrorDoc'));
    });

    it('holds none of the configured secrets', () => {
      for (const secret of SECRETS) expect(docText).not.toContain(secret);
    });
  });

  describe('the document', () => {
    it('is OpenAPI 3, titled and versioned as the receiver', () => {
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.info.version).toBe(RECEIVER_VERSION);
      expect(doc.info.title).toMatch(/receiver/);
    });

    it('is sound: paths, operations, parameters, responses, security and tags', () => {
      expect(structuralProblems(doc)).toEqual([]);
    });

    it('resolves every $ref', () => {
      const refs = refsIn(doc);
      expect(refs.length).toBeGreaterThan(20);
      expect(refs.filter((ref) => resolve(doc, ref) === undefined)).toEqual([]);
    });

    it('would say so of a $ref that does not resolve', () => {
      const broken = {
        ...doc,
        paths: { '/x': { get: { responses: { 200: { description: 'x', $ref: '#/nope' } } } } },
      };
      expect(structuralProblems(broken)).toContain('#/nope does not resolve');
    });
  });

  describe('the webhook routes', () => {
    it('are one path per served sender, in place of the generic routes', () => {
      const webhookPaths = Object.keys(doc.paths).filter((path) => path.startsWith('/webhooks/'));
      expect(webhookPaths.sort()).toEqual(ENABLED.map(senderPath).sort());
      for (const sender of DISABLED) expect(Object.keys(doc.paths)).not.toContain(senderPath(sender));
      expect(webhookPaths.filter((path) => /\{(sender|segment)\}/.test(path))).toEqual([]);
      expect(doc.paths['/webhooks/illow/{event}'].post.parameters).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'event', in: 'path', required: true })]),
      );
    });

    it.each(ENABLED)("%s: the body's schema is its DTO's, and its documented sample fits it", (sender) => {
      const { dto, sample } = definitionOf(sender);
      const body = operation(senderPath(sender), 'post').requestBody.content['application/json'];
      expect(body.schema).toEqual({ $ref: `#/components/schemas/${dto.name}` });
      const schema = deref(doc, body.schema);
      expect(schema.type).toBe('object');
      expect(Object.keys(schema.properties).length).toBeGreaterThan(0);
      expect(body.example).toEqual(sample.payload);
      for (const field of schema.required ?? []) expect(sample.payload).toHaveProperty([field]);
    });

    it("Inkit's and illow's: their DTOs' fields, required as the DTOs require them", () => {
      const inkit = schemaNamed('InkitWebhookDto');
      expect(inkit.required).toEqual(['event_type', 'resource_id']);
      expect(inkit.properties.event_type).toMatchObject({ type: 'string', minLength: 1 });
      expect(inkit.properties.resource_id).toMatchObject({ type: 'string', minLength: 1 });
      const illow = schemaNamed('IllowWebhookDto');
      expect(illow.required).toEqual(['companyId', 'siteId', 'idempotencyKey', 'metadata']);
      // Any JSON value: its shape depends on the event.
      expect(illow.properties.metadata).toEqual({});
    });

    it("nested DTOs are references that resolve to their own schemas (GitHub's, Certificall's)", () => {
      const github = schemaNamed('GithubWebhookDto');
      expect(github.required).toBeUndefined();
      expect(github.properties.repository.$ref).toBe('#/components/schemas/GithubRepositoryDto');
      expect(deref(doc, github.properties.repository).properties.full_name).toEqual({ type: 'string' });
      expect(deref(doc, github.properties.installation).required).toEqual(['id']);
      const items = schemaNamed('ShareCasesWithMetaDatasDto').properties.items;
      expect(items.type).toBe('array');
      const item = deref(doc, items.items);
      expect(item.properties.stepAction.enum).toContain('SIGNATURE');
      // Only what served senders need: Stripe is off.
      expect(doc.components.schemas.StripeEventDto).toBeUndefined();
    });

    it("take each sender's credential headers as header parameters", () => {
      const inkitHeader = credentialHeadersOf('inkit')[0];
      expect(operation('/webhooks/inkit', 'post').parameters).toEqual([
        expect.objectContaining({ name: inkitHeader, in: 'header', required: true }),
      ]);
      const github = operation('/webhooks/github', 'post').parameters as Json[];
      for (const name of credentialHeadersOf('github')) {
        // Either of GitHub's two signatures will do, so neither is required alone.
        expect(github).toContainEqual(expect.objectContaining({ name, in: 'header', required: false }));
      }
      expect(github).toContainEqual(expect.objectContaining({ name: 'X-GitHub-Event', in: 'header' }));
    });

    it("answer as documented: 200, and the library's error shape with a reason", async () => {
      const webhook = operation('/webhooks/inkit', 'post');
      expect(Object.keys(webhook.responses).sort()).toEqual(
        ['200', '400', '401', '404', '409', '413', '415', '500'].sort(),
      );
      expect(webhook.security).toBeUndefined();
      const error = deref(doc, webhook.responses['401'].content['application/json'].schema);
      expect(Object.keys(error.properties).sort()).toEqual(['error', 'message', 'reason', 'statusCode']);

      const inkit = samples.find((sample) => sample.sender === 'inkit')!;
      const body = JSON.stringify(inkit.vary(801));
      const forged = await api()
        .post('/webhooks/inkit')
        .set('Content-Type', 'application/json')
        .set(inkit.forge(body))
        .send(body);
      expect(forged.status).toBe(401);
      expect(keysOf(forged.body)).toEqual(propertiesOf('WebhookErrorDoc'));
      expect(error.properties.reason.enum).toContain(forged.body.reason);
      expect(webhook.responses['401'].content['application/json'].example.reason).toBe(forged.body.reason);

      const accepted = await api()
        .post('/webhooks/inkit')
        .set('Content-Type', 'application/json')
        .set(inkit.sign(body))
        .send(body);
      expect(accepted.status).toBe(200);
      expect(accepted.text).toBe(webhook.responses['200'].content['text/plain'].schema.example);
    });
  });

  describe("the receiver's API", () => {
    it('behind ADMIN_TOKEN as a bearer scheme, on every /api path', () => {
      expect(doc.components.securitySchemes.ADMIN_TOKEN).toMatchObject({ type: 'http', scheme: 'bearer' });
      const apiOperations = operationsOf(doc).filter(({ path }) => path.startsWith('/api/'));
      expect(apiOperations.length).toBeGreaterThanOrEqual(6);
      for (const { operation } of apiOperations) {
        expect(operation.security).toEqual([{ ADMIN_TOKEN: [] }]);
        expect(operation.responses['401']).toBeDefined();
      }
    });

    it('GET /api/deliveries with its filters, all optional, and its paging headers', () => {
      const list = operation('/api/deliveries', 'get');
      const query = Object.fromEntries(
        (list.parameters as Json[]).filter((p) => p.in === 'query').map((p) => [p.name, p]),
      );
      for (const name of ['sender', 'state', 'status', 'from', 'to', 'before', 'limit', 'view']) {
        expect(query[name]).toMatchObject({ required: false });
      }
      expect(deref(doc, query.state.schema).enum).toEqual(
        expect.arrayContaining(['queued', 'processed', 'dead', 'rejected']),
      );
      expect(query.from.schema).toMatchObject({ type: 'string', format: 'date-time' });
      expect(query.view.schema.enum).toEqual(['summary']);
      expect(Object.keys(list.responses['200'].headers)).toEqual(['X-Next-Cursor', 'Link']);
    });

    it('POST /api/deliveries/{id}/replay, and the other routes of the API', () => {
      const replay = operation('/api/deliveries/{id}/replay', 'post');
      expect(replay.parameters).toEqual([
        expect.objectContaining({ name: 'id', in: 'path', required: true }),
      ]);
      expect(deref(doc, replay.responses['202'].content['application/json'].schema)).toBe(
        schemaNamed('ReplayStartedDoc'),
      );
      expect(Object.keys(replay.responses)).toEqual(expect.arrayContaining(['202', '404', '409']));
      for (const path of [
        '/api/deliveries/{id}',
        '/api/deliveries/stats',
        '/api/meta',
        '/api/records/{sender}/{id}',
      ])
        expect(doc.paths[path]?.get).toBeDefined();
    });

    it('describes the rows and answers exactly as the API gives them', async () => {
      const inkit = samples.find((sample) => sample.sender === 'inkit')!;
      const body = JSON.stringify(inkit.vary(802));
      await api()
        .post('/webhooks/inkit')
        .set('Content-Type', 'application/json')
        .set(inkit.sign(body))
        .send(body)
        .expect(200);

      const rows = (await admin('/api/deliveries?sender=inkit').expect(200)).body as Json[];
      expect(rows.length).toBeGreaterThan(0);
      expect(keysOf(rows[0]!)).toEqual(propertiesOf('DeliveryRowDoc'));
      expect(schemaNamed('DeliveryRowDoc').required.sort()).toEqual(propertiesOf('DeliveryRowDoc'));
      const summaries = (await admin('/api/deliveries?sender=inkit&view=summary').expect(200)).body as Json[];
      expect(keysOf(summaries[0]!)).toEqual(propertiesOf('DeliverySummaryDoc'));

      const delivered = rows.find((row) => row.statusCode === 200)!;
      const replay = await api()
        .post(`/api/deliveries/${delivered.id}/replay`)
        .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
        .expect(202);
      expect(keysOf(replay.body)).toEqual(propertiesOf('ReplayStartedDoc'));
      expect(schemaNamed('ReplayStartedDoc').properties.state.enum).toContain(replay.body.state);

      const detail = (await admin(`/api/deliveries/${delivered.id}`).expect(200)).body as Json;
      expect(keysOf(detail)).toEqual(propertiesOf('DeliveryDetailDoc'));
      expect(keysOf(detail.history)).toEqual(propertiesOf('DeliveryHistoryDoc'));
      expect(detail.history.replays).toHaveLength(1);
      expect(keysOf(detail.history.replays[0])).toEqual(propertiesOf('DeliveryReplayDoc'));

      const stats = (await admin('/api/deliveries/stats').expect(200)).body as Json;
      expect(keysOf(stats)).toEqual(propertiesOf('DeliveryStatsDoc'));
      expect(stats.series.length).toBeGreaterThan(0);
      expect(keysOf(stats.series[0])).toEqual(propertiesOf('DeliveryStatsPointDoc'));

      const meta = (await admin('/api/meta').expect(200)).body as Json;
      expect(keysOf(meta)).toEqual(propertiesOf('ReceiverMetaDoc'));
      expect(keysOf(meta.senders[0])).toEqual(propertiesOf('MetaSenderDoc'));
      expect(deref(doc, schemaNamed('ReceiverMetaDoc').properties.states.items).enum).toEqual(meta.states);
    });
  });

  describe('the health routes', () => {
    it('are open: no security, and the 503 naming what is down', async () => {
      for (const path of ['/health', '/health/ready', '/health/live']) {
        const health = operation(path, 'get');
        expect(health.security).toBeUndefined();
        expect(health.tags).toEqual(['health']);
        expect(health.responses['200']).toBeDefined();
      }
      expect(operation('/health/ready', 'get').responses['503']).toBeDefined();
      const answer = (await api().get('/health').expect(200)).body as Json;
      const documented = operation('/health', 'get').responses['200'].content['application/json'].schema;
      expect(keysOf(answer)).toEqual([...documented.required].sort());
    });

    it('leave /metrics and /dashboard out: not an API, and each says how it is reached', () => {
      expect(Object.keys(doc.paths).filter((path) => /^\/(metrics|dashboard)/.test(path))).toEqual([]);
    });
  });
});

describeIf(redisUrl, 'Redis')('the API docs of a worker', () => {
  let app: INestApplication | undefined;
  const queueName = `webhooks-test-${randomUUID()}`;

  beforeAll(async () => {
    app = await createReceiver({
      env: {
        ...senderEnv,
        PGLITE_DATA_DIR: 'memory://',
        WEBHOOKS_PROCESSING: 'queue',
        REDIS_URL: redisUrl,
        WEBHOOKS_QUEUE_NAME: queueName,
        REDIS_KEY_PREFIX: `${queueName}:idem:`,
        RECEIVER_ROLE: 'worker',
      },
      logger: false,
    });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    const client = new Redis(redisUrl!);
    try {
      const keys = await client.keys(`bull:${queueName}:*`);
      if (keys.length) await client.del(...keys);
    } finally {
      client.disconnect();
    }
  });

  it('are not served: a worker serves no API', async () => {
    const api = () => request(app!.getHttpServer());
    expect((await api().get('/health')).status).toBe(200);
    expect((await api().get('/api/docs')).status).toBe(404);
    expect((await api().get('/api/docs-json')).status).toBe(404);
  });
});
