// `npm run bench [-- --quick | --duration N | --warmup N | --soak N | --connections N | --profile]`
//
// Builds nothing itself (the npm script builds the library first) and measures, in one run:
// HTTP throughput and latency of (a) a plain Nest route with ValidationPipe, (b) the module's
// webhook route, (c) a bare node:http floor, per adapter and sender; verification alone against
// raw node:crypto and peer libraries (verify.mjs, peers.mjs); the Stripe route against
// @golevelup/nestjs-stripe's (stripe-route.mjs); queue mode against inline processing on this
// machine's Redis (queue.mjs; skipped without Redis); RSS over a sustained run. Then it checks the targets.
import autocannon from 'autocannon';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import {
  ALL_CPUS,
  cpuShare,
  GENERATOR_CPU,
  int,
  median,
  ms,
  pct,
  PINNED,
  pinSelf,
  SERVER_CPU,
  spawnOn,
  startChild,
  table,
} from './common.mjs';
import { createCredentials, Deliveries, PATHS, SENDERS, serverConfig } from './deliveries.mjs';
import { printPeers } from './peers.mjs';
import { selfTimeByArea, topSelfTime } from './profile.mjs';
import { measureQueue, printQueue, QUEUE_CONNECTIONS, queueTargets } from './queue.mjs';
import { measureStripeRoute, printStripeRoute } from './stripe-route.mjs';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    soak: { type: 'string' },
    connections: { type: 'string', default: '10' },
    profile: { type: 'boolean', default: false },
    // For focused runs (profiling one route): comma-separated; targets are checked for what ran.
    senders: { type: 'string' },
    adapters: { type: 'string' },
  },
});
const seconds = (value, fallback) => (value === undefined ? fallback : Number(value));
const DURATION = seconds(flags.duration, flags.quick ? 2 : 10);
const WARMUP = seconds(flags.warmup, flags.quick ? 1 : 3);
const SOAK = seconds(flags.soak, flags.quick ? 5 : 20);
const CONNECTIONS = Number(flags.connections);
const ADAPTERS = flags.adapters?.split(',').filter(Boolean) ?? ['express', 'fastify'];
const RUN_SENDERS = flags.senders?.split(',') ?? SENDERS;
/** Deliveries cycled by (a) and (c), which do not de-duplicate. */
const CYCLED = 512;
/** Large enough that the store never evicts during a throughput run: every key stays a new one. */
const NO_EVICTION = { maxEntries: 2_000_000 };
const ROUNDS = flags.quick ? 2 : 5;
/** Deliveries queued for the one worker process that queue.mjs times. */
const QUEUE_BACKLOG = flags.quick ? 5000 : 20_000;
/** Seconds per step of a soak's warm-up once the store is full, until memory stops growing. */
const SETTLE_STEP = 5;

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const PROFILE_DIR = here('./profiles');

const credentials = createCredentials();
const deliveries = new Deliveries(credentials);

// ---------------------------------------------------------------- servers and load

function startServer(kind, adapter, label, idempotency) {
  const profileFile = flags.profile ? `${PROFILE_DIR}/${label}.cpuprofile` : undefined;
  return startChild(here('./server.mjs'), [kind, adapter], {
    label,
    execArgv: ['--expose-gc'],
    env: { BENCH_CONFIG: JSON.stringify(serverConfig(credentials, { idempotency, profileFile })) },
  });
}

/** Each request takes the next delivery of `deliveries`, shared by all connections. */
function load(port, sender, source, duration, cursor) {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method: 'POST',
        path: PATHS[sender],
        setupRequest(req) {
          const [body, headers] = source.at(cursor.next++);
          req.body = body;
          req.headers = { 'content-type': 'application/json', ...headers };
          return req;
        },
      },
    ],
  });
}

/**
 * Runs servers side by side: all started and warmed up, then measured in interleaved rounds
 * (a, b, c, a, b, c, ...) with the median of the rounds kept, so load from other processes on
 * this machine touches each alike instead of skewing the ratios. `deliveries(warmRps)` may
 * depend on what the warm-up of the servers before it reached.
 */
