#!/usr/bin/env node
// Soak: two real receiver processes sharing one PostgreSQL database and one Redis, loaded by many
// concurrent senders with unique, duplicate and forged deliveries of all five senders for a set
// time; then the database is checked: every valid delivery recorded exactly once, nothing forged.
//
//   node scripts/soak.mjs [--duration 5] [--concurrency 32] [--keep]
//                         [--database-url postgres://…] [--redis-url redis://…]
//
// Needs the build (`npm run build`), PostgreSQL and Redis on this machine. Traffic goes to
// 127.0.0.1 only, and stops by itself. Exits non-zero if a delivery was lost or applied twice, a
// forged one was accepted, anything answered 5xx, or a request failed without an answer.
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
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
const TESTING = join(root, 'libs/webhooks/dist/testing/index.js');

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
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
      .slice(1, 11)
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

for (const [file, what] of [
  [MAIN, 'the receiver'],
  [TESTING, 'the signers'],
]) {
  if (!existsSync(file)) fail(`${file} is missing (${what}): run \`npm run build\` first`);
}
const { default: pg } = await import('pg');
const { Redis } = await import('ioredis');
const { signCertificall, signIllow, signInkit, signOvcode, signOxskyt, generateIllowKeyPair } = await import(
  TESTING
);

const run = `${Date.now()}_${randomBytes(3).toString('hex')}`;
const dbName = `soak_${run}`;
const keyPrefix = `soak:${run}:`;
const work = mkdtempSync(join(tmpdir(), 'nestjs-webhooks-soak-'));
const secret = () => randomBytes(24).toString('base64url');
const illowKeys = generateIllowKeyPair();
const strangerKeys = generateIllowKeyPair();
const creds = {
  oxskyt: secret(),
  inkit: secret(),
  ovcode: secret(),
  certificallToken: secret(),
  certificallKey: `cf-${randomBytes(4).toString('hex')}`,
  certificallSecret: secret(),
  basicUser: `soak-${randomBytes(3).toString('hex')}`,
  basicPassword: secret(),
};

// ---------------------------------------------------------------------------------------------
// Deliveries. Every body carries the run tag and a counter, so ids never repeat across runs, and
// forged ones use their own namespace so that a forged record could not pass for a valid one.

const SENDERS = ['oxskyt', 'inkit', 'ovcode', 'certificall', 'illow'];
// The table each sender's records land in, and the column that is the sender's own id.
const TABLES = {
  oxskyt: ['oxskyt_reports', 'report_key'],
  inkit: ['inkit_documents', 'resource_id'],
  ovcode: ['ovcode_authentications', 'reference'],
  certificall: ['certificall_cases', 'cf_ref'],
  illow: ['illow_requests', 'id'],
};
const CERTIFICALL_METHODS = ['hmac', 'bearer', 'basic'];

let counter = 0;

function payload(sender, id) {
  switch (sender) {
    case 'oxskyt':
      return {
        id,
        status: 'GENERATED',
        template: 'kyc-individual',
        pdfUrl: `https://oxskyt.example/${id}.pdf`,
      };
    case 'inkit':
      return { event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: id };
    case 'ovcode':
      return {
        reference: id,
        status_code: 'S',
        cid: 'QmdsF6eSo47eLwnHC3ChdefJC1vHaLZSKppVSVMoaYDN78',
        token_id: 1,
        hash: '47e795f5a9f9e091e2df10c692fcfe6c0af9e8206c160b2d6f1ea16f7df54057',
        file: 'https://ovcode.example/Example.pdf',
        timestamp: '2024-05-31 09:04:53.0',
      };
    case 'certificall':
      return {
        cfRef: id,
        reportId: `report-${id}`,
        caseUrl: `https://certificall.example/cases/${id}.pdf`,
        createdAt: '2024-05-31T09:04:53.000Z',
        items: [
          {
            createdAt: '2024-05-31T09:01:12.000Z',
            cfRef: `${id}-01`,
            description: 'Front of the building',
            geolocLatitude: '48.856614',
            geolocLongitude: '2.3522219',
            imageUrl: `https://certificall.example/items/${id}-01.jpg`,
            stepAction: 'PHOTOGRAPHY',
            data: `${id}-01.jpg`,
          },
        ],
      };
    case 'illow':
      return {
        companyId: 'company-soak',
        siteId: 'site-soak',
        idempotencyKey: `idem-${id}`,
        metadata: { id, companyId: 'company-soak', legislation: 'GDPR', requestStatus: 'PENDING' },
      };
  }
  throw new Error(`unknown sender ${sender}`);
}

