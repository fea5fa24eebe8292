/**
 * Secrets never leave the process. Both the library (in a test app) and the reference receiver
 * (with its database) are configured with distinctive credentials for every built-in sender, every
 * failure path is driven, and everything observable is captured: response statuses, headers and
 * bodies; every log line at every level (the library's Logger('Webhooks') included) and anything
 * written to stdout, stderr or the console; outcome events; handler events; the receiver's API
 * and a dump of its tables. None of it may hold a configured secret (in clear, base64 or hex),
 * the illow private key, the Basic credential, the key behind a Standard Webhooks secret, or the
 * credential that would have been valid for any request's body and signing time (what a leaky
 * "expected X, got Y" message would print).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Inject, Injectable, type INestApplication } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { createHash, createHmac, createPrivateKey, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OnWebhook, WebhooksModule, type WebhookEvent } from 'nestjs-webhooks';
import { generateIllowKeyPair } from 'nestjs-webhooks/testing';
import { createReceiver } from '../../apps/receiver/src/bootstrap.js';
import {
  certificallCases,
  deliveries,
  DRIZZLE,
  githubDeliveries,
  illowRequests,
  inkitDocuments,
  ovcodeAuthentications,
  oxskytReports,
  standardMessages,
  stripeEvents,
  RecordsRepository,
  type Database,
  type DeliveryLogEntry,
  type SenderRecord,
} from '../../apps/receiver/src/database/index.js';
import { Recorder } from '../support/app.js';
import {
  configureSenders,
  credentialHeaderOf,
  forgerOf,
  samples,
  SENDERS,
  signAs,
  signingOf,
  type CertificallMethod,
  type Keyring,
  type Sender,
} from '../support/senders.js';
import { CapturingLogger, Corpus, findLeaks, teeStdio, type Forbidden } from './hostile/capture.js';
import { HttpClient, type Reply } from './hostile/client.js';
import { BODY_LIMIT, ROUTES } from './hostile/generate.js';

/** The bytes a Standard Webhooks secret holds (its `whsec_` text is their base64): the HMAC key itself. */
const STANDARD_KEY = 'standard-K3Y-bytes-3f8a1c6e05d9';
// Distinctive values: any of them found in the captured text is a leak, not a coincidence.
const SECRETS = {
  oxskytSecret: 'oxskyt-S3CRET-d41e6f0a9b27',
  inkitSecret: 'inkit-S3CRET-8c5b3a1f7e60',
  ovcodeToken: 'ovcode-T0KEN-2f9e8d7c6b5a',
  certificallBearer: 'certificall-B3ARER-5a4b3c2d1e0f',
  certificallApiSecret: 'certificall-AP1-S3CRET-0f1e2d3c4b5a',
  certificallPassword: 'certificall-PASSW0RD-9a8b7c6d5e4f',
  githubSecret: 'github-S3CRET-6e2a9c1b4d70',
  stripeSecret: 'whsec_stripeS3CRET7b1e0d9c2a84f6',
  standardSecret: `whsec_${Buffer.from(STANDARD_KEY).toString('base64')}`,
};
/** Not secrets (the key travels in clear next to the HMAC, the user name inside Basic), but never echoed either. */
const IDENTIFIERS = { certificallApiKey: 'cf-API-KEY-77c1d2', certificallUsername: 'cf-USERNAME-31ab' };
const illow = generateIllowKeyPair();
const illowPrivateKey = createPrivateKey(illow.privateKey);
const attackerKey = createPrivateKey(generateIllowKeyPair().privateKey);
const CANARY = `x-canary-${randomBytes(6).toString('hex')}`;

const ENV = {
  PGLITE_DATA_DIR: 'memory://',
  OXSKYT_WEBHOOK_SECRET: SECRETS.oxskytSecret,
  INKIT_WEBHOOK_SECRET: SECRETS.inkitSecret,
  OVCODE_API_SECRET: SECRETS.ovcodeToken,
  CERTIFICALL_AUTH_TOKEN: SECRETS.certificallBearer,
  CERTIFICALL_API_KEY: IDENTIFIERS.certificallApiKey,
  CERTIFICALL_API_SECRET: SECRETS.certificallApiSecret,
  CERTIFICALL_BASIC_USERNAME: IDENTIFIERS.certificallUsername,
  CERTIFICALL_BASIC_PASSWORD: SECRETS.certificallPassword,
  ILLOW_PUBLIC_KEY: illow.publicKey,
  GITHUB_WEBHOOK_SECRET: SECRETS.githubSecret,
  STRIPE_WEBHOOK_SECRET: SECRETS.stripeSecret,
  STANDARD_WEBHOOKS_SECRET: SECRETS.standardSecret,
};

