// `npm run build:lib && node bench/fallback.mjs [--rounds N] [--route express|fastify]`
//
// What a forged delivery costs the verifiers that may try the compact JSON.stringify form of a
// body (OxsKYT, Certificall HMAC), before and after that fallback was bounded, with Inkit (raw
// bytes only) for reference. "before" is the fallback as it was (parse and re-serialize every body
// whose bytes failed), reproduced here only as the baseline; "after" is the library as built.
// Prints one table: milliseconds per verification, median of interleaved rounds. With --route,
// also the server's CPU per forged request on the module's routes (bench/server.mjs, as built).
import { spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import {
  createCertificallVerifier,
  createInkitVerifier,
  createOxskytVerifier,
  DEFAULT_JSON_FALLBACK_LIMIT,
} from 'nestjs-webhooks';

const { values: flags } = parseArgs({
  options: { rounds: { type: 'string', default: '15' }, route: { type: 'string' } },
});
const ROUNDS = Number(flags.rounds);
const MiB = 1024 * 1024;

const SECRET = 'bench-secret';
const API_KEY = 'bench-cf-key';

/** A report-like body of about `size` bytes as written: nested objects, strings, numbers. */
function reportOf(size, pretty) {
  const item = (i) => ({
    cfRef: `IT-${i}`,
    createdAt: '2024-05-31T09:01:00.000Z',
    description: `Front of the building, step ${i}`,
    geolocLatitude: '48.8566',
    geolocLongitude: '2.3522',
    imageUrl: `https://files.example/items/IT-${i}.jpg`,
    stepAction: 'PHOTOGRAPHY',
    score: 0.25,
    checks: [{ kind: 'sanctions', hit: false }],
  });
  const write = (count) =>
    JSON.stringify(
      { cfRef: 'CF-1', reportId: 'rep-1', items: Array.from({ length: count }, (_, i) => item(i)) },
      null,
      pretty ? 2 : undefined,
    );
  const per = write(2).length - write(1).length;
  let count = Math.floor(size / per);
  while (count > 1 && write(count).length > size) count--;
  while (write(count + 1).length <= size) count++;
  return Buffer.from(write(count));
}

// The fallback as it was: once the raw bytes failed, any valid-UTF-8 JSON body was parsed and
// re-serialized, then digested again if that gave other bytes.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function oldCompactJson(body) {
  let text;
  try {
    text = strictUtf8.decode(body);
  } catch {
    return undefined;
  }
  try {
    const compact = JSON.stringify(JSON.parse(text));
    return compact === text ? undefined : Buffer.from(compact, 'utf8');
  } catch {
    return undefined;
  }
}
const oldMatch = (digest, body, signature) => {
  if (digest(body).equals(signature)) return true;
  const compact = oldCompactJson(body);
  return compact !== undefined && digest(compact).equals(signature);
};

const oxskytSuffix = createHash('sha256').update(SECRET, 'utf8').digest('hex');
const DIGESTS = {
  oxskyt: (message) => createHash('sha256').update(message).update(oxskytSuffix, 'utf8').digest(),
  certificall: (message) => createHmac('sha256', SECRET).update(message).digest(),
};

// A forged signature: well-formed, so each verifier gets as far as the body.
const forged = randomBytes(32);
const HEADERS = {
  oxskyt: { 'x-signature': [forged.toString('hex')] },
  certificall: {
    authorization: [`HMAC-SHA256 ${API_KEY}:${forged.toString('hex')}`],
    'x-api-key': [API_KEY],
  },
  inkit: { 'inkit-signature': [forged.toString('hex')] },
};
const AFTER = {
  oxskyt: createOxskytVerifier({ secret: SECRET }),
  certificall: createCertificallVerifier({ hmac: { apiKey: API_KEY, apiSecret: SECRET } }),
  inkit: createInkitVerifier({ secret: SECRET }),
};
// Before, the header checks were the same; only what follows a mismatch differs.
const BEFORE = {
  oxskyt: (body) => oldMatch(DIGESTS.oxskyt, body, forged),
  certificall: (body) => oldMatch(DIGESTS.certificall, body, forged),
};

const BODIES = {
  '1 MiB pretty-printed': reportOf(MiB, true),
  '1 MiB compact': reportOf(MiB, false),
  '240 KiB pretty-printed (under the bound)': reportOf(240 * 1024, true),
  '240 KiB compact': reportOf(240 * 1024, false),
};

