#!/usr/bin/env node
// Soak: two real receiver processes sharing one PostgreSQL database and one Redis, loaded by many
// concurrent senders with unique, duplicate and forged deliveries of every built-in sender for a
// set time; then the database is checked: every valid delivery recorded exactly once, nothing forged.
// With --queue, queue mode: the two answer senders only (RECEIVER_ROLE=api) and two worker processes
// (RECEIVER_ROLE=worker) run the deliveries from a BullMQ queue of the run's own; the check waits
// for the queue to drain, and every delivery answered 200 must then be processed, once.
//
//   node scripts/soak.mjs [--duration 5] [--concurrency 32] [--queue] [--keep]
//                         [--database-url postgres://…] [--redis-url redis://…]
//
// Needs the build (`npm run build`), PostgreSQL and Redis on this machine. Traffic goes to
// 127.0.0.1 only, and stops by itself. Exits non-zero if a delivery was lost or applied twice, a
// forged one was accepted, anything answered 5xx, a request failed without an answer, or (queue
// mode) a delivery ended dead or the queue did not drain.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, URL } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(root, 'apps/receiver/dist/main.js');
const LIBRARY = join(root, 'libs/webhooks/dist/index.js');

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
    queue: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'database-url': { type: 'string' },
    'redis-url': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(
    readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 15)
      .join('\n'),
  );
  process.exit(0);
}

const DURATION_S = bounded('duration', Number(args.duration), 1, 3600);
const CONCURRENCY = bounded('concurrency', Number(args.concurrency), 1, 512);
const ADMIN_URL = loopback(
  'database-url',
  args['database-url'] ?? process.env.DATABASE_URL_TEST ?? 'postgres://postgres@127.0.0.1:5432/postgres',
);
const REDIS_URL = loopback(
  'redis-url',
  args['redis-url'] ?? process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379',
);
// A sender waits a little before retrying a 409; bounded so that a stuck lease ends the run.
const RETRY_DELAY_MS = 50;
const MAX_ATTEMPTS = 200;
const REQUEST_TIMEOUT_MS = 30_000;
// Past the duration, what is in flight gets this long to finish before the run is declared stuck.
const DRAIN_MS = 60_000;
const QUEUE = args.queue;
/** Queue mode: worker processes beside the two API instances. */
const WORKERS = 2;

for (const [file, what] of [
  [MAIN, 'the receiver'],
  [LIBRARY, 'the library'],
]) {
  if (!existsSync(file)) fail(`${file} is missing (${what}): run \`npm run build\` first`);
}
const { default: pg } = await import('pg');
const { Redis } = await import('ioredis');
const { BUILT_IN_SENDERS } = await import(LIBRARY);
const {
  accepts,
  checkDeliveryIds,
  deliveryHeaders,
  eventTypeOf,
  freshSecret,
  keyedBySigner,
  keyOf,
  signingWithId,
} = await import('./sender-deliveries.mjs');

const run = `${Date.now()}_${randomBytes(3).toString('hex')}`;
const dbName = `soak_${run}`;
const keyPrefix = `soak:${run}:`;
// BullMQ keeps a queue under `bull:<name>:`; the name may not hold a colon.
const queueName = `soak-${run}`;
const rsaKeyPair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

// ---------------------------------------------------------------------------------------------
// The senders, all of them read from their definitions (the library's BUILT_IN_SENDERS): the
// list, their routes, their samples, how they sign, their credential flags and the variables
// the receiver reads them from. Only the two tables below are written here, and what
// scripts/sender-deliveries.mjs knows (how a delivery is read, and named where its signer names it).

const SENDERS = BUILT_IN_SENDERS;

/**
 * The receiver's configuration, not the senders': where it reads the public half of a key the CLI
 * signs with (the CLI's variable holds the private key).
 */
const RECEIVER_PUBLIC_KEY_VARIABLES = { illow: 'ILLOW_PUBLIC_KEY' };
/** The soak's design: Certificall's deliveries take its three methods in turn (CLI options). */
const SIGNING_VARIANTS = { certificall: [{ method: 'hmac' }, { method: 'bearer' }, { method: 'basic' }] };

const PATHS = Object.fromEntries(
  SENDERS.map((sender) => [
    sender.id,
    `/webhooks/${sender.id}${sender.eventType === 'route' ? `/${sender.sample.event}` : ''}`,
  ]),
);