/** The same credentials, as the library's test app is configured with them and signs with them. */
const KEYS: Keyring = {
  oxskyt: SECRETS.oxskytSecret,
  inkit: SECRETS.inkitSecret,
  ovcode: SECRETS.ovcodeToken,
  certificallBearer: SECRETS.certificallBearer,
  certificallKey: IDENTIFIERS.certificallApiKey,
  certificallSecret: SECRETS.certificallApiSecret,
  basicUser: IDENTIFIERS.certificallUsername,
  basicPassword: SECRETS.certificallPassword,
  github: SECRETS.githubSecret,
  stripe: SECRETS.stripeSecret,
  standard: SECRETS.standardSecret,
  illowPublicKey: illow.publicKey,
  illowPrivateKey,
};
const FORGER = forgerOf(KEYS, 'wrong-secret-of-a-forger', attackerKey);

type Method = CertificallMethod;
type Pairs = [string, string][];
const JSON_TYPE: Pairs = [['Content-Type', 'application/json']];
const sample = (sender: Sender) => samples.find((s) => s.sender === sender)!;

/**
 * What the genuine sender sends for `body` (its definition's signer); Certificall by `method`;
 * Stripe and Standard Webhooks at the signing time (and id) given in `extra`, else now.
 */
function sign(sender: Sender, body: Buffer, method: Method = 'hmac', extra: object = {}): Pairs {
  return Object.entries(signAs(sender, body, { ...signingOf(sender, KEYS, method), ...extra } as never));
}

const unixNow = () => Math.floor(Date.now() / 1000);
/** Well beyond the five minutes either way that Stripe and Standard Webhooks signatures are good for. */
const STALE_SECONDS = 3_600;

/** Same scheme, credential the receiver does not hold. */
function forge(sender: Sender, body: Buffer): Pairs {
  return Object.entries(signAs(sender, body, signingOf(sender, FORGER)));
}

/** Present but unusable, in the header the sender's credential travels in. */
function malformed(sender: Sender): Pairs {
  const values: Record<Sender, string[]> = {
    oxskyt: ['zz-not-hex'],
    inkit: ['sha256=abc'],
    // A static token cannot be malformed, only repeated.
    ovcode: ['one', 'two'],
    certificall: ['Bearer'],
    illow: ['!!not base64!!'],
    github: ['sha256=abc'],
    stripe: [`t=${unixNow()},v1=abc`],
    standard: ['v1,!!not base64!!'],
  };
  // Standard Webhooks reads its id and signing time before the signature: both present and fresh.
  const beside: Pairs =
    sender === 'standard'
      ? [
          ['webhook-id', `msg_malformed_${counter}`],
          ['webhook-timestamp', String(unixNow())],
        ]
      : [];
  return [...beside, ...values[sender].map((value): [string, string] => [credentialHeaderOf(sender), value])];
}

/** The header `name` of a request, if it has one. */
const headerOf = (headers: Pairs, name: string) => headers.find(([key]) => key.toLowerCase() === name)?.[1];

/**
 * What the request's headers fix besides the body (Stripe's `t`, Standard Webhooks' id and
 * timestamp): the expected signature is the one for them, not for now.
 */
function signedWith(sender: Sender, headers: Pairs): object {
  if (sender === 'stripe') {
    const t = /(?:^|,)t=(\d+)/.exec(headerOf(headers, 'stripe-signature') ?? '')?.[1];
    return t === undefined ? {} : { timestamp: Number(t) };
  }
  if (sender === 'standard') {
    const id = headerOf(headers, 'webhook-id');
    const timestamp = headerOf(headers, 'webhook-timestamp');
    return {
      ...(id && { id }),
      ...(timestamp && /^\d+$/.test(timestamp) && { timestamp: Number(timestamp) }),
    };
  }
  return {};
}