const PATHS = {
  oxskyt: '/webhooks/oxskyt',
  inkit: '/webhooks/inkit',
  ovcode: '/webhooks/ovcode',
  certificall: '/webhooks/certificall',
  illow: '/webhooks/illow/DSR_CREATED',
};

function sign(sender, body, n, forged = false) {
  const wrong = forged ? secret() : undefined;
  switch (sender) {
    case 'oxskyt':
      return signOxskyt(body, { secret: wrong ?? creds.oxskyt });
    case 'inkit':
      return signInkit(body, { secret: wrong ?? creds.inkit });
    case 'ovcode':
      return signOvcode(body, { apiSecret: wrong ?? creds.ovcode });
    case 'illow':
      return signIllow(body, { privateKey: forged ? strangerKeys.privateKey : illowKeys.privateKey });
    case 'certificall':
      switch (CERTIFICALL_METHODS[n % CERTIFICALL_METHODS.length]) {
        case 'bearer':
          return signCertificall(body, { method: 'bearer', bearerToken: wrong ?? creds.certificallToken });
        case 'basic':
          return signCertificall(body, {
            method: 'basic',
            username: creds.basicUser,
            password: wrong ?? creds.basicPassword,
          });
        default:
          return signCertificall(body, {
            method: 'hmac',
            apiKey: creds.certificallKey,
            apiSecret: wrong ?? creds.certificallSecret,
          });
      }
  }
  throw new Error(`unknown sender ${sender}`);
}

/** @returns {{ sender: string, id: string, path: string, body: string, headers: Record<string,string> }} */
function validDelivery() {
  const n = ++counter;
  const sender = SENDERS[n % SENDERS.length];
  const id = `soak-${run}-${n}`;
  const body = JSON.stringify(payload(sender, id));
  return { sender, id, path: PATHS[sender], body, headers: sign(sender, body, n) };
}

