/**
 * Thousands of generated hostile requests against one running app, over keep-alive sockets.
 *
 * Every request is built from the run's seed and its sequence number alone (print: "seed"),
 * so `HOSTILE_SEED=<seed>` replays the same requests. Each one is judged against an oracle
 * that decides, without the library's code, whether the request carries a genuine credential
 * for its body; the invariants are that nothing else is ever accepted, that nothing answers
 * 5xx except the deliveries whose handler was told to throw, that the deliveries built to
 * pass do pass, and that the heap does not grow with the number of requests.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Inject, Injectable, type INestApplication, type LoggerService } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { createPrivateKey } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  BUILT_IN_SENDERS,
  OnWebhook,
  OnWebhookOutcome,
  WebhooksModule,
  type WebhookDeliveryOutcome,
  type WebhookEvent,
} from 'nestjs-webhooks';
import { generateIllowKeyPair, signInkit } from 'nestjs-webhooks/testing';
import request from 'supertest';
import { createReceiver } from '../../apps/receiver/src/bootstrap.js';
import { deliveries, DRIZZLE, type Database } from '../../apps/receiver/src/database/index.js';
import { createTestApp, type Recorder } from '../support/app.js';
import { configureSenders, credentials, keyring, samples, SENDERS, type Sender } from '../support/senders.js';
import { HttpClient, runPool, type Reply } from './hostile/client.js';
import {
  bodyTag,
  createPools,
  KINDS,
  MARKER,
  markerIdOf,
  planKinds,
  RequestFactory,
  SEQ_HEADER,
  type HostileRequest,
  type SigningKeys,
} from './hostile/generate.js';
import { createOracle } from './hostile/oracle.js';

const TOTAL = Number(process.env.HOSTILE_REQUESTS ?? 11_000);
const WARMUP = Math.min(1_500, Math.floor(TOTAL / 5));
const CONCURRENCY = 24;
const SEED = Number(process.env.HOSTILE_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Heap growth allowed between the end of warm-up and the end of the run. */
const MEMORY_BOUND = 50 * 1024 * 1024;
/** Final liveness checks use sequence numbers past the generated ones. */
const FINAL_SEQ = TOTAL;

// RSA-1024 for illow here: the same verification path as 2048, at a quarter of the signing cost
// for the thousands of signatures this run makes (the attacker's key has the same size, so its
// forgeries reach the signature check instead of stopping at the length check).
const illow = generateIllowKeyPair(1024);
const keys: SigningKeys = {
  ...keyring,
  illowPublicKey: illow.publicKey,
  illowPrivateKey: createPrivateKey(illow.privateKey),
  attackerPrivateKey: createPrivateKey(generateIllowKeyPair(1024).privateKey),
};
const hostileSenders = configureSenders(keys);

/** Every header a sender's credential travels in, which handlers must only ever see redacted. */
const CREDENTIAL_HEADERS = [...new Set(BUILT_IN_SENDERS.flatMap((sender) => sender.credentialHeaders))];
const EXPECTED_ERROR_LOG = [
  /^Handler for \S+ \(delivery [0-9a-f-]+\) failed: hostile marker \d+$/,
  /^Failed \S+ \S+ delivery [0-9a-f-]+: A webhook handler failed; the delivery was not marked processed -> 500 in/,
];

/** What the app's handler, outcome listener and logger saw, checked against what was sent. */
class Probe {
  readonly authentic = new Uint8Array(TOTAL + 16);
  readonly tags = new Uint32Array(TOTAL + 16);
  readonly handled = new Map<string, number>();
  readonly threw = new Set<number>();
  readonly outcomes = new Map<string, number>();
  readonly logLevels: Record<string, number> = {};
  readonly unexpectedErrorLogs: string[] = [];
  expectedErrorLogs = 0;
  contentTypeWarnings = 0;
  handlerRuns = 0;
  violationCount = 0;
  readonly violations: string[] = [];

