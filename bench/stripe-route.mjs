// The Stripe route against @golevelup/nestjs-stripe, over HTTP:
// `node bench/stripe-route.mjs [--quick | --duration N | --warmup N | --connections N | --adapters express,fastify]`.
//
// Two Nest 12 apps (stripe-server.mjs), each in its own process on the server CPU, driven in turn
// by autocannon from this one on the other CPU: all warmed up, then measured in interleaved rounds
// (ours, theirs, ours, ...), the median of each kept, so that other load on the machine touches both
// alike. Every request is a new Stripe event (its own `id`, signed as it is sent by the sender
// definition's `sign`), the same bodies in the same order for both: we de-duplicate on the event id,
// they do not, so repeated ids would measure our duplicate answer instead of the route.
import autocannon from 'autocannon';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ALL_CPUS,
  cpuShare,
  GENERATOR_CPU,
  int,
  median,
  ms,
  pct,
  pinSelf,
  ratio,
  startChild,
  table,
} from './common.mjs';
import { createCredentials, Deliveries, PATHS } from './deliveries.mjs';

const SERVER = fileURLToPath(new URL('./stripe-server.mjs', import.meta.url));

/** The two routes, in the order they are measured in each round. */
export const ROUTES = [
  { kind: 'ours', label: 'nestjs-webhooks', path: PATHS.stripe },
  { kind: 'golevelup', label: '@golevelup/nestjs-stripe', path: '/stripe/webhook' },
];

/** What each does per request, said once in the output. */
export const PER_REQUEST = {
  'nestjs-webhooks':
    "raw body captured by the module ahead of Nest's body parsers; Stripe-Signature parsed, timestamp checked, HMAC-SHA256 compared; one JSON.parse; StripeEventDto validated (class-validator); event id claimed in the default memory store (new each time) and completed; @OnWebhook handler called; 200",
  '@golevelup/nestjs-stripe':
    "Nest's JSON body parser with rawBody: true (parse 1, raw bytes kept); its controller JSON.parses the raw body again to pick the secret by livemode/account (parse 2); stripe.webhooks.constructEvent (verifyHeader + parse 3); handlers filtered by type and called through ExternalContextCreator; 201. No validation, no de-duplication (a retried event runs the handler again); a bad signature answers 500",
};

function load(port, path, source, cursor, duration, connections) {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        path,
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
 * `{ [adapter]: { [label]: { rps, p50, p99, serverCpu, ok, failed, handled } } }`, medians of
 * the rounds; `deliveries` a Deliveries of bench/deliveries.mjs (a new event per request).
 */
export async function measureStripeRoute({
  credentials,
  deliveries = new Deliveries(credentials),
  adapters = ['express', 'fastify'],
  duration,
  warmup,
  rounds,
  connections,
}) {
  const results = {};
  const secret = credentials.stripe.credentials.secret;
  for (const adapter of adapters) {
    console.log(`stripe route ${adapter}: nestjs-webhooks vs @golevelup/nestjs-stripe ...`);
    const runs = [];
    try {
      for (const route of ROUTES) {
        const server = await startChild(SERVER, [route.kind, adapter], {
          label: `stripe-${route.kind}-${adapter}`,
          env: { BENCH_CONFIG: JSON.stringify({ secret }) },
        });
        // One cursor per route: each sees every event once, in the same order as the other.
        runs.push({ ...route, server, cursor: { next: 0 }, ok: 0, failed: 0, rounds: [] });
      }
      pinSelf(GENERATOR_CPU);
      // Signed as sent (an HMAC costs the generator a few µs): no pool to size.
      const source = await deliveries.unique('stripe', Infinity);
      for (const run of runs) {
        const warm = await load(run.server.port, run.path, source, run.cursor, warmup, connections);
        run.ok += warm['2xx'];
        run.failed += warm.non2xx + warm.errors + warm.timeouts;
      }
      for (let round = 0; round < rounds; round++) {
        for (const run of runs) {
          const before = await run.server.stats();
          const started = performance.now();
          const result = await load(
            run.server.port,
            run.path,
            source,
            run.cursor,
            duration / rounds,
            connections,
          );
          const elapsed = performance.now() - started;
          const after = await run.server.stats();
          run.ok += result['2xx'];
          run.failed += result.non2xx + result.errors + result.timeouts;
          run.handled = after.handled;
          run.rounds.push({
            rps: result.requests.total / (elapsed / 1000),
            p50: result.latency.p50,
            p99: result.latency.p99,
            serverCpu: cpuShare(before.cpu, after.cpu, elapsed),
          });
        }
      }
    } finally {
      await Promise.all(runs.map((run) => run.server.stop()));
      pinSelf(ALL_CPUS);
    }
    results[adapter] = Object.fromEntries(
      runs.map((run) => {
        if (run.failed > 0)
          console.warn(`  ! ${run.label} ${adapter}: ${run.failed} requests failed or answered non-2xx`);
        const pick = (key) => median(run.rounds.map((r) => r[key]));
        return [
          run.label,
          {
            rps: pick('rps'),
            p50: pick('p50'),
            p99: pick('p99'),
            serverCpu: pick('serverCpu'),
            ok: run.ok,
            failed: run.failed,
            handled: run.handled,
          },
        ];
      }),
    );
  }
  return results;
}

export function printStripeRoute(results) {
  const [ours, theirs] = ROUTES.map((route) => route.label);
  table(
    [
      'adapter',
      'route',
      'rps',
      'p50/p99 (ms)',
      'cpu srv',
      'srv µs/req',
      'handled/2xx',
      'failed',
      'ours/theirs rps',
    ],
    Object.entries(results).flatMap(([adapter, byRoute]) =>
      [ours, theirs].map((label) => {
        const r = byRoute[label];
        return [
          adapter,
          label,
          int(r.rps),
          `${ms(r.p50)}/${ms(r.p99)}`,
          pct(r.serverCpu),
          ((r.serverCpu * 1e6) / r.rps).toFixed(1),
          // In-flight requests at the end of a round reach the handler uncounted by autocannon.
          pct(Math.min(1, r.handled / r.ok)),
          int(r.failed),
          label === ours ? ratio(r.rps / byRoute[theirs].rps) : '',
        ];
      }),
    ),
  );
  console.log(
    'every request a new Stripe event (own id), signed as sent; the same bodies for both; one no-op handler each',
  );
  console.log(
    'cpu srv: CPU time of the server per second of its rounds; srv µs/req: that time per request, steadier than rps when other work shares the machine',
  );
  console.log(
    'handled/2xx: handler calls / 2xx answers over warm-up and rounds (100% = each accepted event reached its handler once)',
  );
  for (const [label, what] of Object.entries(PER_REQUEST)) console.log(`${label}: ${what}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values: flags } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string', default: '10' },
      adapters: { type: 'string', default: 'express,fastify' },
    },
  });
  const settings = {
    duration: Number(flags.duration ?? (flags.quick ? 4 : 10)),
    warmup: Number(flags.warmup ?? (flags.quick ? 1 : 3)),
    rounds: flags.quick ? 2 : 5,
    connections: Number(flags.connections),
    adapters: flags.adapters.split(',').filter(Boolean),
  };
  console.log(
    `settings: ${settings.connections} connections; per route ${settings.warmup}s warm-up, then ${settings.duration}s measured in ${settings.rounds} interleaved rounds\n`,
  );
  const results = await measureStripeRoute({ credentials: createCredentials(), ...settings });
  console.log(
    '\n## Stripe route: nestjs-webhooks vs @golevelup/nestjs-stripe (requests/s; median of interleaved rounds)\n',
  );
  printStripeRoute(results);
}
