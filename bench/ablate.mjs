// Where a webhook route's time goes, by taking steps away: `node bench/ablate.mjs [options] spec...`
//
//   spec      baseline | module | floor | module:<ablation> | <spec>@<checkout>
//   ablation  nostore (a store that claims everything), nodispatch (no handler lookup or call),
//             noprocess (nothing after the guard: no parse, validation, store, dispatch, report)
//   @checkout the same server from another version of this repository, to compare two versions of
//             the code side by side: a directory (another checkout, its library built, its
//             `nestjs-webhooks` resolving to its own library: `module@/tmp/before module`), or a git
//             revision (`module@90c57fe module`), checked out in a temporary worktree whose
//             node_modules link to this checkout's (its own library in place of this one), its
//             library built there, and the worktree removed at the end (--keep-checkouts keeps it).
//             Every server gets the same configuration, readable by code from before senders
//             were units (`providers`) as well as after (`senders`): see serverConfig.
//
// Options: --adapter express|fastify (fastify), --sender <sender> (inkit), --rounds N (6),
// --seconds N per round (2). Every spec's server is started, warmed up, then measured in
// interleaved rounds; the median round is printed with its cost per request, and the ratio to
// the first spec. Differences of a few percent are noise on a shared machine: repeat.
import autocannon from 'autocannon';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCredentials, Deliveries, PATHS, SENDERS, serverConfig } from './deliveries.mjs';

const { values: flags, positionals: specs } = parseArgs({
  allowPositionals: true,
  options: {
    adapter: { type: 'string', default: 'fastify' },
    sender: { type: 'string', default: 'inkit' },
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '2' },
    'keep-checkouts': { type: 'boolean', default: false },
  },
});
if (specs.length === 0) throw new Error('name the servers to compare, e.g. baseline module module:nostore');
if (!SENDERS.includes(flags.sender)) throw new Error(`--sender must be one of ${SENDERS.join(', ')}`);
const SECONDS = Number(flags.seconds);
const credentials = createCredentials();
const config = serverConfig(credentials, { idempotency: { maxEntries: 2_000_000 } });
const deliveries = new Deliveries(credentials);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pinned = (() => {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// ---------------------------------------------------------------- other versions of the code

const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
/** Worktrees made for this run, removed at the end unless --keep-checkouts. */
const made = [];

/**
 * This checkout's dependencies, for a worktree that has none: each entry of node_modules linked,
 * except the workspace packages, which are linked to the worktree's own (its library, not this one).
 */
function linkDependencies(dir) {
  const from = join(ROOT, 'node_modules');
  const to = join(dir, 'node_modules');
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const source = join(from, name);
    const target = join(to, name);
    if (existsSync(target)) continue;
    const link = lstatSync(source).isSymbolicLink() ? readlinkSync(source) : undefined;
    const local =
      link !== undefined && !isAbsolute(link) && !relative(ROOT, resolve(from, link)).startsWith('..');
    // A workspace package (`nestjs-webhooks -> ../libs/webhooks`) points into the worktree.
    symlinkSync(local ? link : source, target);
  }
}

/** The directory of a version: the directory itself, or a worktree of a git revision, built. */
function checkoutOf(ref) {
  if (existsSync(join(ref, 'bench/server.mjs'))) return resolve(ref);
  let sha;
  try {
    sha = git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch {
    throw new Error(`${ref}: neither a checkout of this repository nor a git revision`);
  }
  const dir = join(tmpdir(), `nestjs-webhooks-ablate-${sha.slice(0, 12)}`);
  if (!existsSync(dir)) {
    console.log(`checking out ${ref} (${sha.slice(0, 12)}) in ${dir} ...`);
    git('worktree', 'add', '--detach', dir, sha);
    made.push(dir);
  }
  linkDependencies(dir);
  if (!existsSync(join(dir, 'libs/webhooks/dist/index.js'))) {
    console.log(`building its library ...`);
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'libs/webhooks/tsconfig.lib.json'],
      { cwd: dir, stdio: 'inherit' },
    );
  }
  return dir;
}

function removeCheckouts() {
  if (flags['keep-checkouts']) {
    for (const dir of made) console.log(`kept ${dir} (git worktree remove --force ${dir})`);
    return;
  }
  for (const dir of made) {
    // The links first, so that nothing can follow them into this checkout's node_modules.
    rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
    git('worktree', 'remove', '--force', dir);
  }
}

/** Each version's directory, by the name the specs give it. */
const checkouts = new Map();

// ---------------------------------------------------------------- servers and load

async function start(spec) {
  const [main, checkout] = spec.split('@');
  const [kind, ablation = ''] = main.split(':');
  const server = checkout
    ? join(checkouts.get(checkout), 'bench/server.mjs')
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
        BENCH_CONFIG: JSON.stringify(config),
      },
    },
  );
  const port = await new Promise((done, fail) => {
    child.once('message', (message) => done(message.port));
    child.once('exit', (code) => fail(new Error(`${spec}: server exited (${code}) before listening`)));
  });
  return { spec, child, port, cursor: { next: 0 }, rps: [], cpu: [] };
}

const stats = (server) =>
  new Promise((done) => {
    server.child.once('message', (message) => done(message.stats));
    server.child.send('stats');
  });

const servers = [];
// Each server has a store of its own: they all take the same deliveries, from the first. Pools
// signed ahead (illow's RSA) are sized for 10,000 requests/s, beyond any route's rate here.
const source = await deliveries.unique(flags.sender, (2 + Number(flags.rounds) * SECONDS) * 10_000);
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
  for (const spec of specs) {
    const ref = spec.split('@')[1];
    if (ref !== undefined && !checkouts.has(ref)) checkouts.set(ref, checkoutOf(ref));
  }
  for (const spec of specs) servers.push(await start(spec));
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
  await Promise.all(
    servers.map(({ child }) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((done) => child.once('exit', done)),
    ),
  );
  removeCheckouts();
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
