import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminAccessGuard } from '../access/admin-access.guard.js';

// Both src/dashboard (ts sources under jest) and dist/dashboard (compiled app) sit two levels below
// apps/receiver, so the same relative URL finds the committed page from either.
export const DASHBOARD_FOLDER = fileURLToPath(new URL('../../dashboard/', import.meta.url));

/**
 * The page runs only its own files: no inline script or style, no other origin, not framed. The
 * data it shows are attacker-influenced (payloads, headers), so injected markup must not run.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export interface DashboardAsset {
  body: string;
  contentType: string;
  cacheControl: string;
}

export type DashboardAssets = Record<'page' | 'script' | 'style' | 'chart', DashboardAsset>;

// The page's own files change with the receiver and are small: revalidated each time (ETag).
const REVALIDATE = 'no-cache';

/**
 * Chart.js's UMD bundle, which defines the global `Chart`. The package's `exports` do not list it,
 * so it is found next to the file its main entry resolves to.
 */
export function chartBundlePath(): string {
  return join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
}

/** Read once at startup: a missing file stops the receiver then rather than fail a later request. */
export function loadDashboardAssets(folder: string = DASHBOARD_FOLDER): DashboardAssets {
  const read = (path: string) => readFileSync(path, 'utf8');
  return {
    page: {
      body: read(join(folder, 'index.html')),
      contentType: 'text/html; charset=utf-8',
      cacheControl: REVALIDATE,
    },
    script: {
      body: read(join(folder, 'dashboard.js')),
      contentType: 'text/javascript; charset=utf-8',
      cacheControl: REVALIDATE,
    },
    style: {
      body: read(join(folder, 'dashboard.css')),
      contentType: 'text/css; charset=utf-8',
      cacheControl: REVALIDATE,
    },
    chart: {
      // Its source map is not served: the comment would only make browsers ask for it.
      body: read(chartBundlePath()).replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'),
      contentType: 'text/javascript; charset=utf-8',
      cacheControl: 'public, max-age=86400',
    },
  };
}

/**
 * The page shell holds no data (they all come from /api/*, behind AdminAccessGuard), so with
 * ADMIN_TOKEN set it is public and the page asks for the token. Without a token the API answers
 * loopback clients only, and so does the shell: elsewhere it could show nothing but refusals.
 */
@Injectable()
export class DashboardAccessGuard implements CanActivate {
  constructor(private readonly admin: AdminAccessGuard) {}

  canActivate(context: ExecutionContext): boolean {
    return this.admin.requiresToken || this.admin.canActivate(context);
  }
}

/** Express and Fastify both have `header`. */
interface HeaderSetter {
  header(name: string, value: string): unknown;
}

/** `/dashboard`: a static page and its script, style and chart library (see apps/receiver/dashboard/). */
@ApiExcludeController()
@Controller('dashboard')
@UseGuards(DashboardAccessGuard)
export class DashboardController {
  private readonly assets = loadDashboardAssets();

  @Get()
  page(@Res({ passthrough: true }) response: HeaderSetter): string {
    return serve(response, this.assets.page);
  }

  @Get('dashboard.js')
  script(@Res({ passthrough: true }) response: HeaderSetter): string {
    return serve(response, this.assets.script);
  }

  @Get('dashboard.css')
  style(@Res({ passthrough: true }) response: HeaderSetter): string {
    return serve(response, this.assets.style);
  }

  @Get('assets/chart.js')
  chart(@Res({ passthrough: true }) response: HeaderSetter): string {
    return serve(response, this.assets.chart);
  }
}

function serve(response: HeaderSetter, asset: DashboardAsset): string {
  response.header('Content-Type', asset.contentType);
  response.header('Cache-Control', asset.cacheControl);
  response.header('X-Content-Type-Options', 'nosniff');
  response.header('Content-Security-Policy', DASHBOARD_CSP);
  response.header('Referrer-Policy', 'no-referrer');
  return asset.body;
}
