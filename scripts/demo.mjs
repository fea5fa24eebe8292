#!/usr/bin/env node
// The demo: the reference receiver on a fresh embedded database with freshly made credentials,
// each sender's sample delivery sent by the CLI, then a forged one and a duplicate, and a table
// of what the receiver answered and stored. Exits non-zero if anything is not as it should be.
//
// Everything about the senders comes from their definitions (the library's BUILT_IN_SENDERS): the
// list, the credential flags and the variables the CLI and the receiver read them from, the sample
// each sends by default, the form of a secret (scripts/sender-deliveries.mjs reads it from the
// flag's placeholder). Only the receiver's variable for a public key is named here.
import { execFile, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { BUILT_IN_SENDERS } = await import(join(root, 'libs/webhooks/dist/index.js'));
const { freshSecret } = await import('./sender-deliveries.mjs');
const cliPath = join(root, 'libs/webhooks/dist/cli/main.js');
const mainPath = join(root, 'apps/receiver/dist/main.js');

/**
 * The receiver's configuration, not the senders': where it reads the public half of a key the CLI
 * signs with (the CLI's variable holds the private key).
 */
const RECEIVER_PUBLIC_KEY_VARIABLES = { illow: 'ILLOW_PUBLIC_KEY' };

const work = mkdtempSync(join(tmpdir(), 'nestjs-webhooks-demo-'));

/** Fresh credentials for every credential flag of every sender, in the variables both sides read. */
const cliEnv = {};
const receiverEnv = {};
for (const sender of BUILT_IN_SENDERS) {
  for (const [flag, credential] of Object.entries(sender.cli?.credentials ?? {})) {
    if (!credential.key) {
      cliEnv[credential.env] = receiverEnv[credential.env] = freshSecret(credential);
      continue;
    }
    const publicVariable = RECEIVER_PUBLIC_KEY_VARIABLES[sender.id];
    if (!publicVariable) throw new Error(`demo: which receiver variable takes ${sender.id}'s public key?`);
    const pair = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const file = join(work, `${sender.id}.${flag}.pem`);
    writeFileSync(file, pair.privateKey, { mode: 0o600 });
    cliEnv[credential.env] = file;
    receiverEnv[publicVariable] = pair.publicKey;
  }
}

// The story of a forged delivery and a duplicate is told with the first sender whose credentials
// are all secrets (a guessed one is easy to type).
const story = BUILT_IN_SENDERS.find(
  (sender) => sender.cli && Object.values(sender.cli.credentials).every((credential) => !credential.key),
);

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = { ...process.env, ...cliEnv };
const ownEnv = { ...process.env, ...receiverEnv };
for (const shared of [env, ownEnv]) {
  delete shared.DATABASE_URL;
  delete shared.REDIS_URL;
}

const log = createWriteStream(join(work, 'receiver.log'));
const receiver = spawn(process.execPath, [mainPath], {
  env: { ...ownEnv, PORT: String(port), PGLITE_DATA_DIR: join(work, 'pglite') },
  stdio: ['ignore', 'pipe', 'pipe'],
});
receiver.stdout.pipe(log);
receiver.stderr.pipe(log);

let failed = false;
try {
  await waitForHealth();
  const rows = [];
  for (const sender of BUILT_IN_SENDERS) {
    const reply = await send(sender, []);
    rows.push(await row(sender, 'sample delivery', reply, sender.sample.payload, 200, true));
  }

  // The sample with each of its identifiers renamed: a delivery never sent.
  const forgedBody = renamed(story.sample.payload, 'forged-by-someone');
  writeFileSync(join(work, 'forged.json'), JSON.stringify(forgedBody));
  const guesses = Object.keys(story.cli.credentials).flatMap((flag) => [`--${flag}`, 'a-guess']);
  const forged = await send(story, [...guesses, '--body', join(work, 'forged.json')]);
  rows.push(await row(story, 'forged (wrong credentials)', forged, forgedBody, 401, false));

  const before = await findRecord(story.id, identifiers(story.sample.payload));
  const duplicate = await send(story, []);
  const after = await findRecord(story.id, identifiers(story.sample.payload));
  const unchanged = JSON.stringify(before) === JSON.stringify(after);
  const dupRow = await row(story, 'duplicate of the sample', duplicate, story.sample.payload, 200, true);
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

/** The CLI's `send`: the credentials from their variables, the sample unless a body is given. */
async function send(sender, extra) {
  // The CLI appends the sample's event to this URL for a sender whose event comes from the route.
  const args = [cliPath, 'send', sender.id, '--url', `${base}/webhooks/${sender.id}`, ...extra];
  const run = promisify(execFile);
  const { stdout } = await run(process.execPath, args, { env }).catch((error) => error);
  const match = /HTTP (\d{3})/.exec(stdout ?? '');
  return { status: match ? Number(match[1]) : 0, text: (stdout ?? '').split('\n').slice(1).join(' ').trim() };
}

/** Every string of a payload, depth first. */
function strings(value) {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(strings);
}

/** A string that names something (an id, a reference, a key): a digit, no space; no URL, date or number. */
function isIdentifier(value) {
  return /\d/.test(value) && !/\s|:\/\/|^\d{4}-\d\d-\d\d|^[-+]?\d+(\.\d+)?$/.test(value);
}

/** The payload with each of its identifiers renamed. */
function renamed(value, name) {
  if (typeof value === 'string') return isIdentifier(value) ? name : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => renamed(item, name));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renamed(item, name)]));
}

/**
 * What a delivery's record may be filed under: the payload's own values and, once it is logged, the
 * parts of its idempotency key (`github:<X-GitHub-Delivery>`: an id sent beside the body).
 */
function identifiers(payload, logged) {
  // The key is `<sender>:<part>:...`, each part with '%' and ':' escaped as %25 and %3A.
  const unescape = (part) => part.replace(/%(25|3A)/g, (_, code) => (code === '25' ? '%' : ':'));
  const parts = logged?.idempotencyKey?.split(':').slice(1).map(unescape) ?? [];
  return [...strings(payload), ...parts];
}

/**
 * The record the receiver filed a delivery under, if any: the receiver keys each sender's records
 * by one of these (which one is its business), so each is tried.
 */
async function findRecord(sender, ids) {
  for (const id of new Set(ids)) {
    const res = await fetch(`${base}/api/records/${sender}/${encodeURIComponent(id)}`);
    if (res.status === 200) return res.json();
  }
  return undefined;
}

async function row(sender, what, reply, payload, expectedStatus, expectStored) {
  const [latest] = await (await fetch(`${base}/api/deliveries?sender=${sender.id}&limit=1`)).json();
  const stored = Boolean(await findRecord(sender.id, identifiers(payload, latest)));
  return {
    sender: sender.id,
    delivery: what,
    event: latest?.event ?? '-',
    reply: `${reply.status} ${reply.status === 200 ? reply.text : (safeReason(reply.text) ?? '')}`.trim(),
    record: stored ? 'stored' : 'none',
    logged: latest
      ? `${latest.statusCode}${latest.duplicate ? ' duplicate' : ''}${latest.reason ? ' ' + latest.reason : ''}`
      : '-',
    ok:
      reply.status === expectedStatus &&
      stored === expectStored &&
      latest?.sender === sender.id &&
      latest?.statusCode === expectedStatus,
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
  const columns = ['sender', 'delivery', 'event', 'reply', 'record', 'logged', 'ok'];
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
