#!/usr/bin/env node
// Proves the published package works for a user, as both READMEs show it.
//
// 1. `npm pack` the library once (its prepack builds a clean dist/) and check what the tarball
//    holds; lint the tarball with publint and with attw (see ATTW below).
// 2. For each supported Nest major, a fresh consumer outside the repository installs the tarball
//    (one `npm install`, peers enforced: no --legacy-peer-deps, no --force) and holds two apps that
//    share its node_modules: esm/ ("type": "module") and cjs/ ("type": "commonjs", so TypeScript's
//    `module: nodenext` emits require() and Node loads the ESM package through require(esm)).
// 3. Each app compiles the READMEs' runnable snippets with the consumer's own tsc (nodenext,
//    experimentalDecorators, emitDecoratorMetadata, strict, noUnusedLocals) beside a harness, then
//    boots them on Express and on Fastify under a global ValidationPipe({ whitelist, transform })
//    and a global prefix `api`, and checks the replies: the module's route answers a signed
//    delivery 200 `OK` (the snippet's @OnWebhook handler ran, once: a duplicate is 200 and does not
//    run it again) and a forged one 401; the snippet's guarded controller answers 200, 401 forged,
//    and 400 to a signed body without resource_id (so the ValidationPipe saw the DTO's class in the
//    decorator metadata). Without INKIT_WEBHOOK_SECRET the app must refuse to start, naming it.
// 4. The bin runs from each consumer: node_modules/.bin/nestjs-webhooks --help.
//
// Runnable snippets: a ```ts block right after `<!-- pack-check: FILE.ts -->`, in README.md and in
// libs/webhooks/README.md, the same snippets in both. A ts block without the marker fails the
// check: a fragment belongs in prose or in a block of another language. The harness imports
// AppModule from app.module.ts and InkitController from inkit.controller.ts.
//
// Environment: PACK_CHECK_KEEP=1 keeps the temporary folder (its path is printed);
// PACK_CHECK_NODES=/path/to/node[:/other/node] runs every app on those Node binaries as well.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const started = performance.now();
const root = fileURLToPath(new URL('..', import.meta.url));
const lib = join(root, 'libs/webhooks');
const work = mkdtempSync(join(tmpdir(), 'nestjs-webhooks-pack-'));
const keep = process.env.PACK_CHECK_KEEP === '1';
const SECRET = 'pack-check-inkit-secret-0123456789';
const HARNESS = 'pack-check.harness.ts';
const REQUIRED_SNIPPETS = { 'app.module.ts': 'AppModule', 'inkit.controller.ts': 'InkitController' };

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const receiver = readJson(join(root, 'apps/receiver/package.json')).dependencies;
const tools = readJson(join(root, 'package.json')).devDependencies;
const pick = (versions, ...names) => Object.fromEntries(names.map((n) => [n, versions[n]]));
const SHARED = ['class-transformer', 'reflect-metadata', 'rxjs'];

/**
 * One consumer per Nest major. Nest 12 takes the reference receiver's versions and the
 * workspace's TypeScript; Nest 11 its own line (event-emitter 3.x, platform-fastify 11), the
 * oldest class-validator line the peers admit, and TypeScript 5.9 (a CommonJS file may import an
 * ES module under `module: nodenext` from TypeScript 5.8 on).
 */
const MAJORS = [
  {
    name: 'nest11',
    dependencies: {
      '@nestjs/common': '^11.0.0',
      '@nestjs/core': '^11.0.0',
      '@nestjs/platform-express': '^11.0.0',
      '@nestjs/platform-fastify': '^11.0.0',
      '@nestjs/event-emitter': '^3.0.0',
      'class-validator': '^0.14.0',
      ...pick(receiver, ...SHARED),
    },
    devDependencies: { typescript: '~5.9.0', '@types/node': tools['@types/node'] },
  },
  {
    name: 'nest12',
    dependencies: pick(
      receiver,
      '@nestjs/common',
      '@nestjs/core',
      '@nestjs/platform-express',
      '@nestjs/platform-fastify',
      '@nestjs/event-emitter',
      'class-validator',
      ...SHARED,
    ),
    devDependencies: pick(tools, 'typescript', '@types/node'),
  },
];
const KINDS = ['esm', 'cjs'];