/** The sender's signing input from credential values by CLI flag, as its CLI would build it. */
function signingOf(sender, values, options) {
  return sender.cli.signing({
    need(flag) {
      if (values[flag] === undefined) throw new Error(`${sender.id}: no value for --${flag}`);
      return values[flag];
    },
    from: (flag) => (values[flag] === undefined ? undefined : 'flag'),
    option: (name) => options[name],
    usage: (message) => new Error(`${sender.id}: ${message}`),
  });
}

const receiverEnv = {};
/** Per sender: its signing variants, each with its forgeries and whether it covers the body. */
const signers = new Map();
for (const sender of SENDERS) {
  if (!sender.cli) fail(`${sender.id} has no cli in its definition: the soak cannot sign as it`);
  const values = {};
  const wrong = {};
  for (const [flag, credential] of Object.entries(sender.cli.credentials)) {
    if (credential.key) {
      const [pair, stranger] = [rsaKeyPair(), rsaKeyPair()];
      const variable = RECEIVER_PUBLIC_KEY_VARIABLES[sender.id];
      if (!variable) fail(`which receiver variable takes ${sender.id}'s public key?`);
      receiverEnv[variable] = pair.publicKey;
      values[flag] = pair.privateKey;
      wrong[flag] = stranger.privateKey;
    } else {
      receiverEnv[credential.env] = values[flag] = freshSecret(credential);
      wrong[flag] = freshSecret(credential);
    }
  }
  const variants = (SIGNING_VARIANTS[sender.id] ?? [{}]).map((options) => {
    const signing = signingOf(sender, values, options);
    const same = (other) => JSON.stringify(other) === JSON.stringify(signing);
    // One credential wrong at a time (a known key id with a wrong secret, say), each that is used.
    const forgeries = Object.keys(values)
      .map((flag) => signingOf(sender, { ...values, [flag]: wrong[flag] }, options))
      .filter((forgery) => !same(forgery));
    if (forgeries.length === 0) fail(`${sender.id}: no wrong credential changes its signature`);
    // A signature that does not cover the body (a token) cannot tell a tampered body. One id for
    // both, so that a signer's fresh id (GitHub's delivery) is not taken for a signed body.
    const headersOf = (body) => JSON.stringify(sender.sign(body, signingWithId(sender, signing, 'probe')));
    return { signing, forgeries, bodySigned: headersOf('{"a":1}') !== headersOf('{"a":2}') };
  });
  try {
    checkDeliveryIds(sender, variants[0].signing);
  } catch (error) {
    fail(error.message);
  }
  signers.set(sender.id, variants);
}

// ---------------------------------------------------------------------------------------------
// Deliveries. Every body is its sender's sample with each of its identifiers (strings that name
// something, which the DTO accepts renamed) replaced by a tag holding the run and a counter, so
// ids never repeat across runs, whichever of them the receiver files the record under; forged ones
// use their own namespace so that a forged record could not pass for a valid one. A sender whose
// key is an id its signer makes (GitHub, Standard Webhooks) is given the tag as that id, and every
// retry of the delivery carries it.

let counter = 0;

/** A string that names something (an id, a reference, a key): a digit, no space; no URL, date or number. */
const isIdentifier = (value) =>
  /\d/.test(value) && !/\s|:\/\/|^\d{4}-\d\d-\d\d|^[-+]?\d+(\.\d+)?$/.test(value);

/** The paths of a value's identifiers, depth first. */
function identifierPaths(value, path = []) {
  if (typeof value === 'string') return isIdentifier(value) ? [path] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => identifierPaths(item, [...path, key]));
}

function withStrings(value, paths, tag) {
  const copy = structuredClone(value);
  for (const path of paths) {
    const parent = path.slice(0, -1).reduce((node, key) => node[key], copy);
    parent[path.at(-1)] = tag;
  }
  return copy;
}

