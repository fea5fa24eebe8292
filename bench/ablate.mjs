// Where a webhook route's time goes, by taking steps away: `node bench/ablate.mjs [options] spec...`
//
//   spec      baseline | module | floor | module:<ablation> | <spec>@<checkout>
//   ablation  nostore (a store that claims everything), nodispatch (no handler lookup or call),
//             noprocess (nothing after the guard: no parse, validation, store, dispatch, report)
//   @checkout the same server from another checkout of this repository (its library built), to
//             compare two versions of the code side by side: `module@/tmp/before module`
//
// Options: --adapter express|fastify (fastify), --sender <sender> (inkit), --rounds N (6),
// --seconds N per round (2). Every spec's server is started, warmed up, then measured in
// interleaved rounds; the median round is printed with its cost per request, and the ratio to
// the first spec. Differences of a few percent are noise on a shared machine: repeat.
import autocannon from 'autocannon';
import { execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCredentials, Deliveries, PATHS, providerOptions } from './deliveries.mjs';

const { values: flags, positionals: specs } = parseArgs({
  allowPositionals: true,
  options: {
    adapter: { type: 'string', default: 'fastify' },
    sender: { type: 'string', default: 'inkit' },
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '2' },
  },
});
if (specs.length === 0) throw new Error('name the servers to compare, e.g. baseline module module:nostore');
const SECONDS = Number(flags.seconds);
const credentials = createCredentials();
const providers = providerOptions(credentials);
const deliveries = new Deliveries(credentials);
const pinned = (() => {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

async function start(spec) {
  const [main, checkout] = spec.split('@');
  const [kind, ablation = ''] = main.split(':');
  const server = checkout
    ? resolve(checkout, 'bench/server.mjs')
    : fileURLToPath(new URL('./server.mjs', import.meta.url));
  const args = ['--expose-gc', server, kind, flags.adapter];
  const child = spawn(
    pinned ? 'taskset' : process.execPath,
    pinned ? ['-c', '0', process.execPath, ...args] : args,
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        BENCH_ABLATION: ablation,
        BENCH_CONFIG: JSON.stringify({ providers, idempotency: { maxEntries: 2_000_000 } }),
      },
    },
  );
  const port = await new Promise((done) => child.once('message', (message) => done(message.port)));
  return { spec, child, port, cursor: { next: 0 }, rps: [], cpu: [] };
}

const stats = (server) =>
  new Promise((done) => {
    server.child.once('message', (message) => done(message.stats));
    server.child.send('stats');
  });

const servers = [];
for (const spec of specs) servers.push(await start(spec));
const source = await deliveries.unique(flags.sender, 1e9);
const load = (server, duration) =>
  autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections: 10,
    duration,
    requests: [
      {
        method: 'POST',
        path: PATHS[flags.sender],
        setupRequest(req) {
          const [body, headers] = source.at(server.cursor.next++);
          req.body = body;
          req.headers = { 'content-type': 'application/json', ...headers };
          return req;
        },
      },
    ],
  });

try {
  for (const server of servers) {
    const warm = await load(server, 2);
    if (warm.non2xx > 0) console.warn(`  ! ${server.spec}: ${warm.non2xx} non-2xx answers in the warm-up`);
  }
  for (let round = 0; round < Number(flags.rounds); round++) {
    for (const server of servers) {
      const before = await stats(server);
      const result = await load(server, SECONDS);
      const after = await stats(server);
      server.rps.push(result.requests.total / SECONDS);
      const cpu = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
      server.cpu.push(cpu / Math.max(1, after.handled - before.handled));
    }
  }
} finally {
  for (const server of servers) server.child.kill();
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const first = median(servers[0].rps);
console.log(`${flags.adapter} ${flags.sender}: median of ${flags.rounds} interleaved rounds of ${SECONDS}s`);
console.log('spec                          rps   vs first   µs/request   CPU µs/request');
for (const server of servers) {
  const rps = median(server.rps);
  console.log(
    `${server.spec.padEnd(24)} ${String(Math.round(rps)).padStart(8)}   ${`${((100 * rps) / first).toFixed(1)}%`.padStart(8)}   ${(1e6 / rps).toFixed(1).padStart(10)}   ${median(server.cpu).toFixed(1).padStart(14)}`,
  );
}
