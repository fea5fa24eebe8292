// Queue mode against inline processing, over HTTP, on this machine's Redis:
// `node bench/queue.mjs [--quick | --duration N | --warmup N | --backlog N | --adapters express,fastify]`.
//
// (a) A slow handler (200 ms): the inline route answers when it is done, the queue-mode route once
//     Redis holds the delivery (its worker, in the same process, runs the handler meanwhile). At 50
//     connections as fast as each answers, and once more for queue mode at the rate the inline route
//     kept up, since a closed loop at saturation measures how long requests wait for the CPU, not
//     how long an acknowledgement takes.
// (b) The acknowledgement path alone, a no-op handler: queue mode (API only, no worker) against the
//     inline route with the same store (RedisIdempotencyStore), and with the default memory store.
// (c) One worker process's throughput: a backlog of deliveries queued with no worker running, then
//     one worker started and timed from its first delivery until the queue holds none unprocessed.
//
// Each app in its own process on the server CPU (queue-server.mjs), driven by autocannon from this
// one on the other CPU; Redis runs where the system puts it. Servers of a section are started and
// warmed up, then measured in interleaved rounds, the median of each kept. Every request is a new
// Inkit delivery (its own resource_id, signed as sent); each app has a queue and store key prefix of
// its own, so nothing a run leaves could make the next one's deliveries duplicates, and both are
// removed at the end (queues obliterated, keys deleted), whatever happens.
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
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
  startChild,
  table,
} from './common.mjs';
import { createCredentials, Deliveries, PATHS } from './deliveries.mjs';

const SERVER = fileURLToPath(new URL('./queue-server.mjs', import.meta.url));
const SENDER = 'inkit';
/** Fifty senders' connections at once, whatever the rest of the bench uses. */
export const QUEUE_CONNECTIONS = 50;
const SLOW_HANDLER_MS = 200;
/** Longest wait for a worker to drain its backlog before the section is given up. */
const DRAIN_TIMEOUT_MS = 180_000;

/** Issue 14's: a queue-mode acknowledgement within 10 ms at p99, at 70% of the inline route's rate or more. */
const TARGETS = {
  ackP99Ms: 10,
  ackShare: 0.7,
};

/** The Redis of REDIS_URL, else 127.0.0.1:6379. */
export const defaultRedisUrl = () => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function connectionOf(redisUrl) {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
  };
}