class Failure extends Error {
  constructor(message, output = '') {
    super(output.trim() ? `${message}\n${indent(tail(output))}` : message);
  }
}
const tail = (text, lines = 40) => text.trimEnd().split('\n').slice(-lines).join('\n');
const indent = (text) => text.replace(/^/gm, '    ');
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const say = (line) => console.log(`pack-check: ${line}`);

/** Runs a command to completion; rejects with its output's tail unless it exits 0. */
function run(cmd, args, { cwd, env = process.env, timeout = 240_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Failure(`${cmd} could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout, stderr });
      const how = signal
        ? `was killed (${signal}${signal === 'SIGKILL' ? `, over ${timeout / 1000} s` : ''})`
        : `exited with ${code}`;
      const where = relative(work, cwd ?? '.') || cwd;
      const output = [stdout, stderr].filter((text) => text.trim()).join('\n');
      reject(new Failure(`\`${[cmd, ...args].join(' ')}\` in ${where} ${how}`, output));
    });
  });
}

/** The runnable snippets of a README by file name, and what is wrong with its ts blocks. */
function snippetsOf(file) {
  const name = relative(root, file);
  const text = readFileSync(file, 'utf8');
  const snippets = new Map();
  const problems = [];
  const used = new Set();
  for (const block of text.matchAll(/^```([^\s`]*)[^\n]*\n([\s\S]*?)^```[ \t]*$/gm)) {
    if (!/^(ts|typescript|tsx|mts|cts)$/i.test(block[1])) continue;
    const before = text.slice(0, block.index);
    const line = before.split('\n').length;
    const marker = before.trimEnd().match(/<!-- pack-check: (\S+) -->$/);
    if (!marker) {
      problems.push(
        `${name}:${line}: a ${block[1]} block without a <!-- pack-check: FILE.ts --> marker: mark it runnable, or make a fragment prose or a block of another language`,
      );
      continue;
    }
    const [, snippet] = marker;
    used.add(marker.index);
    if (!/^[\w-]+(\.[\w-]+)*\.ts$/.test(snippet) || snippet === HARNESS) {
      problems.push(`${name}:${line}: "${snippet}" cannot name a snippet file`);
    } else if (snippets.has(snippet)) {
      problems.push(`${name}:${line}: a second snippet named ${snippet}`);
    } else {
      snippets.set(snippet, block[2]);
    }
  }
  for (const marker of text.matchAll(/<!-- pack-check:[^>]*-->/g)) {
    if (!used.has(marker.index)) {
      problems.push(
        `${name}:${text.slice(0, marker.index).split('\n').length}: a marker not followed by a ts block`,
      );
    }
  }
  for (const [snippet, exported] of Object.entries(REQUIRED_SNIPPETS)) {
    if (!snippets.has(snippet)) {
      problems.push(`${name}: no snippet named ${snippet} (the harness imports ${exported} from it)`);
    } else if (!new RegExp(`export class ${exported}\\b`).test(snippets.get(snippet))) {
      problems.push(`${name}: ${snippet} does not export class ${exported} (the harness imports it)`);
    }
  }
  return { snippets, problems };
}

function readmeSnippets() {
  const repo = snippetsOf(join(root, 'README.md'));
  const pkg = snippetsOf(join(lib, 'README.md'));
  const problems = [...repo.problems, ...pkg.problems];
  for (const name of new Set([...repo.snippets.keys(), ...pkg.snippets.keys()])) {
    if (!repo.snippets.has(name)) problems.push(`${name} is in libs/webhooks/README.md only`);
    else if (!pkg.snippets.has(name)) problems.push(`${name} is in README.md only`);
    else if (repo.snippets.get(name) !== pkg.snippets.get(name)) {
      problems.push(`${name} differs between README.md and libs/webhooks/README.md`);
    }
  }
  if (problems.length) throw new Failure(`README snippets:\n${indent(problems.join('\n'))}`);
  return repo.snippets;
}

async function pack() {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: lib });
  const [packed] = JSON.parse(stdout.slice(stdout.search(/^\[/m)));
  const files = packed.files.map((f) => f.path);
  const missing = [
    'package.json',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/testing/index.js',
    'dist/testing/index.d.ts',
    'dist/cli/main.js',
    'bin/nestjs-webhooks.js',
    'README.md',
    'CHANGELOG.md',
    'LICENSE',
  ].filter((file) => !files.includes(file));
  if (missing.length) throw new Failure(`the tarball lacks ${missing.join(', ')}`);
  const leaked = files.filter((f) => /\.spec\.|(^|\/)src\/|(?<!\.d)\.[mc]?ts$/.test(f));
  if (leaked.length) throw new Failure(`the tarball ships test or source files: ${leaked.join(', ')}`);
  say(`${packed.filename}: ${files.length} files, ${packed.size} bytes; no spec or source file`);
  return join(work, packed.filename);
}

/** publint and attw on the very tarball the consumers install (no second pack). */
async function lint(tarball) {
  const bin = (name) => join(root, 'node_modules/.bin', name);
  const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  await run(bin('publint'), ['run', tarball, '--strict'], { cwd: work, env });
  // ATTW: --ignore-rules cjs-resolves-to-esm because the package is ESM only and CommonJS apps load
  // it through require(esm) (Node ^20.19 || >=22.12, the package's engines; TypeScript >= 5.8
  // under module nodenext); the node16 profile leaves out node10 resolution, which knows no
  // exports map (and so no nestjs-webhooks/testing).
  await run(bin('attw'), [tarball, '--profile', 'node16', '--ignore-rules', 'cjs-resolves-to-esm'], {
    cwd: work,
    env,
  });
  return 'publint --strict and attw --profile node16 (ignoring cjs-resolves-to-esm) pass on the tarball';
}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2023',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    noUnusedLocals: true,
    isolatedModules: true,
    esModuleInterop: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    skipLibCheck: true,
    types: ['node'],
    rootDir: 'src',
    outDir: 'dist',
  },
  include: ['src'],
};

async function install(major, tarball) {
  const since = performance.now();
  const dir = join(work, major.name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: `pack-check-${major.name}`,
        private: true,
        dependencies: { 'nestjs-webhooks': `file:${relative(dir, tarball)}`, ...major.dependencies },
        devDependencies: major.devDependencies,
      },
      null,
      2,
    )}\n`,
  );
  // Peers enforced whatever the machine's npm config says: a conflict must fail, as it would for a user.
  const { stdout, stderr } = await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--legacy-peer-deps=false',
      '--strict-peer-deps=false',
    ],
    { cwd: dir },
  );
  if (/ERESOLVE/.test(stdout + stderr)) {
    throw new Failure(`${major.name}: npm resolved a peer conflict by overriding it`, stdout + stderr);
  }
  const version = (name) => readJson(join(dir, 'node_modules', name, 'package.json')).version;
  const versions = `Nest ${version('@nestjs/core')}, event-emitter ${version('@nestjs/event-emitter')}, platform-fastify ${version('@nestjs/platform-fastify')}, class-validator ${version('class-validator')}, TypeScript ${version('typescript')}`;
  const help = await run(join(dir, 'node_modules/.bin/nestjs-webhooks'), ['--help'], { cwd: dir });
  if (!help.stdout.startsWith('nestjs-webhooks:'))
    throw new Failure(`${major.name}: unexpected --help`, help.stdout);
  say(
    `${major.name}: installed in ${seconds(since)} (${versions}); node_modules/.bin/nestjs-webhooks --help exits 0`,
  );
  return { dir, versions };
}

