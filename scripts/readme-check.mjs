#!/usr/bin/env node
// Runs the README's "Record a signed delivery yourself" block as a newcomer would, line by line,
// exactly as written there: the `npm start` line in the background (its "one terminal"), every
// other line in a shell that must succeed. Then checks what the two curl lines printed: the record
// the README names, filed under one of the values of the sample the CLI sends by default (its
// sender definition's), and its delivery in the log, by sender. A .env of the developer's own is
// put back afterwards. Needs port 3000 free (and `npm run build:lib` for the definitions).
import { execSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { BUILT_IN_SENDERS } = await import(join(root, 'libs/webhooks/dist/index.js'));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.split('### Record a signed delivery yourself')[1];
const block = section?.match(/```sh\n([\s\S]*?)```/)?.[1];
if (!block) throw new Error('README: no sh block under "Record a signed delivery yourself"');
const lines = block
  .split('\n')
  .map((line) => line.replace(/\s+#.*$/, '').trim())
  .filter(Boolean);

const env = join(root, '.env');
const kept = `${env}.readme-check`;
if (existsSync(env)) renameSync(env, kept);

let server;
const outputs = [];
try {
  for (const line of lines) {
    if (/^npm (run )?start$/.test(line)) {
      server = spawn('bash', ['-c', line], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      await listening(server);
      continue;
    }
    console.log(`readme-check: $ ${line}`);
    outputs.push(execSync(line, { cwd: root, encoding: 'utf8', shell: '/bin/bash', timeout: 60_000 }));
  }
  const [sent, record, deliveries] = outputs.slice(-3);
  if (!/\b200\b/.test(sent)) throw new Error(`the send line did not report 200: ${sent}`);
  // The record line names the sender and the id; the CLI sent that sender's sample.
  const named = lines.map((line) => /\/api\/records\/([^/\s]+)\/([^/\s]+)/.exec(line)).find(Boolean);
  if (!named) throw new Error('README: no /api/records/<sender>/<id> line');
  const [, senderId, id] = named.map(decodeURIComponent);
  const sender = BUILT_IN_SENDERS.find((definition) => definition.id === senderId);
  if (!sender) throw new Error(`README: ${senderId} is not a built-in sender`);
  if (!strings(sender.sample.payload).includes(id)) {
    throw new Error(`README: ${id} is not a value of ${senderId}'s sample, which the CLI sends by default`);
  }
  const stored = JSON.parse(record);
  if (!strings(stored).includes(id)) throw new Error(`unexpected record: ${record}`);
  const log = JSON.parse(deliveries);
  if (
    !log.some((row) => row.id === stored.lastDeliveryId && row.statusCode === 200 && row.sender === senderId)
  ) {
    throw new Error(`the delivery log does not show the delivery as ${senderId}'s`);
  }
  console.log(
    `readme-check: ${lines.length} lines of the README ran as written; the record and its log row are there`,
  );
} finally {
  if (server) process.kill(-server.pid, 'SIGTERM');
  rmSync(env, { force: true });
  if (existsSync(kept)) renameSync(kept, env);
}

/** Every string of a JSON value, depth first. */
function strings(value) {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(strings);
}

/** Resolves once the receiver says it listens; rejects if it exits first or takes over 3 minutes (it builds first). */
function listening(child) {
  return new Promise((resolve, reject) => {
    let said = '';
    const timer = setTimeout(() => reject(new Error(`npm start did not listen in time:\n${said}`)), 180_000);
    const watch = (chunk) => {
      said += chunk;
      if (said.includes('Listening on http://localhost:3000')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', watch);
    child.stderr.on('data', watch);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${said}`));
    });
  });
}