/** Milliseconds per call: enough calls for ~50 ms, so the clock's resolution does not matter. */
function msPerCall(fn) {
  const start = performance.now();
  let calls = 0;
  do {
    fn();
    calls++;
  } while (performance.now() - start < 50);
  return (performance.now() - start) / calls;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const candidates = [];
for (const [label, body] of Object.entries(BODIES)) {
  for (const sender of ['oxskyt', 'certificall']) {
    if (AFTER[sender](body, HEADERS[sender]).ok) throw new Error('a forged delivery verified');
    candidates.push({ sender, label, body, which: 'before', fn: () => BEFORE[sender](body) });
    candidates.push({ sender, label, body, which: 'after', fn: () => AFTER[sender](body, HEADERS[sender]) });
  }
  candidates.push({
    sender: 'inkit',
    label,
    body,
    which: 'after',
    fn: () => AFTER.inkit(body, HEADERS.inkit),
  });
}

// Interleaved, so drift in the machine's speed touches every candidate alike.
const samples = candidates.map(() => []);
for (const candidate of candidates) candidate.fn();
for (let round = 0; round < ROUNDS; round++) {
  candidates.forEach((candidate, i) => samples[i].push(msPerCall(candidate.fn)));
}

const rows = new Map();
candidates.forEach((candidate, i) => {
  const key = `${candidate.sender}|${candidate.label}`;
  const row = rows.get(key) ?? {
    sender: candidate.sender,
    label: candidate.label,
    bytes: candidate.body.length,
  };
  row[candidate.which] = median(samples[i]);
  // Inkit has no fallback, then as now: one figure for both columns.
  if (candidate.sender === 'inkit') row.before = row.after;
  rows.set(key, row);
});

const fmt = (ms) => (ms === undefined ? '-' : ms.toFixed(2));
console.log(
  `forged deliveries, ms of CPU per verification (median of ${ROUNDS} rounds; fallback bound ${DEFAULT_JSON_FALLBACK_LIMIT} bytes; node ${process.version})`,
);
console.log(
  `${'sender'.padEnd(12)} ${'body'.padEnd(42)} ${'bytes'.padStart(9)} ${'before'.padStart(8)} ${'after'.padStart(8)}`,
);
for (const row of rows.values()) {
  console.log(
    `${row.sender.padEnd(12)} ${row.label.padEnd(42)} ${String(row.bytes).padStart(9)} ${fmt(row.before).padStart(8)} ${fmt(row.after).padStart(8)}`,
  );
}

// ---------------------------------------------------------------- per request, on the routes

async function routeCosts(adapter) {
  // Each sender's credentials by id, as bench/server.mjs configures them (`senders`).
  const senders = {
    oxskyt: { secret: SECRET },
    inkit: { secret: SECRET },
    certificall: { hmac: { apiKey: API_KEY, apiSecret: SECRET } },
  };
  const child = spawn(
    process.execPath,
    [new URL('./server.mjs', import.meta.url).pathname, 'module', adapter],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, BENCH_CONFIG: JSON.stringify({ senders }) },
    },
  );
  const port = await new Promise((resolve) => child.once('message', (message) => resolve(message.port)));
  const stats = () =>
    new Promise((resolve) => {
      child.once('message', (reply) => resolve(reply.stats));
      child.send('stats');
    });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const post = (sender, body) =>
    new Promise((resolve, reject) => {
      const headers = Object.fromEntries(
        Object.entries(HEADERS[sender]).map(([name, [value]]) => [name, value]),
      );
      const req = request(
        {
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: `/webhooks/${sender}`,
          agent,
          headers: { ...headers, 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 401 ? resolve() : reject(new Error(`${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const cpuMs = ({ cpu }) => (cpu.user + cpu.system) / 1000;
  const COUNT = 40;
  console.log(
    `\nforged deliveries on the module's ${adapter} routes, server CPU ms per request (${COUNT} each, as built)`,
  );
  const SENDERS = ['oxskyt', 'certificall', 'inkit'];
  // Every path warmed up first, so the first one measured does not pay for the JIT.
  for (let round = 0; round < 10; round++) {
    for (const body of Object.values(BODIES)) for (const sender of SENDERS) await post(sender, body);
  }
  for (const [label, body] of Object.entries(BODIES)) {
    const row = [];
    for (const sender of SENDERS) {
      const before = await stats();
      for (let i = 0; i < COUNT; i++) await post(sender, body);
      const after = await stats();
      row.push(`${sender} ${((cpuMs(after) - cpuMs(before)) / COUNT).toFixed(2)}`);
    }
    console.log(`${label.padEnd(42)} ${row.join('   ')}`);
  }
  agent.destroy();
  child.send('exit');
}

if (flags.route) await routeCosts(flags.route);