/** Per sender: the identifiers of its sample that take a tag (the DTO accepts it, the event stays). */
const TAGGED = new Map(
  SENDERS.map((sender) => {
    const sample = sender.sample.payload;
    const type = eventTypeOf(sender, sample);
    const fits = (payload) => accepts(sender, payload) && eventTypeOf(sender, payload) === type;
    const paths = identifierPaths(sample).filter((path) => fits(withStrings(sample, [path], 'soak-probe-1')));
    const [one, two] = ['soak-probe-1', 'soak-probe-2'].map((tag) => withStrings(sample, paths, tag));
    // Where the signer names the delivery, its key is told apart by that id; its body still is by
    // the tag, so that the check below can find each accepted body.
    const unique = keyedBySigner(sender) ? paths.length > 0 : keyOf(sender, one) !== keyOf(sender, two);
    if (!fits(one) || !unique) {
      fail(`${sender.id}: no identifier of its sample makes its deliveries unique`);
    }
    return [sender.id, paths];
  }),
);

const payload = (sender, id) => withStrings(sender.sample.payload, TAGGED.get(sender.id), id);
// Made once the senders are known to be usable, so that a run refused above leaves nothing behind.
const work = mkdtempSync(join(tmpdir(), 'nestjs-webhooks-soak-'));

/**
 * The headers of delivery `id`: its body signed with the n-th variant (or forgery), the id named
 * where the signer names it.
 */
function sign(sender, body, n, id, forged = false) {
  const variants = signers.get(sender.id);
  const variant = variants[n % variants.length];
  const signing = forged
    ? variant.forgeries[Math.floor(n / variants.length) % variant.forgeries.length]
    : variant.signing;
  return deliveryHeaders(sender, body, signingWithId(sender, signing, id));
}

/**
 * A retry goes with the headers of the delivery's first attempt; past a minute they are signed
 * again, with the same id, as Stripe and Standard Webhooks senders re-sign a retry: their
 * receivers refuse a signature timestamped over five minutes ago, and a soak may last an hour.
 */
const RESIGN_AFTER_MS = 60_000;

/**
 * @returns {{ sender: object, id: string, path: string, body: string, headers: Record<string,string>,
 *   signedAt: number, resign: () => Record<string,string> }}
 */
function validDelivery() {
  const n = ++counter;
  const sender = SENDERS[n % SENDERS.length];
  const id = `soak-${run}-${n}`;
  const body = JSON.stringify(payload(sender, id));
  const resign = () => sign(sender, body, n, id);
  return { sender, id, path: PATHS[sender.id], body, headers: resign(), signedAt: performance.now(), resign };
}

/** The headers of a delivery's next attempt. */
function attemptHeaders(delivery) {
  if (performance.now() - delivery.signedAt > RESIGN_AFTER_MS) {
    delivery.headers = delivery.resign();
    delivery.signedAt = performance.now();
  }
  return delivery.headers;
}

// Tampering only fools a check that covers the body: a token (OVCODE's header secret,
// Certificall's bearer and basic methods) does not sign it, so those are forged with a wrong
// credential instead.
function forgedDelivery() {
  const n = ++counter;
  const sender = SENDERS[n % SENDERS.length];
  const id = `forged-${run}-${n}`;
  const signed = JSON.stringify(payload(sender, id));
  const variants = signers.get(sender.id);
  const { bodySigned } = variants[n % variants.length];
  const path = PATHS[sender.id];
  if (bodySigned && n % 2 === 0) {
    const tamperedId = `${id}-tampered`;
    const body = signed.replaceAll(id, tamperedId);
    return { sender, ids: [id, tamperedId], path, body, headers: sign(sender, signed, n, id) };
  }
  return { sender, ids: [id], path, body: signed, headers: sign(sender, signed, n, id, true) };
}

// ---------------------------------------------------------------------------------------------
// HTTP, with per-request latency. Keep-alive, as a sender's HTTP client would.

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });
const stats = {
  requests: 0,
  byStatus: new Map(),
  latencies: [],
  retries409: 0,
  networkErrors: 0,
  gaveUp: 0,
};

function post(port, path, body, headers) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          stats.latencies.push(performance.now() - started);
          resolve(res.statusCode);
        });
        res.on('error', () => resolve(0));
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end(body);
  }).then((status) => {
    stats.requests++;
    if (status === 0) stats.networkErrors++;
    stats.byStatus.set(status, (stats.byStatus.get(status) ?? 0) + 1);
    return status;
  });
}

