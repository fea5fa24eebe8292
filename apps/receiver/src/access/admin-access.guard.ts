import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  UnauthorizedException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** Headers a reverse proxy adds: behind one, every client would look like loopback. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (`::ffff:127.0.0.1`, what a dual-stack socket reports). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const ip = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(ip) === 4) return ip.startsWith('127.');
  return ip === '::1';
}

/**
 * The access rule of the receiver's own API (records and the delivery log hold personal data and
 * every payload). With `ADMIN_TOKEN` set: `Authorization: Bearer <token>`, compared in constant
 * time, else 401. Unset: loopback clients only, else 403; a request that came through a proxy is
 * refused too, because the proxy's own connection is loopback when it runs on the same host.
 */
@Injectable()
export class AdminAccessGuard implements CanActivate, OnApplicationBootstrap {
  private readonly logger = new Logger('AdminAccess');
  // Kept as its digest: the comparison then takes the same time whatever the guess's length.
  private readonly tokenDigest: Buffer | undefined;

  constructor(
    config: ConfigService,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    const token = config.get<string>('ADMIN_TOKEN')?.trim();
    this.tokenDigest = token ? sha256(token) : undefined;
  }

  /** Whether ADMIN_TOKEN is set (a bearer token is asked for), rather than loopback only. */
  get requiresToken(): boolean {
    return this.tokenDigest !== undefined;
  }

  onApplicationBootstrap(): void {
    this.logger.log(
      this.tokenDigest
        ? 'API (/api/*, the data /dashboard shows) and /metrics: require Authorization: Bearer <ADMIN_TOKEN>'
        : 'API (/api/*), /dashboard and /metrics: ADMIN_TOKEN is unset, so only loopback clients without proxy headers are served',
    );
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<{
      headers: Record<string, string | string[] | undefined>;
      socket?: { remoteAddress?: string };
      raw?: { socket?: { remoteAddress?: string } };
    }>();
    if (this.tokenDigest) {
      if (this.bearerMatches(request.headers.authorization)) return true;
      this.adapterHost.httpAdapter.setHeader(http.getResponse(), 'WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('This API needs Authorization: Bearer <ADMIN_TOKEN>');
    }
    const address = request.socket?.remoteAddress ?? request.raw?.socket?.remoteAddress;
    const forwarded = FORWARDING_HEADERS.some((name) => request.headers[name] !== undefined);
    if (isLoopback(address) && !forwarded) return true;
    throw new ForbiddenException('This API answers loopback clients only unless ADMIN_TOKEN is set');
  }

  private bearerMatches(header: string | string[] | undefined): boolean {
    if (typeof header !== 'string') return false;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return false;
    return timingSafeEqual(sha256(match[1]!), this.tokenDigest!);
  }
}