/**
 * Every credential value that would have been valid for this body, in each encoding a
 * sender uses: what an implementation printing "expected …" would leak.
 */
function expectedCredentials(sender: Sender, body: Buffer, headers: Pairs = []): string[] {
  const value = (pairs: Pairs) =>
    pairs.map(([, v]) => v.replace(/^(Bearer|Basic|HMAC-SHA256) /, '').replace(/^.*:/, ''));
  if (sender === 'github')
    return [headerOf(sign(sender, body), 'x-hub-signature-256')!.slice('sha256='.length)];
  if (sender === 'stripe') {
    const header = headerOf(sign(sender, body, 'hmac', signedWith(sender, headers)), 'stripe-signature')!;
    return [header.slice(header.indexOf('v1=') + 'v1='.length)];
  }
  if (sender === 'standard') {
    const header = headerOf(sign(sender, body, 'hmac', signedWith(sender, headers)), 'webhook-signature')!;
    const signature = header.slice('v1,'.length);
    return [signature, Buffer.from(signature, 'base64').toString('hex')];
  }
  if (sender !== 'certificall') {
    const values = value(sign(sender, body));
    if (sender === 'illow') values.push(Buffer.from(values[0], 'base64').toString('hex'));
    return values;
  }
  return [
    ...value(sign(sender, body, 'hmac')),
    ...value(sign(sender, body, 'hmac-base64')),
    SECRETS.certificallBearer,
    Buffer.from(`${IDENTIFIERS.certificallUsername}:${SECRETS.certificallPassword}`).toString('base64'),
  ];
}

/** Holds the first handler of one sender's next delivery until released. */
class Gates {
  private readonly armed = new Map<string, { reached: () => void; release: Promise<void> }>();

  arm(sender: string): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const releasePromise = new Promise<void>((resolve) => (release = resolve));
    this.armed.set(sender, { reached, release: releasePromise });
    return { reached: reachedPromise, release };
  }

  async pass(sender: string): Promise<void> {
    const gate = this.armed.get(sender);
    if (!gate) return;
    this.armed.delete(sender);
    gate.reached();
    await gate.release;
  }
}

const GATES = Symbol('GATES');
const CORPUS = Symbol('CORPUS');

/** Library app: sees every handler event, and holds one when a gate is armed. */
@Injectable()
class EveryEvent {
  constructor(
    @Inject(GATES) private readonly gates: Gates,
    @Inject(CORPUS) private readonly corpus: Corpus,
  ) {}

  @OnWebhook('**')
  async seen(event: WebhookEvent): Promise<void> {
    this.corpus.add('event', event);
    await this.gates.pass(event.sender);
  }
}

interface Target {
  readonly name: string;
  readonly client: HttpClient;
  readonly gates: Gates;
  /** A body for `sender` whose handler will fail (arranged by whatever means the target allows). */
  failingBody(sender: Sender, n: number): Buffer;
  /** Statuses answered on the webhook routes, in order. */
  readonly statuses: number[];
}

interface Step {
  name: string;
  sender: Sender;
  body: Buffer;
  headers: Pairs;
  status: number;
  reason?: string;
}

const corpus = new Corpus();
const forbidden: Forbidden[] = [];
const unexpected: string[] = [];
const coverage = new Map<string, number>();
let counter = Math.floor(Math.random() * 1e6);

function forbid(label: string, value: string, anyCase = false): void {
  forbidden.push({ label, value, anyCase });
}

