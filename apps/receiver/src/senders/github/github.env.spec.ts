import { describe, expect, it } from '@jest/globals';
import { sign } from '@octokit/webhooks-methods';
import { githubSender } from 'nestjs-webhooks';
import { envReader } from '../sender-env.js';
import { githubEnv } from './github.env.js';

const fromEnv = (env: Record<string, string>) => githubEnv.fromEnv(envReader(env));

const OLD = 'github-secret-old-0001';
const NEW = 'github-secret-new-0002';

describe('githubEnv', () => {
  it('accepts what GitHub signs (octokit) with either secret of a rotation list, and no other', async () => {
    const configured = fromEnv({ GITHUB_WEBHOOK_SECRET: ` ${OLD} , ${NEW} ` })!;
    expect(configured.definition).toBe(githubSender);
    expect(configured.credentials).toEqual({ secret: [OLD, NEW] });
    const verify = configured.definition.verifier(configured.credentials!, 'github');
    const body = '{"zen":"Keep it logically awesome.","hook_id":1}';
    const signedWith = async (secret: string) =>
      verify(Buffer.from(body), { 'x-hub-signature-256': await sign(secret, body) }).ok;
    expect(await signedWith(OLD)).toBe(true);
    expect(await signedWith(NEW)).toBe(true);
    expect(await signedWith('github-secret-other-003')).toBe(false);
  });

  it('is off when the variable is unset or blank, and asks for it', () => {
    expect(fromEnv({})).toBeUndefined();
    expect(fromEnv({ GITHUB_WEBHOOK_SECRET: ' , ' })).toBeUndefined();
    expect(githubEnv.variables).toEqual(['GITHUB_WEBHOOK_SECRET']);
  });
});