// Tampering only fools a check that covers the body: OVCODE's header secret and Certificall's
// bearer and basic methods do not sign it, so those are forged with a wrong credential instead.
function forgedDelivery() {
  const n = ++counter;
  const sender = SENDERS[n % SENDERS.length];
  const id = `forged-${run}-${n}`;
  const signed = JSON.stringify(payload(sender, id));
  const bodySigned =
    sender !== 'ovcode' &&
    (sender !== 'certificall' || CERTIFICALL_METHODS[n % CERTIFICALL_METHODS.length] === 'hmac');
  if (bodySigned && n % 2 === 0) {
    const tamperedId = `${id}-tampered`;
    const body = signed.replaceAll(id, tamperedId);
    return { sender, ids: [id, tamperedId], path: PATHS[sender], body, headers: sign(sender, signed, n) };
  }
  return { sender, ids: [id], path: PATHS[sender], body: signed, headers: sign(sender, signed, n, true) };
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
    const status = await post(port, delivery.path, delivery.body, delivery.headers);
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

function startReceiver(name, port) {
  const logPath = join(work, `${name}.log`);
  const log = openSync(logPath, 'a');
  // A clean environment and a working directory of its own: no .env nor stray variable gets in.
  const env = {
    PATH: process.env.PATH,
    PORT: String(port),
    DATABASE_URL: withDatabase(ADMIN_URL, dbName),
    REDIS_URL,
    REDIS_KEY_PREFIX: keyPrefix,
    OXSKYT_WEBHOOK_SECRET: creds.oxskyt,
    INKIT_WEBHOOK_SECRET: creds.inkit,
    OVCODE_API_SECRET: creds.ovcode,
    CERTIFICALL_AUTH_TOKEN: creds.certificallToken,
    CERTIFICALL_API_KEY: creds.certificallKey,
    CERTIFICALL_API_SECRET: creds.certificallSecret,
    CERTIFICALL_BASIC_USERNAME: creds.basicUser,
    CERTIFICALL_BASIC_PASSWORD: creds.basicPassword,
    ILLOW_PUBLIC_KEY: illowKeys.publicKey,
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
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
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

async function check(db) {
  const records = {};
  for (const sender of SENDERS) {
    const [table, key] = TABLES[sender];
    const { rows } = await db.query(`select ${key} as key, last_delivery_id from ${table}`);
    records[sender] = new Map(rows.map((row) => [row.key, row.last_delivery_id]));
  }
  const { rows: accepted } = await db.query(
    "select id, idempotency_key, convert_from(raw_body, 'UTF8') as raw_body from deliveries where status_code = 200 and not duplicate",
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
    const writer = records[delivery.sender].get(delivery.id);
    const acceptances = acceptedByBody.get(delivery.body) ?? [];
    if (writer === undefined || acceptances.length === 0) {
      lost++;
      if (examples.length < 5)
        examples.push(`lost ${delivery.sender} ${delivery.id} (replies ${delivery.finals})`);
    } else if (acceptances.length > 1 || writer !== acceptances[0]) {
      duplicated++;
      if (examples.length < 5)
        examples.push(`applied twice ${delivery.sender} ${delivery.id}: ${acceptances}`);
    }
  }
  // The same, per idempotency key, whatever the body: no key may have two accepted rows.
  const keysAcceptedTwice = [...acceptedByKey.values()].filter((n) => n > 1).length;
  duplicated = Math.max(duplicated, keysAcceptedTwice);

  let forgedAccepted = 0;
  for (const delivery of forged) {
    const recorded = delivery.ids.some((id) => records[delivery.sender].has(id));
    const answeredOk = delivery.finals.some((status) => status >= 200 && status < 300);
    if (recorded || answeredOk) {
      forgedAccepted++;
      if (examples.length < 5) examples.push(`forged accepted ${delivery.sender} ${delivery.ids[0]}`);
    }
  }
  const recordCount = SENDERS.reduce((sum, sender) => sum + records[sender].size, 0);
  return {
    lost,
    duplicated,
    forgedAccepted,
    unsettled,
    examples,
    recordCount,
    acceptedRows: accepted.length,
    logged,
  };
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
  receivers.push(
    startReceiver('receiver-a', await freePort()),
    startReceiver('receiver-b', await freePort()),
  );
  await Promise.all(receivers.map((receiver) => waitHealthy(receiver)));
  const ports = { a: receivers[0].port, b: receivers[1].port };
  console.log(
    `soak: ${DURATION_S}s, ${CONCURRENCY} clients, receivers on 127.0.0.1:${ports.a} and :${ports.b}, ` +
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
    `duration: ${elapsedS.toFixed(1)} s, clients: ${CONCURRENCY}, instances: 2 (sends a=${sentTo.a} b=${sentTo.b})`,
    `total requests: ${stats.requests}, ${(stats.requests / elapsedS).toFixed(1)} req/s`,
    `by status: ${statuses}`,
    `latency: p50=${percentile(latencies, 50).toFixed(1)} ms p99=${percentile(latencies, 99).toFixed(1)} ms max=${(latencies.at(-1) ?? 0).toFixed(1)} ms`,
    `deliveries: unique valid=${valid.length} duplicates sent=${duplicatesSent} forged=${forged.length} retries after 409=${stats.retries409} gave up=${stats.gaveUp}`,
    `database: records=${result.recordCount} accepted rows=${result.acceptedRows} log rows by status: ${result.logged.map((row) => `${row.status_code}=${row.n}`).join(' ')}`,
    `lost=${result.lost} duplicated=${result.duplicated} forged_accepted=${result.forgedAccepted} 5xx=${fiveXX} no_answer=${stats.networkErrors} unsettled=${result.unsettled}`,
  ];
  for (const line of lines) console.log(line);
  for (const example of result.examples) console.log(`  ${example}`);
  const ok =
    result.lost === 0 &&
    result.duplicated === 0 &&
    result.forgedAccepted === 0 &&
    fiveXX === 0 &&
    stats.networkErrors === 0 &&
    result.unsettled === 0;
  console.log(ok ? 'soak: PASS' : `soak: FAIL (receiver logs kept in ${work})`);
  exitCode = ok ? 0 : 1;
} catch (error) {
  console.error(`soak: ${error instanceof Error ? error.message : String(error)}`);
  console.error(`soak: receiver logs kept in ${work}`);
} finally {
  await Promise.all(receivers.map(stopReceiver));
  if (args.keep) {
    console.log(`soak: kept database ${dbName}, Redis keys ${keyPrefix}*, logs in ${work}`);
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