  violation(message: string): void {
    this.violationCount++;
    if (this.violations.length < 60) this.violations.push(message);
  }

  onEvent(event: WebhookEvent): void {
    const seq = Number(event.headers[SEQ_HEADER.toLowerCase()]);
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.authentic.length) {
      this.violation(`handler: event ${event.name} without a usable sequence header`);
      return;
    }
    if (!this.authentic[seq]) this.violation(`handler: ran for #${seq}, which was not validly signed`);
    if (bodyTag(event.rawBody) !== this.tags[seq])
      this.violation(`handler: #${seq} rawBody differs from the bytes sent`);
    for (const name of CREDENTIAL_HEADERS) {
      const value = event.headers[name];
      if (value !== undefined && value !== '[redacted]')
        this.violation(`handler: #${seq} header ${name} not redacted`);
    }
    const id = markerIdOf(event.sender as Sender, event.payload);
    if (typeof id === 'string' && id.startsWith(MARKER)) {
      this.threw.add(seq);
      throw new Error(`hostile marker ${seq}`);
    }
    this.handlerRuns++;
    const runs = (this.handled.get(event.idempotencyKey) ?? 0) + 1;
    this.handled.set(event.idempotencyKey, runs);
    if (runs > 1) this.violation(`handler: ${event.idempotencyKey} processed ${runs} times (#${seq})`);
  }

  onOutcome(outcome: WebhookDeliveryOutcome): void {
    const key = `${outcome.outcome}:${outcome.reason ?? '-'}:${outcome.status}`;
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
    if (outcome.outcome === 'rejected' && outcome.status === 401 && outcome.rawBody !== undefined) {
      this.violation(`outcome: unverified delivery ${outcome.deliveryId} carries its raw body`);
    }
  }

  outcomeCount(match: (key: string) => boolean): number {
    let total = 0;
    for (const [key, count] of this.outcomes) if (match(key)) total += count;
    return total;
  }
}

const PROBE = Symbol('PROBE');

@Injectable()
class HostileHandler {
  constructor(@Inject(PROBE) private readonly probe: Probe) {}

  @OnWebhook('**')
  handle(event: WebhookEvent): void {
    this.probe.onEvent(event);
  }

  @OnWebhookOutcome('accepted')
  @OnWebhookOutcome('duplicate')
  @OnWebhookOutcome('rejected')
  @OnWebhookOutcome('failed')
  outcome(outcome: WebhookDeliveryOutcome): void {
    this.probe.onOutcome(outcome);
  }
}

/** Counts every level; keeps error lines that are not the handler failures caused on purpose. */
class CountingLogger implements LoggerService {
  constructor(private readonly probe: Probe) {}
  private count(level: string): void {
    this.probe.logLevels[level] = (this.probe.logLevels[level] ?? 0) + 1;
  }
  log(): void {
    this.count('log');
  }
  warn(message: unknown): void {
    this.count('warn');
    // Nest's express adapter, when an error reply follows the route's text/plain @Header.
    if (String(message).startsWith("Content-Type doesn't match")) this.probe.contentTypeWarnings++;
  }
  debug(): void {
    this.count('debug');
  }
  verbose(): void {
    this.count('verbose');
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.count('fatal');
    this.probe.unexpectedErrorLogs.push(
      `FATAL ${String(message)} ${rest.map(String).join(' ')}`.slice(0, 500),
    );
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.count('error');
    const text = String(message);
    if (EXPECTED_ERROR_LOG.some((pattern) => pattern.test(text))) this.probe.expectedErrorLogs++;
    else if (this.probe.unexpectedErrorLogs.length < 50) {
      this.probe.unexpectedErrorLogs.push(`${text} ${rest.map(String).join(' ')}`.slice(0, 500));
    }
  }
}

/** `gc()` without --expose-gc: set the flag at run time and take the function from a fresh context. */
function findGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