async function sideBySide(
  adapter,
  sender,
  specs,
  { duration = DURATION, warmup = WARMUP, rounds = ROUNDS, heap = false, settle = false } = {},
) {
  const runs = [];
  try {
    for (const spec of specs) {
      const label = `${adapter}-${sender}-${spec.kind}`;
      runs.push({ ...spec, label, server: await startServer(spec.kind, adapter, label, spec.idempotency) });
    }
    pinSelf(GENERATOR_CPU);
    let warmRps = 0;
    for (const run of runs) {
      run.cursor = { next: 0 };
      pinSelf(ALL_CPUS);
      run.source = await run.deliveries(warmRps);
      pinSelf(GENERATOR_CPU);
      const warm = await load(run.server.port, sender, run.source, warmup, run.cursor);
      warmRps = Math.max(warmRps, warm.requests.total / warmup);
      run.ok = warm['2xx'];
      run.failed = warm.non2xx + warm.errors + warm.timeouts;
      run.rounds = [];
      // A soak measures growth after warm-up: the warm-up lasts until the process has reached its
      // working size (RSS up less than 3% over 5 more seconds of load), since V8 sizes its young
      // generation and the allocator its arenas by the load they see. At most 30 seconds more.
      if (settle) {
        let previous = (await run.server.stats()).rss;
        for (let step = 0; step < 6; step++) {
          await load(run.server.port, sender, run.source, SETTLE_STEP, run.cursor);
          run.settled = (run.settled ?? 0) + SETTLE_STEP;
          const { rss } = await run.server.stats();
          if (rss < previous * 1.03) break;
          previous = rss;
        }
      }
    }
    if (flags.profile) await Promise.all(runs.map((run) => run.server.stats('profile-start')));
    for (let round = 0; round < rounds; round++) {
      for (const run of runs) {
        // A soak reads live memory (after a collection), which throughput rounds must not pay for.
        const before = await run.server.stats(heap ? 'heap' : 'stats');
        run.rssStart ??= before.rss;
        run.heapStart ??= before.heapUsed;
        const own = process.cpuUsage();
        const started = performance.now();
        const result = await load(run.server.port, sender, run.source, duration / rounds, run.cursor);
        const elapsed = performance.now() - started;
        const after = await run.server.stats(heap ? 'heap' : 'stats');
        run.ok += result['2xx'];
        run.failed += result.non2xx + result.errors + result.timeouts;
        run.rounds.push({
          rps: result.requests.total / (elapsed / 1000),
          p50: result.latency.p50,
          p99: result.latency.p99,
          serverCpu: cpuShare(before.cpu, after.cpu, elapsed),
          generatorCpu: cpuShare(own, process.cpuUsage(), elapsed),
          handled: after.handled,
          rss: after.rss,
          heapUsed: after.heapUsed,
        });
      }
    }
  } finally {
    await Promise.all(runs.map((run) => run.server.stop()));
    pinSelf(ALL_CPUS);
  }
  return Object.fromEntries(
    runs.map((run) => {
      if (run.failed > 0) console.warn(`  ! ${run.label}: ${run.failed} requests failed or answered non-2xx`);
      const pick = (key) => median(run.rounds.map((r) => r[key]));
      const last = run.rounds.at(-1);
      return [
        run.key,
        {
          rps: pick('rps'),
          p50: pick('p50'),
          p99: pick('p99'),
          serverCpu: pick('serverCpu'),
          generatorCpu: pick('generatorCpu'),
          ok: run.ok,
          failed: run.failed,
          handled: last.handled,
          settled: run.settled ?? 0,
          rssBefore: run.rssStart,
          rssAfter: last.rss,
          heapBefore: run.heapStart,
          heapAfter: last.heapUsed,
        },
      ];
    }),
  );
}

/**
 * New deliveries for a run at up to `rps`; a warm-up rate is well below the steady one (the JIT is
 * still at work), hence the margin. Only slow signers' (illow's RSA) are signed ahead, the others as they are sent.
 */
const uniqueFor = (sender, rps, duration) =>
  deliveries.unique(sender, Math.ceil(Math.max(rps, 2000) * (WARMUP + duration) * 3));

