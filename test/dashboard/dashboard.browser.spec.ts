import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { ReceiverEnv } from '../../apps/receiver/src/app.module.js';
import { createReceiver } from '../../apps/receiver/src/bootstrap.js';
import { describeIf } from '../support/needs.js';
import { credentials, receiverSenderEnv } from '../support/senders.js';

const CHROMIUM = '/usr/bin/chromium';
const CLI = fileURLToPath(new URL('../../libs/webhooks/bin/nestjs-webhooks.js', import.meta.url));
const BUILT_CLI = fileURLToPath(new URL('../../libs/webhooks/dist/cli/main.js', import.meta.url));
/** Set to 1 to rewrite docs/dashboard-*.png, which the README shows; normal runs leave them alone. */
const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS === '1';
const screenshot = (name: string) => fileURLToPath(new URL(`../../docs/${name}`, import.meta.url));
const run = promisify(execFile);

// The functions handed to page.evaluate run in the page, which has these; the project's types are
// Node's alone, and declared here they stay in this file.
declare const document: any;
declare const window: any;
declare const sessionStorage: { length: number };

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Each wait on the page; a dashboard that needs longer is broken. */
const WAIT_MS = 10_000;

const ADMIN_TOKEN = 'dashboard-browser-token-4e1f';
const senderEnv: ReceiverEnv = receiverSenderEnv(['inkit', 'github', 'stripe']);
/** A header value that is markup: it must show as text and never become an element. */
const HOSTILE = `<img src="x" onerror="window.__pwned = 1">`;

interface Row {
  id: string;
  sender: string;
  state: string;
  statusCode: number;
  replayOf: string | null;
  rawBody?: string | null;
}

/** Sends with the built CLI, its secret from the environment as the README tells people to. */
async function send(base: string, sender: string, env: Record<string, string>, args: string[] = []) {
  try {
    const { stdout } = await run(
      process.execPath,
      [CLI, 'send', sender, '--url', `${base}/webhooks/${sender}`, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 },
    );
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '' };
  }
}

async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

const rowsShown = (page: Page) =>
  page.$$eval('#deliveries tbody tr', (trs) =>
    trs.map((tr) => ({
      id: (tr as any).dataset.id,
      sender: tr.children[1]!.textContent,
      state: tr.children[3]!.textContent,
    })),
  );

const waitForRows = (page: Page, count: number) =>
  page.waitForFunction((n) => document.querySelectorAll('#deliveries tbody tr').length === n, count, {
    timeout: WAIT_MS,
  });