const gc = findGc();

async function settledHeap(): Promise<number> {
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    gc?.();
  }
  return process.memoryUsage().heapUsed;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

describe(`hostile traffic (seed ${SEED}, ${TOTAL} requests; replay with HOSTILE_SEED=${SEED})`, () => {
  const probe = new Probe();
  const oracle = createOracle(keys);
  const plan = planKinds(SEED, TOTAL);
  const factory = new RequestFactory(SEED, keys, createPools(SEED), plan);
  let app: INestApplication;
  let client: HttpClient;

  /** Status histogram per kind/variant, and per sender. */
  const byKind = new Map<string, Map<number, number>>();
  const byVariant = new Map<string, Map<number, number>>();
  const byStatus = new Map<number, number>();
  const networkErrors = new Map<string, number>();
  const markerSeqs = new Set<number>();
  const fiveHundreds = new Set<number>();
  let sent = 0;
  let authenticSent = 0;
  let acceptedAuthentic = 0;
  let stricterThanOracle = 0;
  const answered = new Uint8Array(TOTAL);
  const waiters = new Map<number, (() => void)[]>();
  const memory = { warm: 0, end: 0, growth: 0 };
  let durationMs = 0;

  const bump = (map: Map<string, Map<number, number>>, key: string, status: number) => {
    const inner = map.get(key) ?? new Map<number, number>();
    inner.set(status, (inner.get(status) ?? 0) + 1);
    map.set(key, inner);
  };

  const answeredBefore = (seq: number) =>
    answered[seq]
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiters.set(seq, [...(waiters.get(seq) ?? []), resolve]));

  function judge(request: HostileRequest, authentic: boolean, reply: Reply): void {
    const { seq } = request;
    const status = reply.status;
    const label = `#${seq} ${request.variant} ${request.sender} ${request.path}`;
    sent++;
    if (authentic) authenticSent++;
    bump(byKind, request.kind, status);
    bump(byVariant, request.variant, status);
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    if (reply.error) {
      networkErrors.set(
        `${request.kind}:${reply.error}`,
        (networkErrors.get(`${request.kind}:${reply.error}`) ?? 0) + 1,
      );
      probe.violation(`network: ${label}: no response (${reply.error})`);
      return;
    }
    if (status === 200 && !authentic) probe.violation(`FORGERY ACCEPTED: ${label}`);
    if (status === 200 && authentic) acceptedAuthentic++;
    if (status === 401 && authentic) stricterThanOracle++;
    if (status >= 500) {
      if (request.marker && status === 500) fiveHundreds.add(seq);
      else probe.violation(`5xx: ${label} -> ${status} ${reply.body.toString('utf8').slice(0, 200)}`);
    }
    if (request.marker) markerSeqs.add(seq);
    // The generator's own claims must agree with the oracle: "must pass" only for genuine requests.
    if (request.expect?.includes(200) && !authentic)
      probe.violation(`generator: ${label} expects 200 but is not genuine`);
    const allowed = request.expect ?? [...(authentic ? [200, 400] : [401]), ...(request.extraAllowed ?? [])];
    if (!allowed.includes(status)) {
      probe.violation(
        `status: ${label} (${authentic ? 'genuine' : 'forged'}) -> ${status}, allowed ${allowed.join('/')}: ${reply.body.toString('utf8').slice(0, 160)}`,
      );
    }
  }

  async function one(seq: number): Promise<void> {
    const request = factory.build(seq);
    if (request.waitFor !== undefined) await answeredBefore(request.waitFor);
    const authentic = oracle(request.sender, request.body, request.headers);
    probe.authentic[seq] = authentic ? 1 : 0;
    probe.tags[seq] = bodyTag(request.body);
    const reply = await client.send(request);
    judge(request, authentic, reply);
    answered[seq] = 1;
    for (const resolve of waiters.get(seq) ?? []) resolve();
    waiters.delete(seq);
  }

  async function runRange(from: number, to: number): Promise<void> {
    await runPool(to - from, CONCURRENCY, (i) => one(from + i));
  }

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot({ wildcard: true }),
        WebhooksModule.forRoot({ senders: hostileSenders }),
      ],
      providers: [{ provide: PROBE, useValue: probe }, HostileHandler],
    }).compile();
    app = moduleRef.createNestApplication({ logger: new CountingLogger(probe) });
    await app.listen(0, '127.0.0.1');
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    client = new HttpClient(port, CONCURRENCY);

    const started = performance.now();
    await runRange(0, WARMUP);
    memory.warm = await settledHeap();
    await runRange(WARMUP, TOTAL);
    memory.end = await settledHeap();
    memory.growth = memory.end - memory.warm;
    durationMs = performance.now() - started;

    const table = (map: Map<string, Map<number, number>>) =>
      [...map.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, statuses]) => {
          const total = [...statuses.values()].reduce((a, b) => a + b, 0);
          const parts = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`);
          return `  ${key.padEnd(26)} ${String(total).padStart(5)}  ${parts.join(' ')}`;
        })
        .join('\n');
    console.log(
      [
        `hostile: seed ${SEED} (replay: HOSTILE_SEED=${SEED}), ${sent} requests in ${(durationMs / 1000).toFixed(1)} s` +
          ` (${Math.round(sent / (durationMs / 1000))}/s, ${CONCURRENCY} in flight)`,
        `  genuine by the oracle: ${authenticSent}, of which accepted ${acceptedAuthentic}, refused 401 by a stricter check ${stricterThanOracle}`,
        `  statuses: ${[...byStatus.entries()]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}:${n}`)
          .join(' ')}`,
        `  outcomes: ${[...probe.outcomes.entries()]
          .sort()
          .map(([k, n]) => `${k}=${n}`)
          .join(' ')}`,
        `  handler runs ${probe.handlerRuns}, marker throws ${probe.threw.size}; logs ${JSON.stringify(probe.logLevels)}` +
          ` (of the warnings, ${probe.contentTypeWarnings} are Nest's "Content-Type doesn't match Reply body")`,
        `  heap after warm-up (${WARMUP} requests) ${mb(memory.warm)}, at the end ${mb(memory.end)}, growth ${mb(memory.growth)}` +
          ` (${gc ? 'after forced GC' : 'no GC available'}); rss ${mb(process.memoryUsage().rss)}`,
        'by kind:',
        table(byKind),
      ].join('\n'),
    );
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await app?.close();
  });

  it(`sent at least 10,000 requests, covering every kind of request and every route`, () => {
    expect(sent).toBe(TOTAL);
    expect(TOTAL).toBeGreaterThanOrEqual(10_000);
    for (const kind of KINDS) expect([kind, byKind.has(kind)]).toEqual([kind, true]);
    expect(byStatus.get(200) ?? 0).toBeGreaterThan(TOTAL / 10);
    expect(byStatus.get(401) ?? 0).toBeGreaterThan(TOTAL / 3);
    expect(byStatus.get(400) ?? 0).toBeGreaterThan(0);
    expect(byStatus.get(413) ?? 0).toBeGreaterThan(0);
    expect(byStatus.get(431) ?? 0).toBeGreaterThan(0);
  });

  it('answered every request, each with a status its construction and the oracle allow', () => {
    expect(networkErrors).toEqual(new Map());
    expect({ count: probe.violationCount, first: probe.violations }).toEqual({ count: 0, first: [] });
  });

  it('accepted no request that lacked a genuine credential for its body', () => {
    expect(
      probe.violations.filter((v) => v.startsWith('FORGERY') || v.startsWith('handler: ran for')),
    ).toEqual([]);
    // Every 200 is an accepted or duplicate outcome, and every handler run came from a genuine request.
    expect(byStatus.get(200) ?? 0).toBe(
      probe.outcomeCount((k) => k.startsWith('accepted:') || k.startsWith('duplicate:')),
    );
    expect(probe.handlerRuns).toBe(probe.outcomeCount((k) => k.startsWith('accepted:')));
  });

  it('answered 5xx only for the deliveries whose handler threw, and exactly those', () => {
    const fiveXX = [...byStatus.entries()].filter(([s]) => s >= 500).reduce((sum, [, n]) => sum + n, 0);
    expect(markerSeqs.size).toBeGreaterThan(0);
    expect(fiveXX).toBe(markerSeqs.size);
    expect([...fiveHundreds].sort()).toEqual([...markerSeqs].sort());
    expect([...probe.threw].sort()).toEqual([...markerSeqs].sort());
    expect(probe.outcomeCount((k) => k.startsWith('failed:handler-error:500'))).toBe(markerSeqs.size);
    expect(probe.unexpectedErrorLogs).toEqual([]);
    expect(probe.expectedErrorLogs).toBe(2 * markerSeqs.size);
  });

  it('reported a verification outcome for every 401 and 413, and no in-flight conflict it did not answer', () => {
    const verification = (k: string) =>
      /^rejected:(missing|malformed|mismatch|unsupported|timestamp):401$/.test(k);
    expect(probe.outcomeCount(verification)).toBe(byStatus.get(401) ?? 0);
    // Stripe's and Standard Webhooks' signing times beyond the tolerance reached their own check.
    expect(probe.outcomeCount((k) => k === 'rejected:timestamp:401')).toBeGreaterThan(0);
    expect(probe.outcomeCount((k) => k === 'rejected:too-large:413')).toBe(byStatus.get(413) ?? 0);
    expect(probe.outcomeCount((k) => k.startsWith('rejected:in-flight:'))).toBe(byStatus.get(409) ?? 0);
    expect(probe.outcomeCount((k) => k.includes(':unavailable:'))).toBe(0);
  });

  it('left no prototype polluted', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('is still alive and accepts a valid delivery on every route afterwards', async () => {
    expect((app.getHttpServer() as Server).listening).toBe(true);
    for (const [i, sender] of SENDERS.entries()) {
      const request = factory.control(FINAL_SEQ + i, sender);
      probe.authentic[request.seq] = oracle(sender, request.body, request.headers) ? 1 : 0;
      probe.tags[request.seq] = bodyTag(request.body);
      expect(probe.authentic[request.seq]).toBe(1);
      const runs = probe.handlerRuns;
      const reply = await client.send(request);
      expect([sender, reply.status, reply.body.toString()]).toEqual([sender, 200, 'OK']);
      expect(probe.handlerRuns).toBe(runs + 1);
    }
    expect(probe.violations).toEqual([]);
  });

  it(`kept the heap flat: growth after warm-up under ${MEMORY_BOUND / 1024 / 1024} MB`, () => {
    expect(memory.warm).toBeGreaterThan(0);
    expect(memory.growth).toBeLessThan(MEMORY_BOUND);
  });
});

