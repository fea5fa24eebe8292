#!/usr/bin/env node
// The demo: the reference receiver on a fresh embedded database with freshly made credentials,
// each sender's sample delivery sent by the CLI, then a forged one and a duplicate, and a table
// of what the receiver answered and stored. Exits non-zero if anything is not as it should be.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { SAMPLE_PAYLOADS, DEFAULT_ILLOW_EVENT, generateIllowKeyPair } = await import(
  join(root, 'libs/webhooks/dist/testing/index.js')
);
const cliPath = join(root, 'libs/webhooks/dist/cli/main.js');
const mainPath = join(root, 'apps/receiver/dist/main.js');

const work = mkdtempSync(join(tmpdir(), 'nestjs-webhooks-demo-'));
const secret = () => randomBytes(18).toString('base64url');
const illow = generateIllowKeyPair();
writeFileSync(join(work, 'illow.key.pem'), illow.privateKey, { mode: 0o600 });

const credentials = {
  OXSKYT_WEBHOOK_SECRET: secret(),
  INKIT_WEBHOOK_SECRET: secret(),
  OVCODE_API_SECRET: secret(),
  CERTIFICALL_API_KEY: `cf-${randomBytes(4).toString('hex')}`,
  CERTIFICALL_API_SECRET: secret(),
};

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = { ...process.env, ...credentials };
delete env.DATABASE_URL;
delete env.REDIS_URL;

const log = createWriteStream(join(work, 'receiver.log'));
const receiver = spawn(process.execPath, [mainPath], {
  env: {
    ...env,
    PORT: String(port),
    PGLITE_DATA_DIR: join(work, 'pglite'),
    ILLOW_PUBLIC_KEY: illow.publicKey,
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
receiver.stdout.pipe(log);
receiver.stderr.pipe(log);

const recordIds = {
  oxskyt: (body) => body.id,
  inkit: (body) => body.resource_id,
  ovcode: (body) => body.reference,
  certificall: (body) => body.cfRef,
  illow: (body) => body.metadata.id,
};

let failed = false;
try {
  await waitForHealth();
  const rows = [];
  for (const provider of Object.keys(recordIds)) {
    const body = SAMPLE_PAYLOADS[provider];
    const reply = await send(provider, []);
    rows.push(await row(provider, 'sample delivery', reply, recordIds[provider](body), 200, true));
  }

  const forgedBody = { event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: 'doc_forged_by_someone' };
  writeFileSync(join(work, 'forged.json'), JSON.stringify(forgedBody));
  const forged = await send('inkit', ['--secret', 'a-guess', '--body', join(work, 'forged.json')]);
  rows.push(await row('inkit', 'forged (wrong secret)', forged, forgedBody.resource_id, 401, false));

  const before = await record('inkit', recordIds.inkit(SAMPLE_PAYLOADS.inkit));
  const duplicate = await send('inkit', []);
  const after = await record('inkit', recordIds.inkit(SAMPLE_PAYLOADS.inkit));
  const unchanged = JSON.stringify(before) === JSON.stringify(after);
  const dupRow = await row(
    'inkit',
    'duplicate of the sample',
    duplicate,
    recordIds.inkit(SAMPLE_PAYLOADS.inkit),
    200,
    true,
  );
  dupRow.record = unchanged ? 'unchanged' : 'CHANGED';
  dupRow.ok = dupRow.ok && unchanged;
  rows.push(dupRow);

  printTable(rows);
  failed = rows.some((r) => !r.ok);
  console.log(
    failed
      ? '\nSomething was not as expected (receiver log: ' + join(work, 'receiver.log') + ')'
      : '\nAll as expected.',
  );
} catch (error) {
  failed = true;
  console.error(`demo failed: ${error.message} (receiver log: ${join(work, 'receiver.log')})`);
} finally {
  receiver.kill('SIGTERM');
  await new Promise((resolve) => receiver.once('exit', resolve));
  if (!failed) rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;

async function send(provider, extra) {
  const url = `${base}/webhooks/${provider}`;
  const args = [cliPath, 'send', provider, '--url', url, ...extra];
  if (provider === 'illow')
    args.push('--private-key', join(work, 'illow.key.pem'), '--event', DEFAULT_ILLOW_EVENT);
  const run = promisify(execFile);
  const { stdout } = await run(process.execPath, args, { env }).catch((error) => error);
  const match = /HTTP (\d{3})/.exec(stdout ?? '');
  return { status: match ? Number(match[1]) : 0, text: (stdout ?? '').split('\n').slice(1).join(' ').trim() };
}

async function record(provider, id) {
  const res = await fetch(`${base}/api/records/${provider}/${encodeURIComponent(id)}`);
  return res.status === 200 ? res.json() : undefined;
}

async function row(provider, what, reply, id, expectedStatus, expectStored) {
  const [latest] = await (await fetch(`${base}/api/deliveries?provider=${provider}&limit=1`)).json();
  const stored = Boolean(await record(provider, id));
  return {
    provider,
    delivery: what,
    event: latest?.event ?? '-',
    reply: `${reply.status} ${reply.status === 200 ? reply.text : (safeReason(reply.text) ?? '')}`.trim(),
    record: stored ? 'stored' : 'none',
    logged: latest
      ? `${latest.statusCode}${latest.duplicate ? ' duplicate' : ''}${latest.reason ? ' ' + latest.reason : ''}`
      : '-',
    ok: reply.status === expectedStatus && stored === expectStored,
  };
}

function safeReason(text) {
  try {
    return JSON.parse(text).reason;
  } catch {
    return undefined;
  }
}

function printTable(rows) {
  const columns = ['provider', 'delivery', 'event', 'reply', 'record', 'logged', 'ok'];
  const cells = rows.map((r) => columns.map((c) => (c === 'ok' ? (r.ok ? 'yes' : 'NO') : String(r[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (values) => values.map((v, i) => v.padEnd(widths[i])).join('  ');
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of cells) console.log(line(row));
}

async function waitForHealth() {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (receiver.exitCode !== null) throw new Error(`the receiver exited with code ${receiver.exitCode}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the receiver did not become healthy within 60 s');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
