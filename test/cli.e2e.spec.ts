import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../libs/webhooks/src/cli/cli.js';
import { createTestApp, type Recorder } from './support/app.js';
import { credentials, illowKeys } from './support/senders.js';
import { describeIf } from './support/needs.js';

const dir = mkdtempSync(join(tmpdir(), 'nestjs-webhooks-cli-e2e-'));
const PRIVATE_KEY = join(dir, 'receiver-pair.key.pem');
writeFileSync(PRIVATE_KEY, illowKeys.privateKey);
// Made by the CLI's own keygen in beforeAll: a valid key the receiver does not know.
const FORGER_DIR = join(dir, 'forger');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real CLI with real fetch, output captured; the environment is empty so only flags count. */
async function cli(argv: string[]) {
  let out = '';
  let err = '';
  const code = await run(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), env: {} });
  return { code, out, err };
}

const hmac = ['--api-key', credentials.certificallKey, '--api-secret', credentials.certificallSecret];

// Each sender's own sample payload, signed by the CLI, must pass the module's verification and DTOs.
const deliveries: [string, string, string[], string][] = [
  ['oxskyt', 'oxskyt', ['--secret', credentials.oxskyt], 'oxskyt.REPORT_GENERATED'],
  ['inkit', 'inkit', ['--secret', credentials.inkit], 'inkit.DOCUMENT_CREATE_FINISHED'],
  ['ovcode', 'ovcode', ['--api-secret', credentials.ovcode], 'ovcode.AUTHENTICATION_SUCCEEDED'],
  [
    'ovcode as headers',
    'ovcode',
    ['--api-secret', credentials.ovcode, '--as-headers'],
    'ovcode.AUTHENTICATION_SUCCEEDED',
  ],
  ['certificall hmac', 'certificall', hmac, 'certificall.CASE_VALIDATED'],
  ['certificall hmac base64', 'certificall', [...hmac, '--encoding', 'base64'], 'certificall.CASE_VALIDATED'],
  [
    'certificall bearer',
    'certificall',
    ['--bearer-token', credentials.certificallBearer],
    'certificall.CASE_VALIDATED',
  ],
  [
    'certificall basic',
    'certificall',
    ['--username', credentials.basicUser, '--password', credentials.basicPassword],
    'certificall.CASE_VALIDATED',
  ],
  ['illow', 'illow', ['--private-key', PRIVATE_KEY], 'illow.DSR_CREATED'],
];

const forgeries: [string, string[]][] = [
  ['oxskyt', ['--secret', 'not-the-secret']],
  ['inkit', ['--secret', 'not-the-secret']],
  ['ovcode', ['--api-secret', 'not-the-token']],
  ['certificall', ['--api-key', credentials.certificallKey, '--api-secret', 'not-the-secret']],
  ['illow', ['--private-key', join(FORGER_DIR, 'illow.key.pem')]],
];

describe('CLI against a running receiver', () => {
  let app: INestApplication;
  let recorder: Recorder;
  let base: string;
  const delivered = new Set<string>();

  beforeAll(async () => {
    ({ app, recorder } = await createTestApp());
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/webhooks`;
    expect((await cli(['keygen', '--out-dir', FORGER_DIR])).code).toBe(0);
  });
  afterAll(() => app.close());

  it.each(deliveries)('delivers %s: exit 0, HTTP 200', async (_name, sender, creds, event) => {
    recorder.outcomes.length = 0;
    const { code, out, err } = await cli(['send', sender, '--url', `${base}/${sender}`, ...creds]);
    expect({ code, out, err }).toEqual({ code: 0, out: 'HTTP 200 OK\nOK\n', err: '' });
    // Several cases send the same sample, so all but the first of a sender's are duplicates.
    const outcome = delivered.has(sender) ? 'duplicate' : 'accepted';
    delivered.add(sender);
    expect(recorder.outcomes).toEqual([expect.objectContaining({ sender, event, status: 200, outcome })]);
  });

  it.each(forgeries)('refuses %s under a wrong credential: exit 1, HTTP 401', async (sender, creds) => {
    const { code, out } = await cli(['send', sender, '--url', `${base}/${sender}`, ...creds]);
    expect(code).toBe(1);
    expect(out).toMatch(/^HTTP 401 Unauthorized\n/);
    expect(out).not.toContain('not-the-');
  });
});

describe('CLI signatures checked by independent tools', () => {
  it('signs illow so that openssl verifies the SHA-1 RSA signature', async () => {
    const body = join(dir, 'illow-body.json');
    writeFileSync(body, '{"companyId":"c","siteId":"s","idempotencyKey":"k","metadata":{"é":"✓"}}\n');
    const { code, out } = await cli(['sign', 'illow', '--private-key', PRIVATE_KEY, '--body', body]);
    expect(code).toBe(0);
    const signature = /^illow-signature: (\S+)$/m.exec(out)?.[1] ?? '';
    const publicKey = join(dir, 'receiver-pair.pub.pem');
    const signatureFile = join(dir, 'illow.sig');
    writeFileSync(publicKey, illowKeys.publicKey);
    writeFileSync(signatureFile, Buffer.from(signature, 'base64'));
    const verified = execFileSync('openssl', [
      'dgst',
      '-sha1',
      '-verify',
      publicKey,
      '-signature',
      signatureFile,
      body,
    ]);
    expect(verified.toString()).toBe('Verified OK\n');
  });

  it('signs Inkit so that openssl computes the same HMAC', async () => {
    const body = join(dir, 'inkit-body.json');
    writeFileSync(body, '{"event_type":"FOLDER_CREATED","resource_id":"fld_1"}');
    const { out } = await cli(['sign', 'inkit', '--secret', credentials.inkit, '--body', body]);
    const expected = execFileSync('openssl', ['dgst', '-sha256', '-hmac', credentials.inkit, '-r', body])
      .toString()
      .split(' ')[0];
    expect(out).toContain(`Inkit-Signature: ${expected}\n`);
  });
});

const main = fileURLToPath(new URL('../libs/webhooks/dist/cli/main.js', import.meta.url));
describeIf(existsSync(main), 'a built library')('the built executable', () => {
  it('answers --help with exit 0', () => {
    const result = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage:');
  });
});