/** One sender's attempt to deliver: retries a 409 after a short delay, as a real sender would. */
async function deliver(port, delivery) {
  for (let attempt = 1; ; attempt++) {
    const status = await post(port, delivery.path, delivery.body, attemptHeaders(delivery));
    if (status !== 409) return status;
    if (attempt >= MAX_ATTEMPTS) {
      stats.gaveUp++;
      return status;
    }
    stats.retries409++;
    await sleep(RETRY_DELAY_MS + randomInt(RETRY_DELAY_MS));
  }
}

// ---------------------------------------------------------------------------------------------
// Processes and services.

function bounded(name, value, min, max) {
  if (!Number.isFinite(value) || value < min || value > max)
    fail(`--${name} must be a number in [${min}, ${max}]`);
  return Math.floor(value);
}

function loopback(name, url) {
  let host;
  try {
    host = new URL(url).hostname;
  } catch {
    fail(`--${name}: not a URL`);
  }
  if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(host))
    fail(`--${name} must point at this machine (127.0.0.1)`);
  return url;
}

function fail(message) {
  console.error(`soak: ${message}`);
  process.exit(2);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function withDatabase(url, name) {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** `role`: undefined inline (one process does all), `api` or `worker` in queue mode. */
function startReceiver(name, port, role) {
  const logPath = join(work, `${name}.log`);
  const log = openSync(logPath, 'a');
  // A clean environment and a working directory of its own: no .env nor stray variable gets in.
  const env = {
    PATH: process.env.PATH,
    PORT: String(port),
    DATABASE_URL: withDatabase(ADMIN_URL, dbName),
    REDIS_URL,
    REDIS_KEY_PREFIX: keyPrefix,
    ...receiverEnv,
    ...(role === undefined
      ? {}
      : {
          WEBHOOKS_PROCESSING: 'queue',
          RECEIVER_ROLE: role,
          WEBHOOKS_QUEUE_NAME: queueName,
          // A worker's attempt refused because another holds the key comes back soon, not in a
          // second: the check waits for the queue to drain.
          WEBHOOKS_BACKOFF_MS: '100',
        }),
    NO_COLOR: '1',
  };
  const child = spawn(process.execPath, [MAIN], { cwd: work, env, stdio: ['ignore', log, log] });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { name, port, child, exited, logPath };
}

async function waitHealthy(receiver, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const req = request(
        { host: '127.0.0.1', port: receiver.port, path: '/health', timeout: 2000 },
        (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        },
      );
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
    if (ok) return;
    if (receiver.child.exitCode !== null)
      throw new Error(`${receiver.name} exited at startup; see ${receiver.logPath}`);
    if (Date.now() > deadline)
      throw new Error(`${receiver.name} not healthy within ${timeoutMs} ms; see ${receiver.logPath}`);
    await sleep(200);
  }
}

async function stopReceiver(receiver) {
  if (receiver.child.exitCode !== null || receiver.child.signalCode !== null) return;
  receiver.child.kill('SIGTERM');
  const timer = setTimeout(() => receiver.child.kill('SIGKILL'), 15_000);
  await receiver.exited;
  clearTimeout(timer);
}

async function deleteRedisKeys() {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    // The idempotency store's keys, and the queue's (`bull:<name>:`: jobs, dead letters, events).
    for (const pattern of [`${keyPrefix}*`, `bull:${queueName}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length > 0) await client.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    client.disconnect();
  }
}

/**
 * Queue mode, once the load is over: waits until no job is waiting, running or due for a retry
 * (seen twice in a row, a poll apart), so that every delivery the workers will ever run has run.
 * Its job counts and how long that took after the load.
 */
async function waitDrained(timeoutMs) {
  const { Queue } = await import('bullmq');
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection });
  const started = performance.now();
  try {
    let quiet = 0;
    for (;;) {
      const counts = await queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'prioritized',
        'waiting-children',
        'completed',
        'failed',
      );
      const pending =
        counts.waiting + counts.active + counts.delayed + counts.prioritized + counts['waiting-children'];
      quiet = pending === 0 ? quiet + 1 : 0;
      if (quiet >= 2) return { ...counts, seconds: (performance.now() - started) / 1000 };
      if (performance.now() - started > timeoutMs)
        throw new Error(
          `the queue still holds ${pending} unfinished jobs ${timeoutMs / 1000}s after the load`,
        );
      await sleep(200);
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// The load: each client picks what to send next, until the time is up.

/** Unique valid deliveries, with every status their senders finally got. */
const valid = [];
const forged = [];
const sentTo = { a: 0, b: 0 };

async function client(ports, deadline) {
  const pick = () => (Math.random() < 0.5 ? 'a' : 'b');
  while (performance.now() < deadline) {
    const roll = Math.random();
    if (roll < 0.45 || valid.length === 0) {
      const delivery = { ...validDelivery(), finals: [] };
      valid.push(delivery);
      const side = pick();
      sentTo[side]++;
      delivery.finals.push(await deliver(ports[side], delivery));
    } else if (roll < 0.6) {
      // A new delivery sent to both instances at the same moment: one of them must wait its turn.
      const delivery = { ...validDelivery(), finals: [] };
      valid.push(delivery);
      sentTo.a++;
      sentTo.b++;
      delivery.finals.push(...(await Promise.all([deliver(ports.a, delivery), deliver(ports.b, delivery)])));
    } else if (roll < 0.85) {
      // A sender's retry of an earlier delivery, possibly still in flight, to one or both instances.
      const delivery = valid[randomInt(valid.length)];
      delivery.duplicates = (delivery.duplicates ?? 0) + 1;
      if (Math.random() < 0.5) {
        sentTo.a++;
        sentTo.b++;
        delivery.finals.push(
          ...(await Promise.all([deliver(ports.a, delivery), deliver(ports.b, delivery)])),
        );
      } else {
        const side = pick();
        sentTo[side]++;
        delivery.finals.push(await deliver(ports[side], delivery));
      }
    } else {
      const delivery = { ...forgedDelivery(), finals: [] };
      forged.push(delivery);
      const side = pick();
      sentTo[side]++;
      delivery.finals.push(await post(ports[side], delivery.path, delivery.body, delivery.headers));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The checks, straight from the tables.

/**
 * Every record the receiver keeps, by its key: the tables that track the delivery that wrote each
 * row (a `last_delivery_id` column), read from the database's catalog, so that no sender's table
 * is named here. Every key the soak sends is unique across senders.
 */
async function readRecords(db) {
  const { rows: tables } = await db.query(
    `select c.table_name as name, k.column_name as key
       from information_schema.columns c
       join information_schema.table_constraints t
         on t.table_schema = c.table_schema and t.table_name = c.table_name and t.constraint_type = 'PRIMARY KEY'
       join information_schema.key_column_usage k
         on k.constraint_schema = t.constraint_schema and k.constraint_name = t.constraint_name
      where c.table_schema = current_schema() and c.column_name = 'last_delivery_id'`,
  );
  if (tables.length === 0)
    throw new Error('no record table (with a last_delivery_id column) in the database');
  const quote = (name) => `"${name.replaceAll('"', '""')}"`;
  const records = new Map();
  for (const { name, key } of tables) {
    const { rows } = await db.query(
      `select ${quote(key)}::text as key, last_delivery_id from ${quote(name)}`,
    );
    for (const row of rows) records.set(row.key, row.last_delivery_id);
  }
  return records;
}

async function check(db) {
  const records = await readRecords(db);
  // Inline, a delivery answered 200 and not a duplicate is one whose handlers ran. In queue mode a
  // 200 only says the queue took it: the row's state says whether a worker ran it (processed).
  const { rows: accepted } = await db.query(
    QUEUE
      ? "select id, idempotency_key, convert_from(raw_body, 'UTF8') as raw_body from deliveries where state = 'processed'"
      : "select id, idempotency_key, convert_from(raw_body, 'UTF8') as raw_body from deliveries where status_code = 200 and not duplicate",
  );
  const { rows: logged } = await db.query(
    'select status_code, count(*)::int as n from deliveries group by status_code order by status_code',
  );
  const acceptedByKey = new Map();
  const acceptedByBody = new Map();
  for (const row of accepted) {
    acceptedByKey.set(row.idempotency_key, (acceptedByKey.get(row.idempotency_key) ?? 0) + 1);
    acceptedByBody.set(row.raw_body, [...(acceptedByBody.get(row.raw_body) ?? []), row.id]);
  }

  let lost = 0;
  let duplicated = 0;
  let unsettled = 0;
  const examples = [];
  for (const delivery of valid) {
    if (!delivery.finals.includes(200)) unsettled++;
    const writer = records.get(delivery.id);
    const acceptances = acceptedByBody.get(delivery.body) ?? [];
    if (writer === undefined || acceptances.length === 0) {
      lost++;
      if (examples.length < 5)
        examples.push(`lost ${delivery.sender.id} ${delivery.id} (replies ${delivery.finals})`);
    } else if (acceptances.length > 1 || writer !== acceptances[0]) {
      duplicated++;
      if (examples.length < 5)
        examples.push(`applied twice ${delivery.sender.id} ${delivery.id}: ${acceptances}`);
    }
  }
  // The same, per idempotency key, whatever the body: no key may have two accepted rows.
  const keysAcceptedTwice = [...acceptedByKey.values()].filter((n) => n > 1).length;
  duplicated = Math.max(duplicated, keysAcceptedTwice);

  let forgedAccepted = 0;
  for (const delivery of forged) {
    const recorded = delivery.ids.some((id) => records.has(id));
    const answeredOk = delivery.finals.some((status) => status >= 200 && status < 300);
    if (recorded || answeredOk) {
      forgedAccepted++;
      if (examples.length < 5) examples.push(`forged accepted ${delivery.sender.id} ${delivery.ids[0]}`);
    }
  }
  const recordCount = records.size;
  return {
    lost,
    duplicated,
    forgedAccepted,
    unsettled,
    examples,
    recordCount,
    acceptedRows: accepted.length,
    logged,
    ...(QUEUE ? await queueStates(db) : {}),
  };
}

/**
 * Queue mode: the log rows by state, and those a worker never brought past queued or retrying.
 * Such a row is harmless when its key was processed under another delivery id: the two first
 * copies of one delivery, sent to both instances at once, both found no job yet and were both
 * answered "queued", but the queue made one job of them (its id is the key's), so one row stays
 * queued. Without a processed row for its key, it is a delivery acknowledged and never run.
 */
async function queueStates(db) {
  const { rows: byState } = await db.query(
    'select state, count(*)::int as n from deliveries group by state order by state',
  );
  const { rows: left } = await db.query(
    `select count(*) filter (where processed.idempotency_key is not null)::int as superseded,
            count(*) filter (where processed.idempotency_key is null)::int as stuck
       from deliveries d
       left join (select distinct idempotency_key from deliveries where state = 'processed') processed
         on processed.idempotency_key = d.idempotency_key
      where d.state in ('queued', 'retrying')`,
  );
  const count = (state) => byState.find((row) => row.state === state)?.n ?? 0;
  return { byState, dead: count('dead'), ...left[0] };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// ---------------------------------------------------------------------------------------------

const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`create database ${dbName}`);
const receivers = [];
let exitCode = 1;
let watchdog;
try {
  const role = QUEUE ? 'api' : undefined;
  receivers.push(
    startReceiver('receiver-a', await freePort(), role),
    startReceiver('receiver-b', await freePort(), role),
  );
  // Workers serve /health on a port of their own, and nothing else.
  for (let n = 1; QUEUE && n <= WORKERS; n++)
    receivers.push(startReceiver(`worker-${n}`, await freePort(), 'worker'));
  await Promise.all(receivers.map((receiver) => waitHealthy(receiver)));
  const ports = { a: receivers[0].port, b: receivers[1].port };
  console.log(
    `soak: ${DURATION_S}s, ${CONCURRENCY} clients, receivers on 127.0.0.1:${ports.a} and :${ports.b}` +
      `${QUEUE ? ` (queue mode, role api; ${WORKERS} workers, queue ${queueName})` : ''}, ` +
      `database ${dbName}, Redis prefix ${keyPrefix}, logs in ${work}`,
  );

  const started = performance.now();
  const deadline = started + DURATION_S * 1000;
  const progress = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    console.log(`soak: ${elapsed.toFixed(0)}s ${stats.requests} requests, ${valid.length} unique deliveries`);
  }, 10_000);
  const load = Promise.all(Array.from({ length: CONCURRENCY }, () => client(ports, deadline)));
  const stuck = new Promise((_, reject) => {
    watchdog = setTimeout(
      () => reject(new Error(`requests still running ${DRAIN_MS / 1000}s after the end of the soak`)),
      DURATION_S * 1000 + DRAIN_MS,
    );
  });
  try {
    await Promise.race([load, stuck]);
  } finally {
    clearInterval(progress);
    clearTimeout(watchdog);
  }
  const elapsedS = (performance.now() - started) / 1000;
  agent.destroy();

  const drained = QUEUE ? await waitDrained(DRAIN_MS) : undefined;
  await Promise.all(receivers.map(stopReceiver));
  const db = new pg.Client({ connectionString: withDatabase(ADMIN_URL, dbName) });
  await db.connect();
  const result = await check(db).finally(() => db.end());

  const latencies = stats.latencies.sort((x, y) => x - y);
  const fiveXX = [...stats.byStatus].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
  const statuses = [...stats.byStatus]
    .sort(([x], [y]) => x - y)
    .map(([status, n]) => `${status === 0 ? 'no-answer' : status}=${n}`)
    .join(' ');
  const duplicatesSent = valid.reduce((sum, delivery) => sum + (delivery.duplicates ?? 0), 0);
  const lines = [
    `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}`,
    `duration: ${elapsedS.toFixed(1)} s, clients: ${CONCURRENCY}, instances: 2 (sends a=${sentTo.a} b=${sentTo.b})${QUEUE ? `, role api, and ${WORKERS} workers` : ''}`,
    `total requests: ${stats.requests}, ${(stats.requests / elapsedS).toFixed(1)} req/s`,
    `by status: ${statuses}`,
    `latency: p50=${percentile(latencies, 50).toFixed(1)} ms p99=${percentile(latencies, 99).toFixed(1)} ms max=${(latencies.at(-1) ?? 0).toFixed(1)} ms`,
    `deliveries: unique valid=${valid.length} duplicates sent=${duplicatesSent} forged=${forged.length} retries after 409=${stats.retries409} gave up=${stats.gaveUp}`,
    `database: records=${result.recordCount} accepted rows=${result.acceptedRows} log rows by status: ${result.logged.map((row) => `${row.status_code}=${row.n}`).join(' ')}`,
    ...(QUEUE
      ? [
          `queue: drained ${drained.seconds.toFixed(1)} s after the load; jobs completed=${drained.completed} dead=${drained.failed}; ` +
            `log rows by state: ${result.byState.map((row) => `${row.state}=${row.n}`).join(' ')}; ` +
            `left queued: ${result.superseded} of a processed key (two first copies, one job), ${result.stuck} never run`,
        ]
      : []),
    `lost=${result.lost} duplicated=${result.duplicated} forged_accepted=${result.forgedAccepted} 5xx=${fiveXX} no_answer=${stats.networkErrors} unsettled=${result.unsettled}` +
      (QUEUE ? ` dead=${result.dead} never_run=${result.stuck}` : ''),
  ];
  for (const line of lines) console.log(line);
  for (const example of result.examples) console.log(`  ${example}`);
  const ok =
    result.lost === 0 &&
    result.duplicated === 0 &&
    result.forgedAccepted === 0 &&
    fiveXX === 0 &&
    stats.networkErrors === 0 &&
    result.unsettled === 0 &&
    (!QUEUE || (result.dead === 0 && drained.failed === 0 && result.stuck === 0));
  console.log(ok ? 'soak: PASS' : `soak: FAIL (receiver logs kept in ${work})`);
  exitCode = ok ? 0 : 1;
} catch (error) {
  console.error(`soak: ${error instanceof Error ? error.message : String(error)}`);
  console.error(`soak: receiver logs kept in ${work}`);
} finally {
  await Promise.all(receivers.map(stopReceiver));
  if (args.keep) {
    console.log(
      `soak: kept database ${dbName}, Redis keys ${keyPrefix}*${QUEUE ? ` and bull:${queueName}:*` : ''}, logs in ${work}`,
    );
  } else {
    await admin.query(`drop database if exists ${dbName} with (force)`).catch((error) => {
      console.error(`soak: could not drop ${dbName}: ${error.message}`);
    });
    await deleteRedisKeys().catch((error) =>
      console.error(`soak: could not delete Redis keys: ${error.message}`),
    );
    if (exitCode === 0) rmSync(work, { recursive: true, force: true });
  }
  await admin.end();
}
process.exit(exitCode);
