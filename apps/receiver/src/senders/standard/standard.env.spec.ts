import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { standardSender } from 'nestjs-webhooks';
import { Webhook } from 'standardwebhooks';
import { envReader } from '../sender-env.js';
import { standardEnv } from './standard.env.js';

const fromEnv = (env: Record<string, string>) => standardEnv.fromEnv(envReader(env));

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

describe('standardEnv', () => {
  it('accepts what the reference library signs with either secret of a rotation list, and no other', () => {
    const [old, current] = [newSecret(), newSecret()];
    const configured = fromEnv({ STANDARD_WEBHOOKS_SECRET: `${old}, ${current}` })!;
    expect(configured.definition).toBe(standardSender);
    expect(configured.credentials).toEqual({ secret: [old, current] });
    const verify = configured.definition.verifier(configured.credentials!, 'standard');
    const payload = JSON.stringify({
      type: 'contact.created',
      timestamp: '2022-11-03T20:26:10.344522Z',
      data: {},
    });
    const signedWith = (secret: string) => {
      const now = new Date();
      return verify(Buffer.from(payload), {
        'webhook-id': 'msg_env_1',
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign('msg_env_1', now, payload),
      }).ok;
    };
    expect(signedWith(old)).toBe(true);
    expect(signedWith(current)).toBe(true);
    expect(signedWith(newSecret())).toBe(false);
  });

  it('is off when the variable is unset or blank, and asks for it', () => {
    expect(fromEnv({})).toBeUndefined();
    expect(fromEnv({ STANDARD_WEBHOOKS_SECRET: '' })).toBeUndefined();
    expect(standardEnv.variables).toEqual(['STANDARD_WEBHOOKS_SECRET']);
  });
});