/**
 * Found by the run above (path variant "upper"): Express matches routes case-insensitively, and
 * the raw-body capture used to look for the `/webhooks/` segment case-sensitively
 * (libs/webhooks/src/webhooks.raw-body.ts, needsRawBody), so a delivery without a signature
 * header (OVCODE's token, Certificall's bearer or basic) sent to `/WEBHOOKS/OVCODE` was not
 * captured, and the guard fell back to an empty buffer (webhooks.guard.ts, getRawBody): it
 * verified, validated and handed handlers bytes that were never sent. The capture now compares
 * the path case-insensitively; this keeps it so. Either answer is fine here: serve the route
 * with the exact bytes, or do not serve it (404).
 */
describe('a case-variant path is served with the bytes sent, or not at all', () => {
  let app: INestApplication;
  let recorder: Recorder;

  beforeAll(async () => ({ app, recorder } = await createTestApp()));
  afterAll(() => app.close());

  it('hands an OVCODE handler the exact body of a delivery to /WEBHOOKS/OVCODE', async () => {
    const body = '{"note":"these bytes were sent"}';
    const res = await request(app.getHttpServer())
      .post('/WEBHOOKS/OVCODE')
      .set('Content-Type', 'text/plain')
      .set({ 'x-api-secret': credentials.ovcode, reference: 'F-case-variant-1', status_code: 'S' })
      .send(body);
    if (res.status === 404) return;
    expect(res.status).toBe(200);
    expect(recorder.events.at(-1)?.rawBody.toString('utf8')).toBe(body);
  });

  it('does not refuse a valid Certificall bearer delivery to /Webhooks/Certificall as "not JSON"', async () => {
    const sample = samples.find((s) => s.sender === 'certificall')!;
    const body = JSON.stringify(sample.vary(4242));
    const res = await request(app.getHttpServer())
      .post('/Webhooks/Certificall')
      .set('Content-Type', 'application/json')
      .set('Authorization', `Bearer ${credentials.certificallBearer}`)
      .send(body);
    expect([res.status, res.body?.reason]).not.toEqual([400, 'invalid-body']);
    expect([200, 404]).toContain(res.status);
  });
});

