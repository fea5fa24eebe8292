import { describe, expect, it } from '@jest/globals';
import { ForbiddenException, type ExecutionContext, UnauthorizedException } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { HttpAdapterHost } from '@nestjs/core';
import { AdminAccessGuard, isLoopback } from './admin-access.guard.js';

interface FakeRequest {
  headers: Record<string, string>;
  socket: { remoteAddress?: string };
}

function guardWith(token: string | undefined) {
  const setHeaders: [string, string][] = [];
  const config = { get: (name: string) => (name === 'ADMIN_TOKEN' ? token : undefined) } as ConfigService;
  const adapterHost = {
    httpAdapter: {
      setHeader: (_response: unknown, name: string, value: string) => setHeaders.push([name, value]),
    },
  } as unknown as HttpAdapterHost;
  const guard = new AdminAccessGuard(config, adapterHost);
  const check = (remoteAddress: string | undefined, headers: Record<string, string> = {}) => {
    const request: FakeRequest = { headers, socket: { remoteAddress } };
    const context = {
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
    } as unknown as ExecutionContext;
    return () => guard.canActivate(context);
  };
  return { check, setHeaders };
}

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])('%s is loopback', (address) => {
    expect(isLoopback(address)).toBe(true);
  });
  it.each(['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.1', 'fe80::1', '128.0.0.1', '::2', '', undefined])(
    '%s is not',
    (address) => {
      expect(isLoopback(address)).toBe(false);
    },
  );
});

describe('AdminAccessGuard without ADMIN_TOKEN', () => {
  const { check } = guardWith(undefined);

  it('lets a loopback client in', () => {
    expect(check('127.0.0.1')()).toBe(true);
    expect(check('::1')()).toBe(true);
  });

  it('answers 403 to any other address', () => {
    expect(check('10.1.2.3')).toThrow(ForbiddenException);
    expect(check('203.0.113.9')).toThrow(ForbiddenException);
    expect(check(undefined)).toThrow(ForbiddenException);
  });

  it('answers 403 to a loopback connection that a proxy forwarded', () => {
    expect(check('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' })).toThrow(ForbiddenException);
    expect(check('127.0.0.1', { forwarded: 'for=203.0.113.9' })).toThrow(ForbiddenException);
    expect(check('127.0.0.1', { 'x-real-ip': '203.0.113.9' })).toThrow(ForbiddenException);
  });

  it('takes no token as a way in from elsewhere', () => {
    expect(check('10.1.2.3', { authorization: 'Bearer anything' })).toThrow(ForbiddenException);
  });
});

describe('AdminAccessGuard with ADMIN_TOKEN', () => {
  const token = 'a-long-admin-token-0123456789';
  const { check, setHeaders } = guardWith(token);

  it('lets in the bearer of the token, from anywhere', () => {
    expect(check('203.0.113.9', { authorization: `Bearer ${token}` })()).toBe(true);
    expect(check('127.0.0.1', { authorization: `bearer  ${token}` })()).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['another token', 'Bearer not-the-token'],
    ['a prefix of the token', `Bearer ${token.slice(0, -1)}`],
    ['the token and more', `Bearer ${token}x`],
    ['another scheme', `Basic ${token}`],
    ['the bare token', token],
  ])('answers 401 to %s, loopback included', (_case, authorization) => {
    const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
    setHeaders.length = 0;
    expect(check('127.0.0.1', headers)).toThrow(UnauthorizedException);
    expect(setHeaders).toEqual([['WWW-Authenticate', 'Bearer']]);
  });

  it('never says the token in its refusal', () => {
    try {
      check('127.0.0.1', { authorization: 'Bearer wrong' })();
    } catch (error) {
      expect(JSON.stringify((error as UnauthorizedException).getResponse())).not.toContain(token);
    }
    expect.assertions(1);
  });
});
