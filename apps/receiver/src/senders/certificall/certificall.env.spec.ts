import { describe, expect, it } from '@jest/globals';
import { certificallSender } from 'nestjs-webhooks';
import { envReader } from '../sender-env.js';
import { certificallEnv } from './certificall.env.js';

const fromEnv = (env: Record<string, string>) => certificallEnv.fromEnv(envReader(env));

describe('certificallEnv', () => {
  it('builds Certificall from whichever methods are complete', () => {
    expect(fromEnv({ CERTIFICALL_API_KEY: 'k' })).toBeUndefined();
    const configured = fromEnv({
      CERTIFICALL_API_KEY: 'k',
      CERTIFICALL_API_SECRET: 's1,s2',
      CERTIFICALL_BASIC_USERNAME: 'u',
    });
    expect(configured?.definition).toBe(certificallSender);
    expect(configured?.credentials).toEqual({ hmac: { apiKey: 'k', apiSecret: ['s1', 's2'] } });
  });

  it('reads every variable it declares, and asks for any one complete method when off', () => {
    expect(certificallEnv.variables).toEqual([
      'CERTIFICALL_AUTH_TOKEN',
      'CERTIFICALL_API_KEY',
      'CERTIFICALL_API_SECRET',
      'CERTIFICALL_BASIC_USERNAME',
      'CERTIFICALL_BASIC_PASSWORD',
    ]);
    expect(certificallEnv.off).toBe(
      'CERTIFICALL_AUTH_TOKEN (or CERTIFICALL_API_KEY + CERTIFICALL_API_SECRET, or CERTIFICALL_BASIC_USERNAME + CERTIFICALL_BASIC_PASSWORD)',
    );
  });
});