async function consumer(major, installed, kind, snippets, nodes) {
  const since = performance.now();
  const app = join(installed.dir, kind);
  mkdirSync(join(app, 'src'), { recursive: true });
  const type = kind === 'esm' ? 'module' : 'commonjs';
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ private: true, type }, null, 2)}\n`);
  writeFileSync(join(app, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  for (const [name, code] of snippets) writeFileSync(join(app, 'src', name), code);
  writeFileSync(join(app, 'src', HARNESS), harnessSource());

  const tsc = join(installed.dir, 'node_modules/typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app });
  const emitted = readFileSync(join(app, 'dist/app.module.js'), 'utf8');
  const format = kind === 'esm' ? /\bfrom ["']nestjs-webhooks["']/ : /\brequire\(["']nestjs-webhooks["']\)/;
  if (!format.test(emitted)) throw new Failure(`tsc did not emit ${kind} for app.module.ts`, emitted);

  const main = join(app, 'dist', HARNESS.replace(/\.ts$/, '.js'));
  const checked = [];
  let summary = '';
  for (const node of nodes) {
    const env = { ...process.env, INKIT_WEBHOOK_SECRET: SECRET };
    const { stdout } = await run(node, [main], { cwd: app, env, timeout: 60_000 });
    const report = JSON.parse(stdout.trim().split('\n').at(-1));
    delete env.INKIT_WEBHOOK_SECRET;
    const unset = await run(node, [main, '--without-secret'], { cwd: app, env, timeout: 60_000 });
    checked.push(report.node);
    if (node === nodes[0]) {
      // "express: …; fastify: …" as one "express and fastify: …" when both passed the same checks.
      const [first, ...others] = report.checks.map((check) => check.replace(/^\w+: /, ''));
      const same = others.every((other) => other === first);
      const adapters = report.checks.map((check) => check.split(':')[0]).join(' and ');
      summary = `${same ? `${adapters}: ${first}` : report.checks.join('; ')}; ${unset.stdout.trim()}`;
    }
  }
  return `${major.name}/${kind} PASS in ${seconds(since)} (${installed.versions}; Node ${checked.join(', ')}): snippets compiled to ${kind === 'esm' ? 'ESM' : 'CommonJS'}; ${summary}`;
}

/** The app around the snippets, compiled with them: it boots them and checks every reply. */
function harnessSource() {
  return `// Written by scripts/pack-check.mjs: boots the README's snippets as an app would, on Express and