describeIf(existsSync(CHROMIUM), 'Chromium')('the dashboard in headless Chromium', () => {
  describeIf(existsSync(BUILT_CLI), 'a built library')('with deliveries sent by the CLI', () => {
    let app: INestApplication;
    let base: string;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-browser-'));
    /** Script errors and policy violations in the page: none is expected. */
    const pageErrors: string[] = [];

    const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
      const reply = await fetch(`${base}${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
        signal: AbortSignal.timeout(WAIT_MS),
      });
      expect(reply.ok).toBe(true);
      return (await reply.json()) as T;
    };
    const log = () => api<Row[]>('/api/deliveries?limit=100');
    const body = (name: string, value: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(value));
      return ['--body', path];
    };

    beforeAll(async () => {
      app = await createReceiver({
        env: { ...senderEnv, ADMIN_TOKEN, PGLITE_DATA_DIR: 'memory://' },
        logger: false,
      });
      await app.listen(0, '127.0.0.1');
      base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

      // One after the other, so that the log's order is the order sent.
      const sent = [
        await send(base, 'github', { GITHUB_WEBHOOK_SECRET: credentials.github }),
        await send(base, 'stripe', { STRIPE_WEBHOOK_SECRET: credentials.stripe }),
        await send(base, 'github', { GITHUB_WEBHOOK_SECRET: credentials.github }),
        await send(base, 'inkit', { INKIT_WEBHOOK_SECRET: credentials.inkit }, [
          ...body('inkit-1.json', { event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: 'doc_dash_1' }),
        ]),
        await send(base, 'inkit', { INKIT_WEBHOOK_SECRET: credentials.inkit }, [
          ...body('inkit-2.json', { event_type: 'DOCUMENT_DELETED', resource_id: 'doc_dash_2' }),
        ]),
        // Signed with a secret the receiver does not know: rejected, its body not kept, its headers
        // kept (as anyone may send them: one is markup).
        await send(base, 'inkit', { INKIT_WEBHOOK_SECRET: 'not-the-inkit-secret' }, [
          ...body('inkit-3.json', { event_type: 'FOLDER_CREATED', resource_id: 'doc_dash_3' }),
          '--header',
          `X-Trace-Note: ${HOSTILE}`,
        ]),
      ];
      expect(sent.map(({ code }) => code)).toEqual([0, 0, 0, 0, 0, 1]);

      browser = await launch();
      context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      page = await context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) pageErrors.push(message.text());
      });
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await app?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('asks for the token, and refuses a wrong one without showing a delivery', async () => {
      await page.goto(`${base}/dashboard`);
      await page.locator('#sign-in').waitFor({ state: 'visible' });
      expect(await page.locator('#app').isVisible()).toBe(false);

      await page.fill('#token', 'not-the-admin-token');
      await page.click('#sign-in-form button[type=submit]');
      await page.waitForFunction(() =>
        /Wrong token/.test(document.querySelector('#sign-in-error')!.textContent!),
      );
      expect(await page.locator('#sign-in-error').isVisible()).toBe(true);
      expect(await page.locator('#deliveries tbody tr').count()).toBe(0);
      expect(await page.locator('#app').isVisible()).toBe(false);
      // A refused token is not kept.
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    });

    it('shows every delivery, newest first, once given the right token, which stays out of the URL', async () => {
      await page.fill('#token', ADMIN_TOKEN);
      await page.click('#sign-in-form button[type=submit]');
      const expected = await log();
      expect(expected).toHaveLength(6);
      await waitForRows(page, expected.length);
      const shown = await rowsShown(page);
      expect(shown.map(({ id }) => id)).toEqual(expected.map(({ id }) => id));
      expect(shown.map(({ sender }) => sender)).toEqual([
        'inkit',
        'inkit',
        'inkit',
        'github',
        'stripe',
        'github',
      ]);
      expect(shown[0]!.state).toBe('rejected');
      expect(page.url()).not.toContain(ADMIN_TOKEN);
      expect(await page.locator('#sign-in').isVisible()).toBe(false);
      expect(await page.locator('#sign-out').isVisible()).toBe(true);
    });

    it("narrows the list to one sender's deliveries, and keeps the filter in a link one can share", async () => {
      await page.selectOption('#filters select[name=sender]', 'stripe');
      await page.click('#filters button[type=submit]');
      await waitForRows(page, 1);
      expect((await rowsShown(page)).map(({ sender }) => sender)).toEqual(['stripe']);
      expect(new URL(page.url()).hash).toBe('#sender=stripe');

      // The same link opened afresh (this tab still holds the token): the same view.
      await page.goto(`${base}/dashboard#sender=github`);
      // A hash change alone would keep the document: load it anew.
      await page.reload();
      await waitForRows(page, 2);
      expect((await rowsShown(page)).map(({ sender }) => sender)).toEqual(['github', 'github']);
      expect(await page.inputValue('#filters select[name=sender]')).toBe('github');

      await page.click('#clear-filters');
      await waitForRows(page, 6);
      expect(new URL(page.url()).hash).toBe('');
    });

    it('pages through the list on the server, older then newer again', async () => {
      const all = (await log()).map(({ id }) => id);
      const ids = async () => (await rowsShown(page)).map(({ id }) => id);
      await page.goto(`${base}/dashboard#limit=4`);
      await waitForRows(page, 4);
      expect(await ids()).toEqual(all.slice(0, 4));
      expect(await page.isDisabled('#newer')).toBe(true);
      await page.click('#older');
      await waitForRows(page, 2);
      expect(await ids()).toEqual(all.slice(4));
      expect(await page.isDisabled('#older')).toBe(true);
      await page.click('#newer');
      await waitForRows(page, 4);
      expect(await ids()).toEqual(all.slice(0, 4));
      await page.click('#clear-filters');
      await waitForRows(page, 6);
    });

    it('shows a delivery: redacted signature, other headers as sent, the body pretty-printed', async () => {
      const original = (await log()).find(
        (row) => row.sender === 'inkit' && row.state === 'processed' && row.rawBody?.includes('doc_dash_1'),
      );
      expect(original).toBeDefined();
      await page.click(`#deliveries tbody tr[data-id="${original!.id}"]`);
      await page.locator('#detail .headers').waitFor();

      const headers = Object.fromEntries(
        await page.$$eval('#detail .headers tr', (trs) =>
          trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent]),
        ),
      );
      expect(headers['inkit-signature']).toBe('[redacted]');
      expect(headers['content-type']).toBe('application/json');

      expect(await page.textContent('#detail pre.body')).toBe(
        JSON.stringify(JSON.parse(original!.rawBody!), null, 2),
      );
      expect(await page.textContent('#detail .facts')).toContain(original!.id);
      expect(new URL(page.url()).hash).toBe(`#delivery=${original!.id}`);
    });

    it('offers no replay for a rejected delivery, and says why it was rejected', async () => {
      const rejected = (await log()).find((row) => row.state === 'rejected')!;
      await page.click(`#deliveries tbody tr[data-id="${rejected.id}"]`);
      await page.waitForFunction(
        (id) => document.querySelector('#detail .facts')?.textContent?.includes(id),
        rejected.id,
      );
      expect(await page.locator('#replay').count()).toBe(0);
      expect(await page.textContent('#detail .facts')).toContain('Rejected because');
      // A forger's header, shown as text: no element was made of it, and its handler never ran.
      await page.locator('#detail .headers').waitFor();
      const headers = Object.fromEntries(
        await page.$$eval('#detail .headers tr', (trs) =>
          trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent]),
        ),
      );
      expect(headers['inkit-signature']).toBe('[redacted]');
      expect(headers['x-trace-note']).toBe(HOSTILE);
      expect(await page.locator('#detail img').count()).toBe(0);
      expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
      expect(await page.textContent('#detail .replay')).toContain('cannot be replayed');
      await page.goBack();
      await page.locator('#replay').waitFor();
    });

    it('replays a verified delivery: the handler runs once more, and the replay is logged as one', async () => {
      const record = () => api<{ lastDeliveryId: string }>('/api/records/inkit/doc_dash_1');
      const original = (await log()).find(
        (row) => row.state === 'processed' && row.rawBody?.includes('doc_dash_1'),
      )!;
      expect((await record()).lastDeliveryId).toBe(original.id);

      await page.click('#replay');
      await page.waitForFunction(() =>
        /Replay accepted/.test(document.querySelector('#replay-result')?.textContent ?? ''),
      );
      const replays = (await log()).filter((row) => row.replayOf === original.id);
      expect(replays).toHaveLength(1);
      expect(replays[0]).toMatchObject({ sender: 'inkit', state: 'processed' });
      // The handler ran again: the record now names the replay as its last delivery.
      expect((await record()).lastDeliveryId).toBe(replays[0]!.id);
      // The page shows it: in the answer, in this delivery's history, and at the top of the list.
      expect(await page.textContent('#replay-result')).toContain(replays[0]!.id);
      expect(await page.locator(`#detail .history a:text("${replays[0]!.id}")`).count()).toBe(1);
      await waitForRows(page, 7);
      expect((await rowsShown(page))[0]!.id).toBe(replays[0]!.id);
      if (SCREENSHOTS) {
        // From the replay down: its answer, the redacted headers, the body and the history in one view.
        await page.$eval('#detail', (panel) => {
          panel.scrollTop = (panel as any).querySelector('.replay').offsetTop - 12;
        });
        await page.screenshot({ path: screenshot('dashboard-detail.png') });
      }
    });

    it('draws outcomes over time per sender', async () => {
      await page.click('#detail .close');
      await page.locator('#detail').waitFor({ state: 'hidden' });
      const drawn = () =>
        page.evaluate(() => {
          const canvas = document.querySelector('#chart');
          const chart = window.Chart.getChart(canvas);
          const pixels: number[] = canvas
            .getContext('2d')
            .getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
          const datasets = (chart?.data.datasets ?? []) as { label: string; data: number[] }[];
          return {
            painted,
            total: datasets.reduce((sum, set) => sum + set.data.reduce((a, b) => a + b, 0), 0),
            states: datasets.map((set) => set.label).sort(),
          };
        });
      const all = await drawn();
      expect(all.total).toBe(7);
      expect(all.states).toEqual(['processed', 'rejected']);
      expect(all.painted).toBeGreaterThan(1000);

      await page.selectOption('#chart-sender', 'github');
      expect(await drawn()).toMatchObject({ total: 2, states: ['processed'] });
      await page.selectOption('#chart-sender', '');
      expect(pageErrors).toEqual([]);
      if (SCREENSHOTS) await page.screenshot({ path: screenshot('dashboard-list.png') });
    });

    it('forgets the token on sign out, and asks for it again', async () => {
      await page.click('#sign-out');
      await page.locator('#sign-in').waitFor({ state: 'visible' });
      expect(await page.locator('#deliveries tbody tr').count()).toBe(0);
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      await page.reload();
      await page.locator('#sign-in').waitFor({ state: 'visible' });
      expect(await page.locator('#app').isVisible()).toBe(false);
    });
  });

  describe('without ADMIN_TOKEN', () => {
    let app: INestApplication;
    let browser: Browser;

    beforeAll(async () => {
      app = await createReceiver({ env: { ...senderEnv, PGLITE_DATA_DIR: 'memory://' }, logger: false });
      await app.listen(0, '127.0.0.1');
      browser = await launch();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await app?.close();
    });

    it('serves a loopback browser without asking for a token', async () => {
      const page = await browser.newPage();
      const { port } = app.getHttpServer().address() as AddressInfo;
      await page.goto(`http://127.0.0.1:${port}/dashboard`);
      await page.locator('#list-empty').waitFor({ state: 'visible', timeout: WAIT_MS });
      expect(await page.locator('#sign-in').isVisible()).toBe(false);
      // Nothing to forget.
      expect(await page.locator('#sign-out').isVisible()).toBe(false);
    });
  });
});
