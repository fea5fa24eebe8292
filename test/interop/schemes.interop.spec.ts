/**
 * Our verifiers against signatures made by tools that share no code with them (OpenSSL's CLI,
 * Python's hmac/hashlib), and our signers' output checked by those same tools. Both are taken from
 * the senders' definitions, as the module (`verifier`) and the CLI and tests (`sign`) take them.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { certificallSender, illowSender, inkitSender, oxskytSender } from 'nestjs-webhooks';

const createInkitVerifier = (credentials: { secret: string }) =>
  inkitSender.verifier(credentials, 'senders.inkit');
const createCertificallVerifier = (credentials: { hmac: { apiKey: string; apiSecret: string } }) =>
  certificallSender.verifier(credentials, 'senders.certificall');
const createOxskytVerifier = (credentials: { secret: string }) =>
  oxskytSender.verifier(credentials, 'senders.oxskyt');
const createIllowVerifier = (credentials: { publicKey: string }) =>
  illowSender.verifier(credentials, 'senders.illow');
const signInkit = inkitSender.sign;
const signCertificall = certificallSender.sign;
const signOxskyt = oxskytSender.sign;
const signIllow = illowSender.sign;

// os.fsencode hands Python the argv bytes exactly as Node wrote them (UTF-8), whatever the locale.
const PY_HMAC = `import base64, hashlib, hmac, os, sys
mac = hmac.new(os.fsencode(sys.argv[1]), open(sys.argv[2], 'rb').read(), hashlib.sha256).digest()
print(mac.hex() if sys.argv[3] == 'hex' else base64.b64encode(mac).decode())`;
const PY_OXSKYT = `import hashlib, os, sys
suffix = hashlib.sha256(os.fsencode(sys.argv[1])).hexdigest().encode('ascii')
print(hashlib.sha256(open(sys.argv[2], 'rb').read() + suffix).hexdigest())`;

const dir = mkdtempSync(join(tmpdir(), 'webhooks-interop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const tempFile = (content: string | Uint8Array): string => {
  const path = join(dir, `f${files++}`);
  writeFileSync(path, content);
  return path;
};
const run = (command: string, args: string[]): string =>
  execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

const pythonHmac = (secret: string, body: Uint8Array, encoding: 'hex' | 'base64') =>
  run('python3', ['-c', PY_HMAC, secret, tempFile(body), encoding]);
const opensslHmac = (secret: string, body: Uint8Array): string => {
  const out = run('openssl', ['dgst', '-sha256', '-hmac', secret, '-r', tempFile(body)]);
  const hex = /^[0-9a-f]{64}/.exec(out)?.[0];
  if (hex === undefined) throw new Error(`unexpected openssl output: ${out}`);
  return hex;
};

const BODIES: [string, Buffer][] = [
  ['the PROVIDERS.md body', Buffer.from('{"a":1}')],
  ['a unicode body', Buffer.from('{"event_type":"DOCUMENT_CREATE_FINISHED","resource_id":"dóc_👩‍🔬_𝄞_𠜎"}')],
  ['random binary', randomBytes(777)],
  ['an empty body', Buffer.alloc(0)],
];
const SECRETS = ['s3cr3t', 'wh_sëcret/🔑+=='];

describe.each(BODIES)('HMAC-SHA256 interop on %s', (_name, body) => {
  it.each(SECRETS)(
    'Inkit accepts openssl and python signatures, and signs as python does (secret %j)',
    (secret) => {
      const verify = createInkitVerifier({ secret });
      const python = pythonHmac(secret, body, 'hex');
      expect(verify(body, { 'Inkit-Signature': opensslHmac(secret, body) })).toEqual({ ok: true });
      expect(verify(body, { 'Inkit-Signature': python })).toEqual({ ok: true });
      expect(signInkit(body, { secret })).toEqual({ 'Inkit-Signature': python });
    },
  );

  it.each(SECRETS)('Certificall accepts openssl and python HMACs in hex and base64 (secret %j)', (secret) => {
    const verify = createCertificallVerifier({ hmac: { apiKey: 'cf', apiSecret: secret } });
    const headers = (signature: string) => ({
      authorization: `HMAC-SHA256 cf:${signature}`,
      'x-api-key': 'cf',
    });
    const hex = pythonHmac(secret, body, 'hex');
    const base64 = pythonHmac(secret, body, 'base64');
    for (const signature of [opensslHmac(secret, body), hex, base64]) {
      expect(verify(body, headers(signature))).toEqual({ ok: true, method: 'hmac' });
    }
    expect(signCertificall(body, { method: 'hmac', apiKey: 'cf', apiSecret: secret }).Authorization).toBe(
      `HMAC-SHA256 cf:${hex}`,
    );
    const asBase64 = signCertificall(body, {
      method: 'hmac',
      apiKey: 'cf',
      apiSecret: secret,
      encoding: 'base64',
    });
    expect(asBase64.Authorization).toBe(`HMAC-SHA256 cf:${base64}`);
  });

  it.each(SECRETS)(
    'OxsKYT accepts python hashlib signatures, and signs as python does (secret %j)',
    (secret) => {
      const python = run('python3', ['-c', PY_OXSKYT, secret, tempFile(body)]);
      expect(createOxskytVerifier({ secret })(body, { 'x-signature': python })).toEqual({ ok: true });
      expect(signOxskyt(body, { secret })).toEqual({ 'x-signature': python });
    },
  );

  it('rejects independent signatures made with another secret', () => {
    const python = pythonHmac('not-the-secret', body, 'hex');
    expect(createInkitVerifier({ secret: 's3cr3t' })(body, { 'inkit-signature': python }).ok).toBe(false);
  });
});

it('python reproduces the PROVIDERS.md OxsKYT vector, so the script above is the documented formula', () => {
  expect(run('python3', ['-c', PY_OXSKYT, 's3cr3t', tempFile('{"a":1}')])).toBe(
    'ce7b4b997bee6fe88045ddf612331cd2ca30c4db2f668e3aefc2d2963f74323b',
  );
});

describe('illow interop with OpenSSL', () => {
  const body = Buffer.from(
    '{"companyId":"c","siteId":"s","idempotencyKey":"k-ü-🙂","metadata":{"id":"dsr"}}',
  );
  const paths = { key: '', spki: '', pkcs1: '', body: '' };
  const forms: Record<string, string> = {};

  beforeAll(() => {
    paths.key = join(dir, 'illow-key.pem');
    paths.spki = join(dir, 'illow-pub.pem');
    paths.pkcs1 = join(dir, 'illow-pub-pkcs1.pem');
    paths.body = tempFile(body);
    run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', paths.key]);
    run('openssl', ['pkey', '-in', paths.key, '-pubout', '-out', paths.spki]);
    run('openssl', ['rsa', '-in', paths.key, '-pubout', '-RSAPublicKey_out', '-out', paths.pkcs1]);
    const der = join(dir, 'illow-pub.der');
    run('openssl', ['pkey', '-in', paths.key, '-pubout', '-outform', 'DER', '-out', der]);
    forms['SPKI PEM'] = readFileSync(paths.spki, 'utf8');
    forms['PKCS#1 PEM'] = readFileSync(paths.pkcs1, 'utf8');
    forms['base64 DER'] = run('base64', ['-w0', der]);
  });

  it('exported the key in the three forms it was asked for', () => {
    expect(forms['SPKI PEM']).toContain('-----BEGIN PUBLIC KEY-----');
    expect(forms['PKCS#1 PEM']).toContain('-----BEGIN RSA PUBLIC KEY-----');
    expect(forms['base64 DER']).toMatch(/^MII[A-Za-z0-9+/]+=*$/);
  });

  it.each(['SPKI PEM', 'PKCS#1 PEM', 'base64 DER'])(
    'accepts an openssl dgst -sha1 -sign signature under %s',
    (form) => {
      const sigPath = join(dir, 'openssl.sig');
      run('openssl', ['dgst', '-sha1', '-sign', paths.key, '-out', sigPath, paths.body]);
      const signature = run('base64', ['-w0', sigPath]);
      const verify = createIllowVerifier({ publicKey: forms[form] });
      expect(verify(body, { 'illow-signature': signature })).toEqual({ ok: true });
      expect(verify(Buffer.concat([body, Buffer.from(' ')]), { 'illow-signature': signature })).toMatchObject(
        {
          ok: false,
          reason: 'mismatch',
        },
      );
    },
  );

  it('produces signatures that openssl dgst -sha1 -verify accepts, and only for the signed bytes', () => {
    const signature = signIllow(body, { privateKey: readFileSync(paths.key, 'utf8') })['illow-signature'];
    const sigPath = tempFile(Buffer.from(signature, 'base64'));
    // openssl exits non-zero on a bad signature; its verdict is on stdout either way.
    const opensslVerdict = (bodyPath: string): string => {
      try {
        return run('openssl', ['dgst', '-sha1', '-verify', paths.spki, '-signature', sigPath, bodyPath]);
      } catch (error) {
        return String((error as { stdout?: unknown }).stdout).trim();
      }
    };
    expect(opensslVerdict(paths.body)).toBe('Verified OK');
    expect(opensslVerdict(tempFile(Buffer.concat([body, Buffer.from('\n')])))).toBe('Verification failure');
  });
});
