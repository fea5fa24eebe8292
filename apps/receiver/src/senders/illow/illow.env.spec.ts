import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIllowVerifier } from 'nestjs-webhooks';
import { generateIllowKeyPair, signIllow } from 'nestjs-webhooks/testing';
import { envReader } from '../sender-env.js';
import { illowEnv } from './illow.env.js';

const fromEnv = (env: Record<string, string>) => illowEnv.fromEnv(envReader(env));

describe('illowEnv', () => {
  it('reads illow keys from a PEM file path, or several PEM blocks in one variable', () => {
    const [a, b] = [generateIllowKeyPair(), generateIllowKeyPair()];
    const dir = mkdtempSync(join(tmpdir(), 'illow-'));
    writeFileSync(join(dir, 'pub.pem'), a.publicKey);
    const body = Buffer.from('{"x":1}');
    const fromFile = fromEnv({ ILLOW_PUBLIC_KEY: join(dir, 'pub.pem') })!.credentials!;
    expect(createIllowVerifier(fromFile)(body, signIllow(body, a) as never).ok).toBe(true);

    const oneLine = `${a.publicKey}${b.publicKey}`.replace(/\n/g, '\\n');
    const both = createIllowVerifier(fromEnv({ ILLOW_PUBLIC_KEY: oneLine })!.credentials!);
    const lower = (h: Record<string, string>) =>
      Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
    expect(both(body, lower(signIllow(body, a))).ok).toBe(true);
    expect(both(body, lower(signIllow(body, b))).ok).toBe(true);
    expect(both(body, lower(signIllow(body, generateIllowKeyPair()))).ok).toBe(false);
  });

  it('is off when the variable is unset or blank', () => {
    expect(fromEnv({})).toBeUndefined();
    expect(fromEnv({ ILLOW_PUBLIC_KEY: '  ' })).toBeUndefined();
  });
});
