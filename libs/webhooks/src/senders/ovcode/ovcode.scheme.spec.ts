import { describe, expect, it } from '@jest/globals';
import { createOvcodeVerifier, signOvcode } from './ovcode.scheme.js';
import { WebhookConfigurationError } from '../../schemes/scheme.errors.js';

const TOKEN = 'ovc_live_7f3a9c2e';
const CALLBACK = Buffer.from('{"reference":"F-95ad51b6-a10a-49b0-b131-84752e2b422d","status_code":"S"}');
const verify = createOvcodeVerifier({ apiSecret: TOKEN });

describe('OVCODE scheme', () => {
  it('accepts the shared token, whatever the header name case', () => {
    expect(verify(CALLBACK, { 'x-api-secret': TOKEN })).toEqual({ ok: true });
    expect(verify(CALLBACK, { 'X-API-Secret': TOKEN })).toEqual({ ok: true });
  });

  it('signs by sending the token itself', () => {
    expect(signOvcode(CALLBACK, { apiSecret: TOKEN })).toEqual({ 'x-api-secret': TOKEN });
  });

  it('does not tie the token to the content (documented: no signature over the body)', () => {
    expect(verify(Buffer.from('anything at all'), { 'x-api-secret': TOKEN }).ok).toBe(true);
  });

  it.each([
    ['a wrong token', { 'x-api-secret': 'ovc_live_7f3a9c2f' }, 'mismatch'],
    ['a prefix of the token', { 'x-api-secret': TOKEN.slice(0, -1) }, 'mismatch'],
    ['the token in another header', { authorization: `Bearer ${TOKEN}` }, 'missing'],
    ['the header twice', { 'x-api-secret': [TOKEN, TOKEN] }, 'malformed'],
    ['a 10,000-char header', { 'x-api-secret': TOKEN.repeat(600) }, 'malformed'],
  ] as const)('rejects %s', (_case, headers, reason) => {
    expect(verify(CALLBACK, headers)).toEqual({ ok: false, reason, message: expect.any(String) });
  });

  it('accepts the old and the new token during a rotation, and nothing else', () => {
    const rotating = createOvcodeVerifier({ apiSecret: ['old-token', 'new-token'] });
    const outcomes = ['old-token', 'new-token', 'other-token'].map(
      (token) => rotating(CALLBACK, { 'x-api-secret': token }).ok,
    );
    expect(outcomes).toEqual([true, true, false]);
  });

  it('never echoes the configured token', () => {
    const result = verify(CALLBACK, { 'x-api-secret': 'nope' });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('refuses an empty token, an empty list, and a token with outer whitespace', () => {
    expect(() => createOvcodeVerifier({ apiSecret: '' })).toThrow(WebhookConfigurationError);
    expect(() => createOvcodeVerifier({ apiSecret: [] })).toThrow('"ovcode.apiSecret"');
    expect(() => createOvcodeVerifier({ apiSecret: `${TOKEN}\n` }, 'hooks.ovcode')).toThrow(
      '"hooks.ovcode.apiSecret"',
    );
  });
});
