import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { createReceiver } from '../apps/receiver/src/bootstrap.js';
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

/** The real CLI with real fetch, output captured; the environment is empty unless given. */
async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const code = await run(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), env });
  return { code, out, err };
}

const hmac = ['--api-key', credentials.certificallKey, '--api-secret', credentials.certificallSecret];

type Outcome = 'accepted' | 'duplicate';

// Each sender's own sample payload, signed by the CLI, must pass the module's verification and
// DTOs. Several cases send the same sample, so the later ones of a sender whose key is in the
// payload are duplicates; GitHub's and Standard Webhooks' keys are ids their signers make anew for
// each delivery, unless told one (`--delivery`): a redelivery.
const GITHUB_DELIVERY = '9c3f4a5e-1b2d-4c6e-8f70-a1b2c3d4e5f6';
const deliveries: [string, string, string[], string, Outcome][] = [
  ['oxskyt', 'oxskyt', ['--secret', credentials.oxskyt], 'oxskyt.REPORT_GENERATED', 'accepted'],
  ['inkit', 'inkit', ['--secret', credentials.inkit], 'inkit.DOCUMENT_CREATE_FINISHED', 'accepted'],
  ['ovcode', 'ovcode', ['--api-secret', credentials.ovcode], 'ovcode.AUTHENTICATION_SUCCEEDED', 'accepted'],
  [
    'ovcode as headers',
    'ovcode',
    ['--api-secret', credentials.ovcode, '--as-headers'],
    'ovcode.AUTHENTICATION_SUCCEEDED',
    'duplicate',
  ],
  ['certificall hmac', 'certificall', hmac, 'certificall.CASE_VALIDATED', 'accepted'],
  [
    'certificall hmac base64',
    'certificall',
    [...hmac, '--encoding', 'base64'],
    'certificall.CASE_VALIDATED',
    'duplicate',
  ],
  [
    'certificall bearer',
    'certificall',
    ['--bearer-token', credentials.certificallBearer],
    'certificall.CASE_VALIDATED',
    'duplicate',
  ],
  [
    'certificall basic',
    'certificall',
    ['--username', credentials.basicUser, '--password', credentials.basicPassword],
    'certificall.CASE_VALIDATED',
    'duplicate',
  ],
  ['illow', 'illow', ['--private-key', PRIVATE_KEY], 'illow.DSR_CREATED', 'accepted'],
  ['github', 'github', ['--secret', credentials.github], 'github.issues.opened', 'accepted'],
  ['github again', 'github', ['--secret', credentials.github], 'github.issues.opened', 'accepted'],
  [
    'github with a delivery id',
    'github',
    ['--secret', credentials.github, '--delivery', GITHUB_DELIVERY],
    'github.issues.opened',
    'accepted',
  ],
  [
    'github redelivered',
    'github',
    ['--secret', credentials.github, '--delivery', GITHUB_DELIVERY],
    'github.issues.opened',
    'duplicate',
  ],
  [
    'github as another event',
    'github',
    ['--secret', credentials.github, '--event', 'pull_request'],
    'github.pull_request.opened',
    'accepted',
  ],
  ['stripe', 'stripe', ['--secret', credentials.stripe], 'stripe.payment_intent.succeeded', 'accepted'],
  ['standard', 'standard', ['--secret', credentials.standard], 'standard.contact.created', 'accepted'],
  ['standard again', 'standard', ['--secret', credentials.standard], 'standard.contact.created', 'accepted'],
];

const forgeries: [string, string[]][] = [
  ['oxskyt', ['--secret', 'not-the-secret']],
  ['inkit', ['--secret', 'not-the-secret']],
  ['ovcode', ['--api-secret', 'not-the-token']],
  ['certificall', ['--api-key', credentials.certificallKey, '--api-secret', 'not-the-secret']],
  ['illow', ['--private-key', join(FORGER_DIR, 'illow.key.pem')]],
  ['github', ['--secret', 'not-the-secret']],
  ['stripe', ['--secret', 'whsec_not-the-secret']],
  ['standard', ['--secret', `whsec_${randomBytes(24).toString('base64')}`]],
];