// on Fastify, with a global ValidationPipe and prefix, and checks every reply. Its last stdout line
// is a JSON report; any failed check exits 1 naming it.
import { Module, ValidationPipe, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { signInkit } from 'nestjs-webhooks/testing';
import { AppModule } from './app.module.js';
import { InkitController } from './inkit.controller.js';

// The guarded controller in a module that does not import WebhooksModule: the guard resolves
// there because WebhooksModule is global by default.
@Module({ controllers: [InkitController] })
class IntegrationsModule {}

@Module({ imports: [AppModule, IntegrationsModule] })
class HarnessModule {}

interface Line {
  level: string;
  message: string;
  context?: string;
}
const lines: Line[] = [];
const capture =
  (level: string) =>
  (message: unknown, ...rest: unknown[]): void => {
    const last = rest[rest.length - 1];
    const text = message instanceof Error ? (message.stack ?? message.message) : String(message);
    lines.push({ level, message: text, context: typeof last === 'string' ? last : undefined });
  };
const logger: LoggerService = {
  log: capture('log'),
  error: capture('error'),
  warn: capture('warn'),
  debug: capture('debug'),
  verbose: capture('verbose'),
  fatal: capture('fatal'),
};
const problems = (): string =>
  lines
    .filter((line) => line.level === 'error' || line.level === 'warn' || line.level === 'fatal')
    .map((line) => \`  [\${line.level}] \${line.context ?? ''} \${line.message}\`)
    .join('\\n');

type Adapter = 'express' | 'fastify';
function create(adapter: Adapter): Promise<INestApplication> {
  const http = adapter === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  return NestFactory.create(HarnessModule, http, { logger, abortOnError: false });
}

interface Reply {
  status: number;
  text: string;
}
async function post(url: string, body: string, headers: Record<string, string>): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, text: await response.text() };
}

function expect(what: string, reply: Reply, status: number, text?: string | RegExp): void {
  const textOk = text === undefined || (typeof text === 'string' ? reply.text === text : text.test(reply.text));
  if (reply.status !== status || !textOk) {
    throw new Error(
      \`\${what}: expected \${status}\${text === undefined ? '' : \` \${String(text)}\`}, got \${reply.status} \${reply.text.slice(0, 400)}\`,
    );
  }
}

const logged = (context: string, id: string): number =>
  lines.filter((line) => line.context === context && line.message.includes(id)).length;

async function check(adapter: Adapter): Promise<string> {
  const app = await create(adapter);
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, transform: true }));
  app.setGlobalPrefix('api');
  await app.listen(0, '127.0.0.1');
  try {
    const base = await app.getUrl();
    const secret = process.env.INKIT_WEBHOOK_SECRET ?? '';
    const forged = (body: string) => signInkit(body, { secret: 'not-the-secret' });
    const id = \`doc_\${adapter}_\${process.pid}\`;

    const route = \`\${base}/api/webhooks/inkit\`;
    const body = JSON.stringify({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: id });
    expect(\`\${adapter} POST /api/webhooks/inkit, signed\`, await post(route, body, signInkit(body, { secret })), 200, 'OK');
    if (logged('Documents', id) !== 1) {
      throw new Error(
        \`\${adapter}: the README's @OnWebhook('inkit.DOCUMENT_CREATE_FINISHED') handler (Documents) logged \${id} \${logged('Documents', id)} times, not once\`,
      );
    }
    expect(\`\${adapter} POST /api/webhooks/inkit, the same delivery again\`, await post(route, body, signInkit(body, { secret })), 200, 'OK');
    if (logged('Documents', id) !== 1) throw new Error(\`\${adapter}: the handler ran again for a duplicate delivery\`);
    expect(\`\${adapter} POST /api/webhooks/inkit, forged\`, await post(route, body, forged(body)), 401);

    const guarded = \`\${base}/api/integrations/inkit\`;
    const own = JSON.stringify({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: \`\${id}_own\` });
    expect(\`\${adapter} POST /api/integrations/inkit, signed\`, await post(guarded, own, signInkit(own, { secret })), 200, 'OK');
    if (logged('InkitController', \`\${id}_own\`) !== 1) {
      const said = lines.filter((line) => line.context === 'InkitController').map((line) => line.message);
      throw new Error(
        \`\${adapter}: the guarded route answered 200 but its handler did not see the body's resource_id (it logged: \${JSON.stringify(said)}); a DTO imported with \\\`import type\\\` leaves the ValidationPipe no class to transform into\`,
      );
    }
    expect(\`\${adapter} POST /api/integrations/inkit, forged\`, await post(guarded, own, forged(own)), 401);
    const invalid = JSON.stringify({ event_type: 'DOCUMENT_CREATE_FINISHED' });
    expect(
      \`\${adapter} POST /api/integrations/inkit, signed without resource_id (the ValidationPipe must see InkitWebhookDto)\`,
      await post(guarded, invalid, signInkit(invalid, { secret })),
      400,
      /resource_id/,
    );
    return \`\${adapter}: /api/webhooks/inkit 200 OK, handler ran once, duplicate 200 not re-run, forged 401; /api/integrations/inkit 200, forged 401, no resource_id 400\`;
  } finally {
    await app.close();
  }
}

async function withoutSecret(): Promise<string> {
  try {
    const app = await create('express');
    await app.close();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/inkit/.test(message) && /secret/.test(message)) return 'without INKIT_WEBHOOK_SECRET startup fails naming the option';
    throw new Error(\`without INKIT_WEBHOOK_SECRET, startup failed for another reason: \${message}\`);
  }
  throw new Error('without INKIT_WEBHOOK_SECRET, the app started');
}

async function main(): Promise<void> {
  if (process.argv.includes('--without-secret')) {
    console.log(await withoutSecret());
    return;
  }
  const checks = [await check('express'), await check('fastify')];
  console.log(JSON.stringify({ node: process.version, checks }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  const logged = problems();
  if (logged) console.error(\`what the app logged:\\n\${logged}\`);
  process.exitCode = 1;
});
`;
}

async function nodeBinaries() {
  const extra = (process.env.PACK_CHECK_NODES ?? '').split(':').filter(Boolean);
  for (const node of extra) if (!existsSync(node)) throw new Failure(`PACK_CHECK_NODES: no ${node}`);
  return [process.execPath, ...extra];
}

async function main() {
  const failures = [];
  const lines = [];
  try {
    const snippets = readmeSnippets();
    say(
      `README.md and libs/webhooks/README.md: the same runnable snippets (${[...snippets.keys()].join(', ')})`,
    );
    const nodes = await nodeBinaries();
    const tarball = await pack();
    const linted = lint(tarball).then(
      (line) => say(line),
      (error) => failures.push(`lint: ${error.message}`),
    );
    await Promise.all(
      MAJORS.map(async (major) => {
        let installed;
        try {
          installed = await install(major, tarball);
        } catch (error) {
          failures.push(`${major.name}: ${error.message}`);
          return;
        }
        for (const kind of KINDS) {
          try {
            lines.push(await consumer(major, installed, kind, snippets, nodes));
          } catch (error) {
            lines.push(`${major.name}/${kind} FAIL`);
            failures.push(`${major.name}/${kind}: ${error.message}`);
          }
        }
      }),
    );
    await linted;
  } catch (error) {
    failures.push(error.message);
  } finally {
    if (keep) say(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  for (const line of lines.sort()) say(line);
  if (failures.length) {
    console.error(
      `pack-check: FAILED after ${seconds(started)}\n${failures.map((f) => `- ${f}`).join('\n')}`,
    );
    if (!keep && lines.length)
      console.error('pack-check: PACK_CHECK_KEEP=1 keeps the consumer apps to look into');
    process.exit(1);
  }
  say(`all ${lines.length} consumers passed in ${seconds(started)}`);
}

await main();