function staticForbidden(): void {
  for (const [name, value] of Object.entries(SECRETS)) {
    forbid(`secret ${name}`, value);
    forbid(`base64 of secret ${name}`, Buffer.from(value).toString('base64'));
    forbid(`hex of secret ${name}`, Buffer.from(value).toString('hex'), true);
  }
  for (const [name, value] of Object.entries(IDENTIFIERS)) forbid(`identifier ${name}`, value);
  // What follows `whsec_` alone, as a log trimming the prefix would print it.
  forbid('Stripe secret without its prefix', SECRETS.stripeSecret.slice('whsec_'.length));
  forbid('Standard Webhooks secret without its prefix', SECRETS.standardSecret.slice('whsec_'.length));
  // The key the Standard Webhooks secret decodes to, which the verifier holds.
  forbid('Standard Webhooks key', STANDARD_KEY);
  forbid('Standard Webhooks key (hex)', Buffer.from(STANDARD_KEY).toString('hex'), true);
  forbid('Standard Webhooks key (base64url)', Buffer.from(STANDARD_KEY).toString('base64url'));
  forbid(
    'OxsKYT secret digest (the appended suffix)',
    createHash('sha256').update(SECRETS.oxskytSecret).digest('hex'),
    true,
  );
  const pair = `${IDENTIFIERS.certificallUsername}:${SECRETS.certificallPassword}`;
  forbid('Basic user:password', pair);
  forbid('Basic credential (base64)', Buffer.from(pair).toString('base64'));
  const pemBody = illow.privateKey.split('\n').filter((line) => line && !line.startsWith('-----'));
  pemBody.forEach((line, i) => forbid(`illow private key PEM line ${i}`, line));
  forbid('illow private key PEM body', pemBody.join(''));
  // The private exponent, in the encodings a key dump would use.
  const d = Buffer.from(illowPrivateKey.export({ format: 'jwk' }).d!, 'base64url');
  forbid('illow private exponent (hex)', d.subarray(0, 48).toString('hex'), true);
  forbid('illow private exponent (base64)', d.subarray(0, 48).toString('base64'));
}

const body = (sender: Sender, n: number, extra: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ ...(sample(sender).vary(n) as object), ...extra, note: `body-canary-${n}` }));

async function send(target: Target, step: Step, path = ROUTES[step.sender]): Promise<Reply> {
  for (const value of expectedCredentials(step.sender, step.body, step.headers)) {
    forbid(
      `expected credential for ${target.name} ${step.sender} "${step.name}"`,
      value,
      /^[0-9a-f]+$/i.test(value),
    );
  }
  const reply = await target.client.send({
    path,
    headers: [...step.headers, ['X-Canary', CANARY]],
    body: step.body,
  });
  record(target, step, reply);
  return reply;
}

function record(target: Target, step: Step, reply: Reply): void {
  corpus.add(
    'response',
    `${reply.status} ${JSON.stringify(reply.rawHeaders)}\n${reply.body.toString('utf8')}`,
  );
  target.statuses.push(reply.status);
  let reason: string | undefined;
  try {
    reason = JSON.parse(reply.body.toString('utf8')).reason;
  } catch {
    reason = undefined;
  }
  const key = `${step.status}${step.reason ? ` ${step.reason}` : ''}`;
  coverage.set(key, (coverage.get(key) ?? 0) + 1);
  if (reply.status !== step.status || (step.reason !== undefined && reason !== step.reason)) {
    unexpected.push(
      `${target.name} ${step.sender} "${step.name}": expected ${step.status} ${step.reason ?? ''}, got ${reply.status} ${reply.body.toString('utf8').slice(0, 200)}`,
    );
  }
}

