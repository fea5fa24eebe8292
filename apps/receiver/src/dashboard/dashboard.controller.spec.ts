import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createReceiver } from '../bootstrap.js';
import { DASHBOARD_CSP, loadDashboardAssets } from './dashboard.controller.js';

const ASSETS = [
  ['/dashboard', 'text/html'],
  ['/dashboard/dashboard.js', 'text/javascript'],
  ['/dashboard/dashboard.css', 'text/css'],
  ['/dashboard/assets/chart.js', 'text/javascript'],
] as const;

describe('the dashboard files', () => {
  const assets = loadDashboardAssets();

  it('serves Chart.js as its UMD bundle (the global Chart), without a source map to ask for', () => {
    expect(assets.chart.body).toMatch(/\.Chart\s*=|Chart=/);
    expect(assets.chart.body).not.toContain('sourceMappingURL');
  });

  it('has no inline script or style for the policy to block', () => {
    const page = assets.page.body;
    const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(2);
    for (const [, attributes, content] of scripts) {
      expect(attributes).toMatch(/\ssrc="\/dashboard\//);
      expect(content.trim()).toBe('');
    }
    expect(page).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
  });

  it('never parses data as markup: the script has no innerHTML or the like', () => {
    expect(assets.script.body).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  });
});

describe('GET /dashboard with ADMIN_TOKEN set', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createReceiver({
      env: { ADMIN_TOKEN: 'dashboard-spec-token', PGLITE_DATA_DIR: 'memory://' },
      logger: false,
    });
    await app.init();
  });
  afterAll(() => app?.close());

  it.each(ASSETS)('serves %s as %s, with a strict policy and no sniffing', async (path, type) => {
    const reply = await request(app.getHttpServer())
      .get(path)
      // The shell holds no data: it is public, and the page asks for the token.
      .set('X-Forwarded-For', '203.0.113.9')
      .expect(200);
    expect(reply.headers['content-type']).toContain(type);
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(reply.headers['cache-control']).toMatch(/no-cache|max-age=/);
    expect(reply.text.length).toBeGreaterThan(100);
  });

  it('keeps the data behind the token', async () => {
    await request(app.getHttpServer()).get('/api/meta').expect(401);
    await request(app.getHttpServer())
      .get('/api/meta')
      .set('Authorization', 'Bearer dashboard-spec-token')
      .expect(200);
  });

  it('forbids scripts from elsewhere, inline scripts and framing', () => {
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).toContain("frame-ancestors 'none'");
    expect(DASHBOARD_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });
});

describe('GET /dashboard without ADMIN_TOKEN', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createReceiver({ env: { PGLITE_DATA_DIR: 'memory://' }, logger: false });
    await app.init();
  });
  afterAll(() => app?.close());

  it('serves a loopback client, as the API does', async () => {
    await request(app.getHttpServer()).get('/dashboard').expect(200);
    await request(app.getHttpServer()).get('/api/meta').expect(200);
  });

  it('refuses a client a proxy forwarded, as the API does', async () => {
    for (const path of ['/dashboard', '/dashboard/dashboard.js', '/api/meta']) {
      await request(app.getHttpServer()).get(path).set('X-Forwarded-For', '203.0.113.9').expect(403);
    }
  });
});