describe('CLI against a running receiver', () => {
  let app: INestApplication;
  let recorder: Recorder;
  let base: string;

  beforeAll(async () => {
    ({ app, recorder } = await createTestApp());
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/webhooks`;
    expect((await cli(['keygen', '--out-dir', FORGER_DIR])).code).toBe(0);
  });
  afterAll(() => app.close());

  it.each(deliveries)('delivers %s: exit 0, HTTP 200', async (_name, sender, creds, event, outcome) => {
    recorder.outcomes.length = 0;
    const { code, out, err } = await cli(['send', sender, '--url', `${base}/${sender}`, ...creds]);
    expect({ code, out, err }).toEqual({ code: 0, out: 'HTTP 200 OK\nOK\n', err: '' });
    expect(recorder.outcomes).toEqual([expect.objectContaining({ sender, event, status: 200, outcome })]);
  });

  it.each(forgeries)('refuses %s under a wrong credential: exit 1, HTTP 401', async (sender, creds) => {
    const { code, out } = await cli(['send', sender, '--url', `${base}/${sender}`, ...creds]);
    expect(code).toBe(1);
    expect(out).toMatch(/^HTTP 401 Unauthorized\n/);
    expect(out).not.toContain('not-the-');
  });
});

describe('CLI replay against the reference receiver', () => {
  const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await createReceiver({
      env: { ADMIN_TOKEN, PGLITE_DATA_DIR: 'memory://', INKIT_WEBHOOK_SECRET: credentials.inkit },
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => app?.close());

  it("says the token is missing, then wrong, past the receiver's admin guard", async () => {
    expect(await cli(['replay', 'd-1', '--url', base])).toEqual({
      code: 1,
      out: '',
      err: 'nestjs-webhooks: the receiver needs its admin token (HTTP 401): set ADMIN_TOKEN\n',
    });
    const wrong = await cli(['replay', 'd-1', '--url', base], { ADMIN_TOKEN: 'not-the-token' });
    expect(wrong).toEqual({
      code: 1,
      out: '',
      err: 'nestjs-webhooks: the receiver refused the admin token (HTTP 401): check ADMIN_TOKEN\n',
    });
  });

  it('runs a delivery sent with the CLI once more: a duplicate does not, a replay does, and it is logged as one', async () => {
    const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
    const send = ['send', 'inkit', '--url', `${base}/webhooks/inkit`, '--secret', credentials.inkit];
    expect(await cli(send)).toMatchObject({ code: 0, out: 'HTTP 200 OK\nOK\n' });
    // The same delivery again (the CLI sends the sample): a duplicate, no handler runs.
    expect(await cli(send)).toMatchObject({ code: 0 });
    const log = async () =>
      (await (await fetch(`${base}/api/deliveries?sender=inkit`, { headers: admin })).json()) as {
        id: string;
        state: string;
        replayOf: string | null;
      }[];
    const [duplicate, original] = await log();
    expect([duplicate!.state, original!.state]).toEqual(['duplicate', 'processed']);
    const record = async () =>
      (await (
        await fetch(`${base}/api/records/inkit/doc_2N0X2g4f3b1JJU75fqzDZs`, { headers: admin })
      ).json()) as {
        lastDeliveryId: string;
      };
    expect((await record()).lastDeliveryId).toBe(original!.id);

    const replayed = await cli(['replay', original!.id, '--url', base], { ADMIN_TOKEN });
    expect(replayed.code).toBe(0);
    const replayId = replayed.out.trim();
    expect(replayed.err).toBe('');
    // The handler ran again, on purpose, de-duplication bypassed for this run alone: the record is
    // now the replay's, and the log holds the replay as a delivery of its own.
    expect((await record()).lastDeliveryId).toBe(replayId);
    expect((await log())[0]).toMatchObject({ id: replayId, state: 'processed', replayOf: original!.id });
    // A rejected delivery cannot be replayed: only verified bytes are.
    expect(
      (await cli(['send', 'inkit', '--url', `${base}/webhooks/inkit`, '--secret', 'not-the-secret'])).code,
    ).toBe(1);
    const rejected = (await log()).find((row) => row.state === 'rejected')!;
    const refused = await cli(['replay', rejected.id, '--url', base], { ADMIN_TOKEN });
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/only verified deliveries can be replayed/);
  });

  it('answers "no delivery <id>" for an id the log does not hold, the token never printed', async () => {
    const { code, out, err } = await cli(['replay', 'no-such-delivery', '--url', `${base}/`], {
      ADMIN_TOKEN,
    });
    expect({ code, out, err }).toEqual({
      code: 1,
      out: '',
      err: 'nestjs-webhooks: no delivery no-such-delivery\n',
    });
  });

  it('tells a webhook route given as --url from a missing delivery', async () => {
    const { code, err } = await cli(['replay', 'd-1', '--url', `${base}/webhooks/inkit`], { ADMIN_TOKEN });
    expect(code).toBe(1);
    expect(err).toBe(
      'nestjs-webhooks: the receiver has no replay route there (HTTP 404): --url is its base URL, e.g. http://localhost:3000\n',
    );
    expect(err).not.toContain(ADMIN_TOKEN);
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

  /** The headers printed by `sign`, by lower-case name. */
  const printed = (out: string): Record<string, string> =>
    Object.fromEntries(
      out
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf(': ')).toLowerCase(), line.slice(line.indexOf(': ') + 2)]),
    );

  it('signs GitHub so that @octokit/webhooks-methods verifies it', async () => {
    const body = join(dir, 'github-body.json');
    writeFileSync(body, '{"zen":"Keep it logically awesome.","hook_id":1,"note":"é✓"}');
    const { code, out } = await cli([
      'sign',
      'github',
      '--secret',
      credentials.github,
      '--body',
      body,
      '--event',
      'ping',
    ]);
    expect(code).toBe(0);
    const headers = printed(out);
    expect(headers['x-github-event']).toBe('ping');
    const text = readFileSync(body, 'utf8');
    expect(await octokitVerify(credentials.github, text, headers['x-hub-signature-256'])).toBe(true);
    expect(await octokitVerify('not-the-secret', text, headers['x-hub-signature-256'])).toBe(false);
  });

  it("signs Stripe so that stripe's own constructEvent accepts it", async () => {
    const body = join(dir, 'stripe-body.json');
    const text =
      '{\n  "id": "evt_cli_1",\n  "object": "event",\n  "type": "invoice.paid",\n  "note": "é✓"\n}\n';
    writeFileSync(body, text);
    const { code, out } = await cli(['sign', 'stripe', '--secret', credentials.stripe, '--body', body]);
    expect(code).toBe(0);
    const signature = printed(out)['stripe-signature'];
    const stripe = new Stripe('sk_test_x');
    expect(stripe.webhooks.constructEvent(text, signature, credentials.stripe).id).toBe('evt_cli_1');
    expect(() => stripe.webhooks.constructEvent(text, signature, 'whsec_not-the-secret')).toThrow();
  });

  it('signs Standard Webhooks so that the standardwebhooks library verifies it', async () => {
    const body = join(dir, 'standard-body.json');
    const text = '{"type":"invoice.paid","timestamp":"2024-01-01T00:00:00Z","data":{"note":"é✓"}}';
    writeFileSync(body, text);
    const { code, out } = await cli(['sign', 'standard', '--secret', credentials.standard, '--body', body]);
    expect(code).toBe(0);
    const headers = printed(out);
    expect(new Webhook(credentials.standard).verify(text, headers)).toEqual(JSON.parse(text));
    const stranger = new Webhook(`whsec_${randomBytes(24).toString('base64')}`);
    expect(() => stranger.verify(text, headers)).toThrow();
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