/** Every failure path, for every sender, plus each Certificall method and illow specifics. */
async function drive(target: Target): Promise<void> {
  for (const sender of SENDERS) {
    const step = (name: string, b: Buffer, headers: Pairs, status: number, reason?: string) =>
      send(target, { name, sender, body: b, headers, status, reason });

    const valid = body(sender, ++counter);
    await step('valid', valid, [...JSON_TYPE, ...sign(sender, valid)], 200);
    await step('duplicate', valid, [...JSON_TYPE, ...sign(sender, valid)], 200);
    await step('missing', body(sender, ++counter), JSON_TYPE, 401, 'missing');
    await step('malformed', body(sender, ++counter), [...JSON_TYPE, ...malformed(sender)], 401, 'malformed');
    const forged = body(sender, ++counter);
    await step('mismatch', forged, [...JSON_TYPE, ...forge(sender, forged)], 401, 'mismatch');
    const invalid = Buffer.from(JSON.stringify(sample(sender).invalid.body));
    await step('invalid payload', invalid, [...JSON_TYPE, ...sign(sender, invalid)], 400, 'invalid-payload');
    const notJson = Buffer.from(`{"not json": ${counter}`);
    await step('invalid JSON', notJson, [...JSON_TYPE, ...sign(sender, notJson)], 400, 'invalid-body');
    const huge = Buffer.from(JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT) }));
    await step('too large', huge, [...JSON_TYPE, ...sign(sender, huge)], 413, 'too-large');
    const failing = target.failingBody(sender, ++counter);
    await step('handler failure', failing, [...JSON_TYPE, ...sign(sender, failing)], 500, 'handler-error');

    // In flight: the first delivery is held in its handler while the same one arrives again.
    const twice = body(sender, ++counter);
    const headers: Pairs = [...JSON_TYPE, ...sign(sender, twice)];
    const gate = target.gates.arm(sender);
    const first = send(target, { name: 'in-flight (first)', sender, body: twice, headers, status: 200 });
    await gate.reached;
    await send(target, {
      name: 'in-flight (second)',
      sender,
      body: twice,
      headers,
      status: 409,
      reason: 'in-flight',
    });
    gate.release();
    await first;
  }

  const cf = (name: string, b: Buffer, headers: Pairs, status: number, reason?: string) =>
    send(target, { name, sender: 'certificall', body: b, headers, status, reason });
  for (const method of ['bearer', 'basic', 'hmac', 'hmac-base64'] as const) {
    const b = body('certificall', ++counter);
    await cf(`valid ${method}`, b, [...JSON_TYPE, ...sign('certificall', b, method)], 200);
  }
  let b = body('certificall', ++counter);
  await cf(
    'unsupported method',
    b,
    [...JSON_TYPE, ['Authorization', `Digest username="${IDENTIFIERS.certificallUsername}"`]],
    401,
    'unsupported',
  );
  b = body('certificall', ++counter);
  const hmac = sign('certificall', b, 'hmac');
  const authorization = hmac.find(([k]) => k === 'Authorization')!;
  await cf(
    'wrong X-Api-Key',
    b,
    [...JSON_TYPE, authorization, ['X-Api-Key', 'cf-some-other-key']],
    401,
    'mismatch',
  );
  await cf('missing X-Api-Key', b, [...JSON_TYPE, authorization], 401, 'missing');
  b = body('certificall', ++counter);
  const wrongBasic = Buffer.from(`${IDENTIFIERS.certificallUsername}:not-the-password`).toString('base64');
  await cf(
    'wrong basic password',
    b,
    [...JSON_TYPE, ['Authorization', `Basic ${wrongBasic}`]],
    401,
    'mismatch',
  );
  await cf('malformed basic', b, [...JSON_TYPE, ['Authorization', 'Basic not*base64']], 401, 'malformed');
  await cf('wrong bearer', b, [...JSON_TYPE, ['Authorization', 'Bearer not-the-token']], 401, 'mismatch');
  await cf(
    'bearer holding the API secret',
    b,
    [...JSON_TYPE, ['Authorization', `Bearer ${SECRETS.certificallApiSecret}x`]],
    401,
    'mismatch',
  );
  const ill = body('illow', ++counter);
  const hexSignature = Buffer.from(sign('illow', ill)[0][1], 'base64').toString('hex');
  await send(target, {
    name: 'hex signature',
    sender: 'illow',
    body: ill,
    headers: [...JSON_TYPE, ['illow-signature', hexSignature]],
    status: 401,
    reason: 'malformed',
  });
  // Genuine signatures made an hour ago, and an hour ahead: replays, refused for their time.
  for (const sender of ['stripe', 'standard'] as const) {
    for (const [name, at] of [
      ['stale signature', unixNow() - STALE_SECONDS],
      ['future signature', unixNow() + STALE_SECONDS],
    ] as const) {
      const b = body(sender, ++counter);
      await send(target, {
        name,
        sender,
        body: b,
        headers: [...JSON_TYPE, ...sign(sender, b, 'hmac', { timestamp: at })],
        status: 401,
        reason: 'timestamp',
      });
    }
  }
  // GitHub's legacy SHA-1 header, however genuine, is never accepted in place of the SHA-256 one.
  const gh = body('github', ++counter);
  const sha1 = createHmac('sha1', SECRETS.githubSecret).update(gh).digest('hex');
  // Genuine, though refused: redacted like the other, never echoed.
  forbid('GitHub SHA-1 signature', sha1, true);
  await send(target, {
    name: 'legacy SHA-1 signature only',
    sender: 'github',
    body: gh,
    headers: [
      ...JSON_TYPE,
      ...sign('github', gh).filter(([name]) => name.toLowerCase() !== 'x-hub-signature-256'),
      ['X-Hub-Signature', `sha1=${sha1}`],
    ],
    status: 401,
    reason: 'missing',
  });
}