/**
 * Found while driving hostile payloads at the reference receiver. PostgreSQL cannot store U+0000
 * in text or jsonb, and the receiver writes sender-controlled strings there unchanged:
 * `raw_body` (apps/receiver/src/records/records.handlers.ts, apply(), and
 * records/delivery-log.listener.ts) and the idempotency key and record fields. So a delivery that
 * carries one fails its handler with a database error: it is answered 500, which tells the
 * sender to retry what can never succeed, and its delivery-log row is lost too (the listener's
 * insert fails the same way), although the schema promises one row per answered delivery.
 */
describe('reference receiver: a delivery carrying U+0000', () => {
  let receiver: INestApplication;
  const env = {
    PGLITE_DATA_DIR: 'memory://',
    OVCODE_API_SECRET: 'ovcode-nul-token',
    INKIT_WEBHOOK_SECRET: 'inkit-nul-secret',
  };

  beforeAll(async () => {
    receiver = await createReceiver({ env, logger: false });
    await receiver.init();
  }, 30_000);
  afterAll(() => receiver.close());

  const rowsFor = async (key: string) =>
    (await receiver.get<Database>(DRIZZLE).select().from(deliveries)).filter(
      (row) => row.idempotencyKey === key,
    );

  it('accepts and logs a valid OVCODE delivery (fields in headers) whose body holds a NUL byte', async () => {
    const res = await request(receiver.getHttpServer())
      .post('/webhooks/ovcode')
      .set('Content-Type', 'application/octet-stream')
      .set({ 'x-api-secret': env.OVCODE_API_SECRET, reference: 'F-nul-body-1', status_code: 'S' })
      .send(Buffer.from([0x7b, 0x00, 0x7d]));
    expect(res.status).toBe(200);
    expect((await rowsFor('ovcode:F-nul-body-1:S')).map((row) => row.statusCode)).toEqual([200]);
  });

  it('answers a signed Inkit delivery whose resource_id holds U+0000 without a 5xx, and logs it', async () => {
    const body = JSON.stringify({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: 'doc-\u0000-1' });
    const res = await request(receiver.getHttpServer())
      .post('/webhooks/inkit')
      .set('Content-Type', 'application/json')
      .set(signInkit(body, { secret: env.INKIT_WEBHOOK_SECRET }))
      .send(body);
    expect(res.status).toBeLessThan(500);
    const logged = (await receiver.get<Database>(DRIZZLE).select().from(deliveries)).filter(
      (row) => row.sender === 'inkit',
    );
    expect(logged).toHaveLength(1);
  });
});
