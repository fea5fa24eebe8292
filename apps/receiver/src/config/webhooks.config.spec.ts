import { describe, expect, it } from '@jest/globals';
import { inkitSender, ovcodeSender } from 'nestjs-webhooks';
import { sendersFromEnv } from './webhooks.config.js';

const configured = (result: ReturnType<typeof sendersFromEnv>, id: string) =>
  result.senders.find((sender) => sender.id === id);

describe('sendersFromEnv', () => {
  it('switches every sender off, naming the variable, when nothing is set', () => {
    const { senders, disabled } = sendersFromEnv({});
    expect(senders).toEqual([]);
    expect(disabled.map((d) => d.sender)).toEqual([
      'oxskyt',
      'inkit',
      'ovcode',
      'certificall',
      'illow',
      'github',
      'stripe',
      'standard',
    ]);
    expect(disabled.map((d) => d.variable)).toEqual([
      'OXSKYT_WEBHOOK_SECRET',
      'INKIT_WEBHOOK_SECRET',
      'OVCODE_API_SECRET',
      expect.stringContaining('CERTIFICALL_AUTH_TOKEN'),
      'ILLOW_PUBLIC_KEY',
      'GITHUB_WEBHOOK_SECRET',
      'STRIPE_WEBHOOK_SECRET',
      'STANDARD_WEBHOOKS_SECRET',
    ]);
  });

  it('splits comma-separated secrets into rotation lists', () => {
    const result = sendersFromEnv({ INKIT_WEBHOOK_SECRET: ' old , new ', OVCODE_API_SECRET: 'one' });
    expect(result.senders.map((sender) => sender.id)).toEqual(['inkit', 'ovcode']);
    expect(configured(result, 'inkit')?.definition).toBe(inkitSender);
    expect(configured(result, 'inkit')?.credentials).toEqual({ secret: ['old', 'new'] });
    expect(configured(result, 'ovcode')?.definition).toBe(ovcodeSender);
    expect(configured(result, 'ovcode')?.credentials).toEqual({ apiSecret: ['one'] });
    expect(result.disabled.map((d) => d.sender)).toEqual([
      'oxskyt',
      'certificall',
      'illow',
      'github',
      'stripe',
      'standard',
    ]);
  });
});

describe('sendersFromEnv warnings about comma-split secrets', () => {
  it('warns, naming the variable and never a value, when a part of a list is short', () => {
    const result = sendersFromEnv({
      CERTIFICALL_BASIC_USERNAME: 'cf',
      CERTIFICALL_BASIC_PASSWORD: 'Sup3r-Long-Passw0rd,x',
    });
    // The documented contract stands: both parts are accepted.
    expect(configured(result, 'certificall')?.credentials).toEqual({
      basic: { username: 'cf', password: ['Sup3r-Long-Passw0rd', 'x'] },
    });
    const { warnings } = result;
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
    'GITHUB_WEBHOOK_SECRET',
    'STRIPE_WEBHOOK_SECRET',
    'STANDARD_WEBHOOKS_SECRET',
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