async function listen(app: INestApplication): Promise<number> {
  await app.listen(0, '127.0.0.1');
  return ((app.getHttpServer() as Server).address() as AddressInfo).port;
}

describe('no secret leaves the process', () => {
  let restoreStdio: () => void;
  let library: INestApplication;
  let receiver: INestApplication;
  let libraryTarget: Target;
  let receiverTarget: Target;
  let rows: (typeof deliveries.$inferSelect)[] = [];

  beforeAll(async () => {
    staticForbidden();
    restoreStdio = teeStdio(corpus);
    const logger = new CapturingLogger(corpus);

    // The library, as a user's app would mount it.
    const gates = new Gates();
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot({ wildcard: true }),
        WebhooksModule.forRoot({ senders: configureSenders(KEYS) }),
      ],
      providers: [
        Recorder,
        EveryEvent,
        { provide: GATES, useValue: gates },
        { provide: CORPUS, useValue: corpus },
      ],
    }).compile();
    library = moduleRef.createNestApplication({ logger });
    const recorder = library.get(Recorder);
    libraryTarget = {
      name: 'library',
      client: new HttpClient(await listen(library), 4),
      gates,
      statuses: [],
      failingBody: (sender, n) => {
        recorder.failNext = 1;
        return body(sender, n);
      },
    };
    await drive(libraryTarget);
    for (const event of recorder.events) corpus.add('event', event);
    for (const outcome of recorder.outcomes) corpus.add('outcome', outcome);

    // The reference receiver, with its own database and its own handlers.
    receiver = await createReceiver({ env: ENV, logger });
    const receiverGates = new Gates();
    const emitter = receiver.get(EventEmitter2);
    emitter.on('webhooks.delivery.*', (outcome: unknown) => corpus.add('outcome', outcome));
    emitter.on('webhooks.event.**', (event: unknown) => corpus.add('event', event));
    const repository = receiver.get(RecordsRepository);
    const applyAccepted = repository.applyAccepted.bind(repository);
    const failWrites = new Set<string>();
    repository.applyAccepted = async (entry: DeliveryLogEntry, record: SenderRecord) => {
      await receiverGates.pass(record.sender);
      if (failWrites.delete(record.sender)) throw new Error('injected: the database refused the write');
      return applyAccepted(entry, record);
    };
    receiverTarget = {
      name: 'receiver',
      client: new HttpClient(await listen(receiver), 4),
      gates: receiverGates,
      statuses: [],
      // The record's write is made to fail inside the handler, as a database outage would.
      // (U+0000, which PostgreSQL cannot store, no longer reaches a handler: it is refused with 400.)
      failingBody: (sender, n) => {
        failWrites.add(sender);
        return body(sender, n);
      },
    };
    await drive(receiverTarget);

    const db = receiver.get<Database>(DRIZZLE);
    // The 413 outcome is reported after the reply: wait until every delivery has its row.
    for (let i = 0; i < 50; i++) {
      rows = await db.select().from(deliveries);
      if (rows.length >= receiverTarget.statuses.length) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    corpus.add('db', rows);
    for (const table of [
      inkitDocuments,
      ovcodeAuthentications,
      certificallCases,
      illowRequests,
      oxskytReports,
      githubDeliveries,
      stripeEvents,
      standardMessages,
    ]) {
      corpus.add('db', await db.select().from(table));
    }
    for (const path of ['/api/deliveries?limit=500', '/api/deliveries?status=401&limit=500', '/health']) {
      const reply = await receiverTarget.client.send({
        method: 'GET',
        path,
        headers: [],
        body: Buffer.alloc(0),
      });
      corpus.add(
        'api',
        `${reply.status} ${JSON.stringify(reply.rawHeaders)}\n${reply.body.toString('utf8')}`,
      );
    }
    const stored = rows.filter((row) => row.sender === 'inkit' && row.statusCode === 200 && !row.duplicate);
    for (const row of stored) {
      const id = JSON.parse(row.rawBody!.toString('utf8')).resource_id as string;
      const reply = await receiverTarget.client.send({
        method: 'GET',
        path: `/api/records/inkit/${encodeURIComponent(id)}`,
        headers: [],
        body: Buffer.alloc(0),
      });
      corpus.add('api', reply.body.toString('utf8'));
    }
  }, 120_000);

  afterAll(async () => {
    restoreStdio?.();
    libraryTarget?.client.close();
    receiverTarget?.client.close();
    await library?.close();
    await receiver?.close();
  });

  it('drove every failure path on both the library and the receiver, with the statuses and reasons expected', () => {
    expect(unexpected).toEqual([]);
    for (const key of [
      '200',
      '401 missing',
      '401 malformed',
      '401 mismatch',
      '401 unsupported',
      '401 timestamp',
      '400 invalid-payload',
      '400 invalid-body',
      '413 too-large',
      '500 handler-error',
      '409 in-flight',
    ]) {
      expect([key, (coverage.get(key) ?? 0) > 0]).toEqual([key, true]);
    }
  });

  it('captured every channel it checks (so a leak into any of them would be seen)', () => {
    const logs = corpus.entries('log');
    // The library's own Logger('Webhooks') reaches the capture, at every level it uses.
    expect(logs.some((l) => l.startsWith('warn Rejected') && l.endsWith('Webhooks'))).toBe(true);
    expect(logs.some((l) => l.startsWith('error Handler for') && l.includes('Webhooks'))).toBe(true);
    expect(logs.some((l) => /^(log|debug) Accepted/.test(l))).toBe(true);
    // Handler events carry the headers, redacted where they are credentials, kept otherwise.
    const events = corpus.entries('event').join('\n');
    expect(events).toContain('[redacted]');
    expect(events).toContain(CANARY);
    // Outcomes of every kind were seen, and stored deliveries hold the verified bodies.
    const outcomes = corpus.entries('outcome').join('\n');
    for (const kind of ['accepted', 'duplicate', 'rejected', 'failed'])
      expect(outcomes).toContain(`"outcome":"${kind}"`);
    expect(corpus.entries('db').join('\n')).toContain('body-canary-');
    expect(corpus.entries('api').join('\n')).toContain('body-canary-');
    expect(corpus.size('response')).toBe(libraryTarget.statuses.length + receiverTarget.statuses.length);
  });

  it('finds a leak when there is one (the scanner itself works)', () => {
    const planted = new Corpus();
    const forged = body('inkit', 1);
    const expectedHex = expectedCredentials('inkit', forged)[0];
    planted.add('log', `signature mismatch: expected ${expectedHex.toUpperCase()}`);
    planted.add('db', { note: `token=${SECRETS.ovcodeToken}` });
    planted.add('event', { headers: { 'x-api-key': IDENTIFIERS.certificallApiKey } });
    const leaks = findLeaks(planted, [
      { label: 'expected', value: expectedHex, anyCase: true },
      { label: 'token', value: SECRETS.ovcodeToken },
      { label: 'key', value: IDENTIFIERS.certificallApiKey },
    ]);
    expect(leaks).toHaveLength(3);
  });

  it('leaked no secret, private key, Basic credential or expected signature anywhere', () => {
    expect(forbidden.length).toBeGreaterThan(200);
    expect(findLeaks(corpus, forbidden)).toEqual([]);
  });

  it('stored a delivery row for every request, with raw_body only for verified deliveries', () => {
    expect(rows.map((row) => row.statusCode).sort()).toEqual([...receiverTarget.statuses].sort());
    const unverified = rows.filter((row) =>
      ['missing', 'malformed', 'mismatch', 'unsupported', 'timestamp', 'too-large'].includes(
        row.reason ?? '',
      ),
    );
    expect(unverified.length).toBeGreaterThan(20);
    expect(unverified.filter((row) => row.rawBody !== null)).toEqual([]);
    const verified = rows.filter((row) => [200, 400, 409, 500].includes(row.statusCode));
    expect(verified.length).toBeGreaterThan(20);
    expect(verified.filter((row) => row.rawBody === null)).toEqual([]);
  });
});
