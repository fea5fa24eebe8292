// What the bench scripts share: where their processes run on this 2-core machine, how a server
// child is started and asked for its figures, and how results are printed.
import { execFileSync, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

function commandExists(command) {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// 2 cores: the server under test on one, the load generator on the other.
export const PINNED = availableParallelism() >= 2 && commandExists('taskset');
export const SERVER_CPU = '0';
export const GENERATOR_CPU = '1';
export const ALL_CPUS = `0-${availableParallelism() - 1}`;

export function spawnOn(cpu, args, options) {
  return PINNED
    ? spawn('taskset', ['-c', cpu, process.execPath, ...args], options)
    : spawn(process.execPath, args, options);
}

/** All threads of this process; signing workers started later inherit it. */
export function pinSelf(cpus) {
  if (PINNED) execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
}

function request(child, message) {
  return new Promise((resolve) => {
    child.once('message', (reply) => resolve(reply.stats));
    child.send(message);
  });
}

/**
 * A server in its own process on the server CPU, speaking server.mjs's protocol: it sends its
 * port, then answers "stats" (and the like) with `{ stats }` and leaves on "exit".
 */
export async function startChild(script, args, { env, label, execArgv = [] }) {
  const child = spawnOn(SERVER_CPU, [...execArgv, script, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  const port = await new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`${label}: server exited (${code}) before listening`)));
  });
  return {
    port,
    stats: (message = 'stats') => request(child, message),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.send('exit');
      }),
  };
}

/** Share of one CPU used between two `process.cpuUsage()` readings `ms` apart. */
export const cpuShare = (before, after, ms) =>
  (after.user + after.system - before.user - before.system) / 1000 / ms;
export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// ---------------------------------------------------------------- calls per second

/** Where results go, so that no call's work can be optimized away. */
let sink = 0;

/** Calls per second of a synchronous function, in batches so the clock is read rarely. */
function rate(fn, ms) {
  const start = performance.now();
  let calls = 0;
  do {
    for (let i = 0; i < 64; i++) sink += fn() ? 1 : 0;
    calls += 64;
  } while (performance.now() - start < ms);
  return (calls * 1000) / (performance.now() - start);
}

/** The same for an async function, each call awaited before the next, as a route would. */
async function rateAsync(fn, ms) {
  const start = performance.now();
  let calls = 0;
  do {
    for (let i = 0; i < 64; i++) sink += (await fn()) ? 1 : 0;
    calls += 64;
  } while (performance.now() - start < ms);
  return (calls * 1000) / (performance.now() - start);
}

/**
 * Calls per second of each candidate (a function answering truthy), measured in interleaved
 * rounds so drift in the machine's speed touches every candidate alike; the median of each.
 */
export async function compareRates(candidates, { rounds, roundMs }) {
  const samples = Object.fromEntries(Object.keys(candidates).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, fn] of Object.entries(candidates)) {
      samples[name].push(
        fn.constructor.name === 'AsyncFunction' ? await rateAsync(fn, roundMs) : rate(fn, roundMs),
      );
    }
  }
  if (sink < 0) console.log(sink);
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

// ---------------------------------------------------------------- printing

export function table(headers, rows) {
  const cells = [headers, ...rows].map((row) => row.map(String));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(
    [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n'),
  );
}

export const int = (n) => Math.round(n).toLocaleString('en-US');
export const pct = (n) => `${(n * 100).toFixed(1)}%`;
export const ms = (n) => n.toFixed(2);
export const ratio = (n) => `${n.toFixed(2)}x`;