/** Seconds of CPU Redis has used, from INFO: where queue mode's work goes besides the server. */
async function redisCpu(client) {
  const info = await client.info('cpu');
  const field = (name) => Number(info.match(new RegExp(`^${name}:([\\d.]+)`, 'm'))?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** Why Redis cannot be used, or undefined when it answers. */
async function redisProblem(redisUrl) {
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The socket's error (ECONNREFUSED ...) says more than the rejection ("Connection is closed").
  let cause;
  client.on('error', (error) => (cause ??= error.message));
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return cause ?? (error instanceof Error ? error.message : String(error));
  } finally {
    client.disconnect();
  }
}

function load(port, source, cursor, { duration, amount, rate, connections }) {
  if (rate !== undefined) return paced(port, source, cursor, { duration, rate, connections });
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    ...(amount === undefined ? { duration } : { amount }),
    requests: [
      {
        method: 'POST',
        path: PATHS[SENDER],
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

const percentile = (sorted, p) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

/**
 * `rate` requests per second spread evenly over `connections` keep-alive connections, each sending
 * on its own schedule (connection i at i/rate, then every connections/rate seconds), whether or not
 * the server keeps up: an open loop, as senders are. autocannon's `overallRate` sends each second's
 * share in one burst at the start of the second, which measures the burst. A request sent late
 * because its connection was still waiting for the previous answer counts from when it was due
 * (no coordinated omission). Answers the fields of an autocannon result that are read here, with
 * latencies to the microsecond (autocannon's are whole milliseconds).
 */
async function paced(port, source, cursor, { duration, rate, connections }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  const result = { '2xx': 0, non2xx: 0, errors: 0, timeouts: 0 };
  const post = (body, headers) =>
    new Promise((resolve) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: PATHS[SENDER],
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
          res.on('end', () => resolve(res.statusCode));
          res.on('error', () => resolve(0));
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(0));
      req.end(body);
    });
  const interval = (connections * 1000) / rate;
  const start = performance.now();
  const end = start + duration * 1000;
  await Promise.all(
    Array.from({ length: connections }, async (_, lane) => {
      for (let due = start + (lane * 1000) / rate; due < end; due += interval) {
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        // On time: from the moment it left (the timer's own lateness is the generator's, not the
        // server's); late because of the previous answer: from when it was due.
        const sent = wait > 0 ? performance.now() : due;
        const [body, headers] = source.at(cursor.next++);
        const status = await post(body, headers);
        latencies.push(performance.now() - sent);
        if (status === 0) result.errors++;
        else if (status >= 200 && status < 300) result['2xx']++;
        else result.non2xx++;
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    ...result,
    requests: { total: latencies.length, average: latencies.length / duration },
    latency: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
  };
}

/**
 * What was made in Redis, so that it is all removed at the end: each app's queue and key prefix
 * are named from this run's tag and the app's label.
 */
class Leftovers {
  constructor(redisUrl) {
    this.redisUrl = redisUrl;
    this.tag = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    this.queues = new Set();
    this.prefixes = new Set();
  }

  /** The configuration of one app: its queue, its store's key prefix. */
  names(label) {
    const queueName = `bench-webhooks-${this.tag}-${label}`;
    const keyPrefix = `bench-webhooks:${this.tag}:${label}:`;
    this.queues.add(queueName);
    this.prefixes.add(keyPrefix);
    return { queueName, keyPrefix };
  }

  queue(queueName) {
    return new Queue(queueName, { connection: connectionOf(this.redisUrl) });
  }

  async remove() {
    for (const name of this.queues) {
      const queue = this.queue(name);
      try {
        await queue.obliterate({ force: true });
      } finally {
        await queue.close();
      }
    }
    const client = new Redis(this.redisUrl, { maxRetriesPerRequest: 1 });
    try {
      // The store's keys, and anything of the queues that obliterate left (it leaves none today).
      const patterns = [...[...this.prefixes].map((p) => `${p}*`), `bull:bench-webhooks-${this.tag}-*`];
      for (const pattern of patterns) {
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
}

/**
 * Servers side by side: all started and warmed up, then measured in interleaved rounds. A spec
 * names its server (`server`); specs on one server share its cursor, so each request is still a
 * new delivery for it. `rate(results)` may fix a spec's request rate from the warm-up of those
 * before it. `{ [spec.key]: { rps, p50, p99, serverCpu, ok, failed, handled } }`, medians of rounds.
 */
async function sideBySide(servers, specs, { duration, warmup, rounds, connections, deliveries, redis }) {
  const started = {};
  try {
    for (const [name, { kind, adapter, config }] of Object.entries(servers)) {
      started[name] = {
        server: await startChild(SERVER, [kind, adapter], {
          label: `queue-bench ${name}`,
          env: { BENCH_CONFIG: JSON.stringify(config) },
        }),
        cursor: { next: 0 },
      };
    }
    pinSelf(GENERATOR_CPU);
    const source = await deliveries.unique(SENDER, Infinity);
    const runs = specs.map((spec) => ({ ...spec, ...started[spec.server], ok: 0, failed: 0, rounds: [] }));
    const warm = {};
    for (const run of runs) {
      run.fixedRate = run.rate?.(warm);
      const result = await load(run.server.port, source, run.cursor, {
        duration: warmup,
        rate: run.fixedRate,
        connections,
      });
      warm[run.key] = { rps: result.requests.total / warmup };
      run.ok += result['2xx'];
      run.failed += result.non2xx + result.errors + result.timeouts;
    }
    for (let round = 0; round < rounds; round++) {
      for (const run of runs) {
        const before = await run.server.stats();
        const redisBefore = await redisCpu(redis);
        const t0 = performance.now();
        const result = await load(run.server.port, source, run.cursor, {
          duration: duration / rounds,
          rate: run.fixedRate,
          connections,
        });
        const elapsed = performance.now() - t0;
        const redisAfter = await redisCpu(redis);
        const after = await run.server.stats();
        run.ok += result['2xx'];
        run.failed += result.non2xx + result.errors + result.timeouts;
        run.handled = after.handled;
        run.rounds.push({
          rps: result.requests.total / (elapsed / 1000),
          p50: result.latency.p50,
          p99: result.latency.p99,
          serverCpu: cpuShare(before.cpu, after.cpu, elapsed),
          redisCpu: (redisAfter - redisBefore) / (elapsed / 1000),
        });
      }
    }
    return Object.fromEntries(
      runs.map((run) => {
        if (run.failed > 0) console.warn(`  ! ${run.key}: ${run.failed} requests failed or answered non-2xx`);
        const pick = (key) => median(run.rounds.map((r) => r[key]));
        return [
          run.key,
          {
            rps: pick('rps'),
            p50: pick('p50'),
            p99: pick('p99'),
            serverCpu: pick('serverCpu'),
            redisCpu: pick('redisCpu'),
            rate: run.fixedRate,
            ok: run.ok,
            failed: run.failed,
            handled: run.handled,
          },
        ];
      }),
    );
  } finally {
    await Promise.all(Object.values(started).map(({ server }) => server.stop()));
    pinSelf(ALL_CPUS);
  }
}

/**
 * (c): `backlog` deliveries queued through the API with no worker anywhere, then one worker process
 * started; deliveries per second from its first handler call until every job is completed.
 */
async function workerThroughput({ adapter, backlog, connections, deliveries, base, leftovers }) {
  const { queueName, keyPrefix } = leftovers.names('worker');
  const config = { ...base, queueName, keyPrefix, handlerMs: 0 };
  const queue = leftovers.queue(queueName);
  try {
    const api = await startChild(SERVER, ['queue', adapter], {
      label: 'queue-bench worker-api',
      env: { BENCH_CONFIG: JSON.stringify({ ...config, worker: false }) },
    });
    let enqueued;
    let enqueueRps;
    try {
      pinSelf(GENERATOR_CPU);
      const source = await deliveries.unique(SENDER, Infinity);
      const t0 = performance.now();
      enqueued = await load(api.port, source, { next: 0 }, { amount: backlog, connections });
      enqueueRps = enqueued.requests.total / ((performance.now() - t0) / 1000);
    } finally {
      await api.stop();
      pinSelf(ALL_CPUS);
    }
    const waiting = await queue.getWaitingCount();
    if (enqueued['2xx'] !== backlog || waiting !== backlog)
      console.warn(`  ! worker backlog: ${enqueued['2xx']} acknowledged, ${waiting} waiting of ${backlog}`);

    const worker = await startChild(SERVER, ['worker', adapter], {
      label: 'queue-bench worker',
      env: { BENCH_CONFIG: JSON.stringify({ ...config, worker: true }) },
    });
    try {
      const deadline = Date.now() + DRAIN_TIMEOUT_MS;
      let counts;
      // Done when nothing is left to run: the completed count itself stops at keepProcessed (10,000).
      for (;;) {
        counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
        const left = counts.waiting + counts.active + counts.delayed + counts.prioritized;
        if (left === 0) break;
        if (Date.now() > deadline) throw new Error(`worker: ${left} of ${waiting} left after the timeout`);
        await sleep(20);
      }
      const doneAt = performance.timeOrigin + performance.now();
      const stats = await worker.stats();
      const seconds = (doneAt - stats.firstAt) / 1000;
      const completed = waiting - counts.failed;
      return {
        backlog: waiting,
        acknowledged: enqueued['2xx'],
        enqueueRps,
        completed,
        failed: counts.failed,
        handled: stats.handled,
        seconds,
        rate: completed / seconds,
        concurrency: base.concurrency ?? 10,
      };
    } finally {
      await worker.stop();
    }
  } finally {
    await queue.close();
  }
}

/**
 * `{ skipped }` when Redis is not there, else `{ redisUrl, byAdapter: { [adapter]: { slow, ack } },
 * worker }`.
 */
export async function measureQueue({
  credentials,
  deliveries = new Deliveries(credentials),
  adapters = ['express', 'fastify'],
  duration,
  warmup,
  rounds,
  backlog,
  connections = QUEUE_CONNECTIONS,
  redisUrl = defaultRedisUrl(),
}) {
  const problem = await redisProblem(redisUrl);
  if (problem !== undefined) return { skipped: `no Redis at ${redisUrl} (${problem})` };
  const leftovers = new Leftovers(redisUrl);
  // Inkit's alone: the other senders' routes are not loaded.
  const base = { senders: { [SENDER]: credentials[SENDER].credentials }, redisUrl, store: 'redis' };
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const settings = { duration, warmup, rounds, connections, deliveries, redis };
  const byAdapter = {};
  try {
    for (const adapter of adapters) {
      const app = (label, kind, extra) => ({
        kind,
        adapter,
        config: { ...base, ...leftovers.names(`${adapter}-${label}`), ...extra },
      });
      console.log(`queue ${adapter}: (a) ${SLOW_HANDLER_MS} ms handler, inline vs queue mode ...`);
      const slow = await sideBySide(
        {
          inline: app('slow-inline', 'inline', { handlerMs: SLOW_HANDLER_MS }),
          queue: app('slow-queue', 'queue', { handlerMs: SLOW_HANDLER_MS, worker: true }),
        },
        [
          { key: 'inline', server: 'inline' },
          { key: 'queue', server: 'queue' },
          // The senders' load that the inline route kept up with, sent to queue mode.
          {
            key: 'queueAtInlineRate',
            server: 'queue',
            rate: (warm) => Math.max(1, Math.round(warm.inline.rps)),
          },
        ],
        settings,
      );
      console.log(`queue ${adapter}: (b) no-op handler, acknowledgement path ...`);
      const ack = await sideBySide(
        {
          inline: app('ack-inline', 'inline', { handlerMs: 0 }),
          inlineMemory: app('ack-inline-memory', 'inline', { handlerMs: 0, store: 'memory' }),
          queue: app('ack-queue', 'queue', { handlerMs: 0, worker: false }),
        },
        [
          { key: 'inline', server: 'inline' },
          { key: 'inlineMemory', server: 'inlineMemory' },
          { key: 'queue', server: 'queue' },
        ],
        settings,
      );
      byAdapter[adapter] = { slow, ack };
    }
    console.log(`queue: (c) one worker process, ${int(backlog)} queued deliveries ...`);
    const worker = await workerThroughput({
      adapter: adapters[0],
      backlog,
      connections,
      deliveries,
      base,
      leftovers,
    });
    return { redisUrl, connections, byAdapter, worker };
  } finally {
    redis.disconnect();
    await leftovers
      .remove()
      .catch((error) => console.warn(`  ! could not remove the bench's queues and keys: ${error.message}`));
  }
}

/** [verdict, target, measured] rows for the targets table. */
export function queueTargets(results) {
  if (results.skipped) return [];
  const rows = [];
  for (const [adapter, { slow, ack }] of Object.entries(results.byAdapter)) {
    const name = adapter === 'express' ? 'Express' : 'Fastify';
    rows.push([
      slow.queueAtInlineRate.p99 < TARGETS.ackP99Ms ? 'PASS' : 'MISS',
      `${name} queue mode, ${SLOW_HANDLER_MS} ms handler: acknowledged p99 < ${TARGETS.ackP99Ms} ms (at the inline route's rate)`,
      `${ms(slow.queueAtInlineRate.p99)} ms (inline ${ms(slow.inline.p99)} ms)`,
    ]);
    rows.push([
      ack.queue.rps >= TARGETS.ackShare * ack.inline.rps ? 'PASS' : 'MISS',
      `${name} queue mode acknowledgement: >= ${pct(TARGETS.ackShare)} of inline rps (no-op handler, same store)`,
      `${pct(ack.queue.rps / ack.inline.rps)} (${pct(ack.queue.rps / ack.inlineMemory.rps)} of inline with the memory store)`,
    ]);
  }
  return rows;
}

export function printQueue(results) {
  if (results.skipped) {
    console.log(`queue mode: skipped, ${results.skipped}`);
    return;
  }
  const row = (adapter, label, r) => [
    adapter,
    label,
    int(r.rps),
    `${ms(r.p50)}/${ms(r.p99)}`,
    pct(r.serverCpu),
    pct(r.redisCpu),
    int(r.failed),
  ];
  const headers = ['adapter', 'route', 'rps', 'p50/p99 (ms)', 'cpu srv', 'cpu redis', 'failed'];
  console.log(
    `(a) ${SLOW_HANDLER_MS} ms handler, ${results.connections} connections: the inline route answers after it, queue mode once Redis holds the delivery\n`,
  );
  table(
    headers,
    Object.entries(results.byAdapter).flatMap(([adapter, { slow }]) => [
      row(adapter, 'inline', slow.inline),
      row(adapter, 'queue mode, as fast as it answers', slow.queue),
      row(
        adapter,
        `queue mode, at the inline rate (${int(slow.queueAtInlineRate.rate)}/s)`,
        slow.queueAtInlineRate,
      ),
    ]),
  );
  console.log(
    "queue mode's worker runs in the same process (concurrency 10); as fast as it answers, its latency is the wait for the CPU of 50 connections",
  );
  console.log(`\n(b) no-op handler, ${results.connections} connections: the acknowledgement path\n`);
  table(
    [...headers, 'queue/this'],
    Object.entries(results.byAdapter).flatMap(([adapter, { ack }]) => [
      [...row(adapter, 'inline, RedisIdempotencyStore', ack.inline), pct(ack.queue.rps / ack.inline.rps)],
      [
        ...row(adapter, 'inline, memory store (default)', ack.inlineMemory),
        pct(ack.queue.rps / ack.inlineMemory.rps),
      ],
      [...row(adapter, 'queue mode, API only (no worker)', ack.queue), ''],
    ]),
  );
  console.log(
    'inline: verify, validate, claim, handler, complete; queue mode: verify, validate, look the job up, add it (Redis)',
  );
  console.log(
    'cpu srv / cpu redis: CPU time of the server / of Redis per second of the rounds; Redis is not pinned, and shares the CPUs with the server and the load generator',
  );
  const w = results.worker;
  console.log(
    `\n(c) one worker process (concurrency ${w.concurrency}), no-op handler: ${int(w.backlog)} deliveries queued (${int(w.enqueueRps)}/s through the API), then processed in ${w.seconds.toFixed(2)} s: ${int(w.rate)} deliveries/s (completed ${int(w.completed)}, failed ${int(w.failed)}, handler calls ${int(w.handled)})`,
  );
  console.log(
    'per delivery: claim in RedisIdempotencyStore, validate again from the bytes, handler, complete, and BullMQ moving the job on',
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values: flags } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      backlog: { type: 'string' },
      adapters: { type: 'string', default: 'express,fastify' },
    },
  });
  const settings = {
    duration: Number(flags.duration ?? (flags.quick ? 2 : 10)),
    warmup: Number(flags.warmup ?? (flags.quick ? 1 : 3)),
    rounds: flags.quick ? 2 : 5,
    backlog: Number(flags.backlog ?? (flags.quick ? 5000 : 20_000)),
    adapters: flags.adapters.split(',').filter(Boolean),
  };
  console.log(
    `settings: ${QUEUE_CONNECTIONS} connections; per route ${settings.warmup}s warm-up, then ${settings.duration}s measured in ${settings.rounds} interleaved rounds; worker backlog ${settings.backlog}\n`,
  );
  const results = await measureQueue({ credentials: createCredentials(), ...settings });
  console.log(
    '\n## Queue mode vs inline (requests/s, latency p50/p99 in ms; median of interleaved rounds)\n',
  );
  printQueue(results);
  const targets = queueTargets(results);
  if (targets.length > 0) {
    console.log('');
    table(['', 'target', 'measured'], targets);
  }
}