// ---------------------------------------------------------------- verification alone

/** A microbenchmark in its own process on the server CPU; its one line of JSON. */
function microbenchmark(script, { rounds, roundMs }) {
  return new Promise((resolve, reject) => {
    let out = '';
    const child = spawnOn(SERVER_CPU, [here(script)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_CONFIG: JSON.stringify({ credentials, rounds, roundMs }) },
    });
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${script} exited ${code}`)),
    );
  });
}

const verification = () =>
  microbenchmark('./verify.mjs', flags.quick ? { rounds: 3, roundMs: 100 } : { rounds: 7, roundMs: 300 });
/**
 * Ours against the peer libraries: 3 pairs x 2 body sizes x 2 or 3 candidates, about 15 s (8 s
 * quick); a median of fewer than 5 rounds is at the mercy of whatever else the machine runs.
 */
const PEER_ROUNDS = flags.quick ? { rounds: 5, roundMs: 100 } : { rounds: 5, roundMs: 200 };
const againstPeers = () => microbenchmark('./peers.mjs', PEER_ROUNDS);

// ---------------------------------------------------------------- printing

const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const micros = (rps) => (1e6 / rps).toFixed(1);

const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? 'unknown';
  return `${availableParallelism()} CPUs (${model}), node ${process.version}, ${PINNED ? 'server pinned to CPU 0, generator to CPU 1' : 'not pinned'}`;
}

// ---------------------------------------------------------------- the run

async function main() {
  console.log(`nestjs-webhooks bench — ${new Date().toISOString()}`);
  console.log(`machine: ${machine()}`);
  console.log(
    `settings: ${CONNECTIONS} connections; per server ${WARMUP}s warm-up, then ${DURATION}s measured in ${ROUNDS} interleaved rounds; soak ${SOAK}s${flags.profile ? '; CPU profiles' : ''}`,
  );
  console.log(`load average before: ${loadAverage()}\n`);
  if (flags.profile) {
    rmSync(PROFILE_DIR, { recursive: true, force: true });
    mkdirSync(PROFILE_DIR, { recursive: true });
  }

  console.log('verification alone ...');
  const verify = await verification();
  console.log('verification against the peers ...');
  const peers = await againstPeers();

  const http = {};
  for (const sender of RUN_SENDERS) {
    const cycled = await deliveries.cycled(sender, CYCLED);
    for (const adapter of ADAPTERS) {
      console.log(`http ${adapter} ${sender}: (a) baseline, (b) webhook route, (c) floor ...`);
      http[`${adapter}/${sender}`] = await sideBySide(adapter, sender, [
        { key: 'a', kind: 'baseline', deliveries: () => cycled },
        // Sized on the baseline's warm-up: the webhook route does all of its work and more.
        {
          key: 'b',
          kind: 'module',
          idempotency: NO_EVICTION,
          deliveries: (rps) => uniqueFor(sender, rps, DURATION),
        },
        { key: 'c', kind: 'floor', deliveries: () => cycled },
      ]);
    }
  }

  // The default store (bounded at 10,000 entries), filled during the warm-up: growth after it is a leak.
  const soak = {};
  for (const adapter of RUN_SENDERS.includes('inkit') && SOAK > 0 ? ADAPTERS : []) {
    console.log(`soak ${adapter} inkit ${SOAK}s ...`);
    const rps = http[`${adapter}/inkit`].b.rps;
    // Long enough to fill the store: until then its growth is by design, not a leak.
    const warmup = Math.max(WARMUP, 5, Math.ceil(20_000 / rps));
    const { b } = await sideBySide(
      adapter,
      'inkit',
      [
        {
          key: 'b',
          kind: 'module',
          deliveries: () => uniqueFor('inkit', rps, SOAK + warmup + 6 * SETTLE_STEP),
        },
      ],
      { duration: SOAK, warmup, rounds: 1, heap: true, settle: true },
    );
    soak[adapter] = { ...b, warmup };
  }

  // The Stripe route against @golevelup/nestjs-stripe's, as the other routes are run.
  const stripeRoute = RUN_SENDERS.includes('stripe')
    ? await measureStripeRoute({
        credentials,
        deliveries,
        adapters: ADAPTERS,
        duration: DURATION,
        warmup: WARMUP,
        rounds: ROUNDS,
        connections: CONNECTIONS,
      })
    : undefined;

  // Inkit's route, inline and in queue mode; at 50 connections whatever --connections says.
  const queue = RUN_SENDERS.includes('inkit')
    ? await measureQueue({
        credentials,
        deliveries,
        adapters: ADAPTERS,
        duration: DURATION,
        warmup: WARMUP,
        rounds: ROUNDS,
        backlog: QUEUE_BACKLOG,
      })
    : undefined;

  report({ verify, peers, http, stripeRoute, queue, soak });
  console.log(
    `\nload average after: ${loadAverage()} (other processes on this machine skew the figures; see "cpu srv")`,
  );
}

function report({ verify, peers, http, stripeRoute, queue, soak }) {
  console.log('\n## Verification alone (ops/s, median of interleaved rounds; same body per sender)\n');
  table(
    [
      'sender',
      'ours',
      'raw node:crypto',
      'ours/raw',
      '@octokit/webhooks-methods',
      'standardwebhooks',
      'ours/best peer',
    ],
    SENDERS.map((sender) => {
      const v = verify[sender];
      const peers = [v.octokit, v.standardwebhooks].filter(Boolean);
      return [
        sender,
        int(v.ours),
        v.raw ? int(v.raw) : '-',
        v.raw ? pct(v.ours / v.raw) : '-',
        v.octokit ? int(v.octokit) : '-',
        v.standardwebhooks ? int(v.standardwebhooks) : '-',
        peers.length ? `${(v.ours / Math.max(...peers)).toFixed(2)}x` : '-',
      ];
    }),
  );

  console.log(
    `\n## Verification against the peers (ops/s, median of ${PEER_ROUNDS.rounds} interleaved rounds of ${PEER_ROUNDS.roundMs} ms; same bodies, secrets, signatures)\n`,
  );
  printPeers(peers);

  console.log(
    '\n## HTTP (requests/s, latency p50/p99 in ms; (a) Nest + ValidationPipe, (b) webhook route, (c) node:http floor)\n',
  );
  table(
    [
      'route',
      '(a) rps',
      '(a) p50/p99',
      '(b) rps',
      '(b) p50/p99',
      'b/a',
      '(c) rps',
      '(c) p50/p99',
      'b/c',
      'new',
      'cpu srv/gen',
    ],
    Object.entries(http).map(([route, { a, b, c }]) => [
      route.replace('/', ' '),
      int(a.rps),
      `${ms(a.p50)}/${ms(a.p99)}`,
      int(b.rps),
      `${ms(b.p50)}/${ms(b.p99)}`,
      pct(b.rps / a.rps),
      int(c.rps),
      `${ms(c.p50)}/${ms(c.p99)}`,
      pct(b.rps / c.rps),
      pct(Math.min(1, b.handled / b.ok)),
      `${pct(b.serverCpu)}/${pct(b.generatorCpu)}`,
    ]),
  );
  console.log('new: deliveries the handler received / 2xx answers of (b) (100% = no duplicate was measured)');
  console.log('cpu srv/gen: CPU time of the (b) server / of the load generator, per second of its rounds');

  if (stripeRoute) {
    console.log(
      '\n## Stripe route: nestjs-webhooks vs @golevelup/nestjs-stripe (requests/s, latency p50/p99 in ms; median of interleaved rounds)\n',
    );
    printStripeRoute(stripeRoute);
  }

  if (queue) {
    console.log(
      `\n## Queue mode vs inline, inkit (requests/s, latency p50/p99 in ms; ${QUEUE_CONNECTIONS} connections; median of interleaved rounds)\n`,
    );
    printQueue(queue);
  }

  if (Object.keys(soak).length > 0) {
    console.log(
      `\n## Memory (RSS of the webhook server, inkit, ${SOAK}s after a warm-up that fills the store and lets memory settle)\n`,
    );
    table(
      [
        'adapter',
        'rps',
        'warm-up (s)',
        'RSS after warm-up (MiB)',
        'RSS after soak (MiB)',
        'growth',
        'live JS heap before/after (MiB)',
      ],
      Object.entries(soak).map(([adapter, s]) => [
        adapter,
        int(s.rps),
        s.warmup + s.settled,
        mib(s.rssBefore),
        mib(s.rssAfter),
        pct(s.rssAfter / s.rssBefore - 1),
        `${mib(s.heapBefore)}/${mib(s.heapAfter)}`,
      ]),
    );
  }

  const targets = [];
  const check = (name, pass, detail) => targets.push([pass ? 'PASS' : 'MISS', name, detail]);
  for (const [route, { a, b, c }] of Object.entries(http)) {
    const [adapter, sender] = route.split('/');
    if (adapter === 'express') {
      check(`Express ${sender}: (b) >= 95% of (a)`, b.rps >= 0.95 * a.rps, pct(b.rps / a.rps));
    } else if (sender === 'illow') {
      const rsaMicros = 1e6 / verify.illow.raw;
      const budget = 1e6 / a.rps + 1.1 * rsaMicros;
      check(
        'Fastify illow: cost(b) <= cost(a) + 1.1 x RSA verify',
        1e6 / b.rps <= budget,
        `${micros(b.rps)} µs vs ${micros(a.rps)} + 1.1 x ${rsaMicros.toFixed(1)} = ${budget.toFixed(1)} µs`,
      );
    } else {
      check(`Fastify ${sender}: (b) >= 85% of (a)`, b.rps >= 0.85 * a.rps, pct(b.rps / a.rps));
      if (sender === 'inkit')
        check('Fastify inkit: (b) >= 55% of floor (c)', b.rps >= 0.55 * c.rps, pct(b.rps / c.rps));
    }
  }
  for (const sender of SENDERS.filter((id) => verify[id].raw)) {
    const v = verify[sender];
    check(`verify ${sender}: within 10% of raw node:crypto`, v.ours >= 0.9 * v.raw, pct(v.ours / v.raw));
  }
  // The senders compared with peer libraries (the HMAC-SHA256 ones, see verify.mjs).
  for (const sender of SENDERS.filter((id) => verify[id].octokit)) {
    const v = verify[sender];
    const best = Math.max(v.octokit, v.standardwebhooks);
    check(
      `verify ${sender}: ahead of peers (same HMAC work)`,
      v.ours > best,
      `${(v.ours / best).toFixed(2)}x best peer`,
    );
  }
  for (const [adapter, s] of Object.entries(soak)) {
    check(
      `RSS ${adapter}: growth < 10% over ${SOAK}s`,
      s.rssAfter < 1.1 * s.rssBefore,
      pct(s.rssAfter / s.rssBefore - 1),
    );
  }
  if (queue) targets.push(...queueTargets(queue));
  console.log('\n## Targets\n');
  table(['', 'target', 'measured'], targets);
  const misses = targets.filter(([verdict]) => verdict === 'MISS').length;
  console.log(`\n${targets.length - misses} PASS, ${misses} MISS`);

  if (flags.profile) printProfiles();
}

/** Per request, so servers of different speeds compare: CPU µs of busy time, by area and by function. */
function printProfiles() {
  console.log(`\n## CPU profiles (${PROFILE_DIR}), in CPU µs per request (measured rounds only)`);
  for (const file of readdirSync(PROFILE_DIR)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort()) {
    const path = `${PROFILE_DIR}/${file}`;
    const { busyMicros, gcShare, top, requests } = topSelfTime(path, 15);
    const perRequest = (share) => ((share * busyMicros) / requests).toFixed(1);
    console.log(
      `\n${file}: ${perRequest(1)} µs busy per request over ${int(requests)} requests, GC ${pct(gcShare)}`,
    );
    const areas = selfTimeByArea(path).slice(0, 10);
    console.log(`  by area: ${areas.map(({ area, share }) => `${area} ${perRequest(share)}`).join(', ')}`);
    for (const { fn, share } of top) console.log(`  ${perRequest(share).padStart(6)}  ${fn}`);
  }
}

await main();
