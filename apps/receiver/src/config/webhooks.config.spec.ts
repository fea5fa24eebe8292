import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIllowVerifier } from 'nestjs-webhooks';
import { generateIllowKeyPair, signIllow } from 'nestjs-webhooks/testing';
import { sendersFromEnv } from './webhooks.config.js';

describe('sendersFromEnv', () => {
  it('switches every sender off, naming the variable, when nothing is set', () => {
    const { providers, disabled } = sendersFromEnv({});
    expect(providers).toEqual({});
    expect(disabled.map((d) => d.variable)).toEqual([
      'OXSKYT_WEBHOOK_SECRET',
      'INKIT_WEBHOOK_SECRET',
      'OVCODE_API_SECRET',
      expect.stringContaining('CERTIFICALL_AUTH_TOKEN'),
      'ILLOW_PUBLIC_KEY',
    ]);
  });

  it('splits comma-separated secrets into rotation lists', () => {
    const { providers } = sendersFromEnv({ INKIT_WEBHOOK_SECRET: ' old , new ', OVCODE_API_SECRET: 'one' });
    expect(providers.inkit).toEqual({ secret: ['old', 'new'] });
    expect(providers.ovcode).toEqual({ apiSecret: ['one'] });
  });

  it('builds Certificall from whichever methods are complete', () => {
    expect(sendersFromEnv({ CERTIFICALL_API_KEY: 'k' }).providers.certificall).toBeUndefined();
    expect(
      sendersFromEnv({
        CERTIFICALL_API_KEY: 'k',
        CERTIFICALL_API_SECRET: 's1,s2',
        CERTIFICALL_BASIC_USERNAME: 'u',
      }).providers.certificall,
    ).toEqual({ hmac: { apiKey: 'k', apiSecret: ['s1', 's2'] } });
  });

  it('reads illow keys from a PEM file path, or several PEM blocks in one variable', () => {
    const [a, b] = [generateIllowKeyPair(), generateIllowKeyPair()];
    const dir = mkdtempSync(join(tmpdir(), 'illow-'));
    writeFileSync(join(dir, 'pub.pem'), a.publicKey);
    const body = Buffer.from('{"x":1}');
    const fromFile = sendersFromEnv({ ILLOW_PUBLIC_KEY: join(dir, 'pub.pem') }).providers.illow!;
    expect(createIllowVerifier(fromFile)(body, signIllow(body, a) as never).ok).toBe(true);

    const oneLine = `${a.publicKey}${b.publicKey}`.replace(/\n/g, '\\n');
    const both = createIllowVerifier(sendersFromEnv({ ILLOW_PUBLIC_KEY: oneLine }).providers.illow!);
    const lower = (h: Record<string, string>) =>
      Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
    expect(both(body, lower(signIllow(body, a))).ok).toBe(true);
    expect(both(body, lower(signIllow(body, b))).ok).toBe(true);
    expect(both(body, lower(signIllow(body, generateIllowKeyPair()))).ok).toBe(false);
  });
});

describe('sendersFromEnv warnings about comma-split secrets', () => {
  it('warns, naming the variable and never a value, when a part of a list is short', () => {
    const { providers, warnings } = sendersFromEnv({
      CERTIFICALL_BASIC_USERNAME: 'cf',
      CERTIFICALL_BASIC_PASSWORD: 'Sup3r-Long-Passw0rd,x',
    });
    // The documented contract stands: both parts are accepted.
    expect(providers.certificall?.basic).toEqual({ username: 'cf', password: ['Sup3r-Long-Passw0rd', 'x'] });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('CERTIFICALL_BASIC_PASSWORD');
    expect(warnings[0]).not.toContain('Sup3r');
    expect(warnings[0]).not.toMatch(/\bx\b/);
  });

  it.each([
    'OXSKYT_WEBHOOK_SECRET',
    'INKIT_WEBHOOK_SECRET',
    'OVCODE_API_SECRET',
    'CERTIFICALL_AUTH_TOKEN',
    'CERTIFICALL_API_SECRET',
  ])('checks %s', (variable) => {
    const env = { [variable]: 'a-rotated-out-secret-0001,short', CERTIFICALL_API_KEY: 'key' };
    expect(sendersFromEnv(env).warnings.join('\n')).toContain(variable);
  });

  it('stays quiet for a rotation of long secrets and for one secret alone', () => {
    expect(
      sendersFromEnv({
        INKIT_WEBHOOK_SECRET: 'an-old-secret-0123456789,a-new-secret-0123456789',
        OVCODE_API_SECRET: 'short',
      }).warnings,
    ).toEqual([]);
  });
});
