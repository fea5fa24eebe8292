import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisIdempotencyStore } from 'nestjs-webhooks';
import { createTestApp, type Recorder } from '../support/app.js';
import { credentials, samples } from '../support/senders.js';
import { connectOrSkip, deleteKeys, listen, post, REDIS_URL, runPrefix, type Reply } from './redis.js';
import { describeIf } from '../support/needs.js';

const SUITE = 'kill-mid-handler';
const LEASE_MS = 1000;
const FIXTURE = fileURLToPath(new URL('./fixtures/hanging-receiver.mjs', import.meta.url));
const BUILT_LIBRARY = fileURLToPath(new URL('../../libs/webhooks/dist/index.js', import.meta.url));

const admin = await connectOrSkip(SUITE);
const describeRedis = describeIf(admin, 'Redis');

/** The child's stdout, line by line, with a way to wait for a line that has not come yet. */
class Child {
  readonly lines: string[] = [];
  stderr = '';
  exited?: { code: number | null; signal: NodeJS.Signals | null };
  private readonly waiters = new Set<() => void>();

  constructor(readonly process: ChildProcess) {
    let pending = '';
    process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop()!;
      this.lines.push(...parts);
      this.wake();
    });
    process.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    process.on('exit', (code, signal) => {
      this.exited = { code, signal };
      this.wake();
    });
  }

  line(prefix: string, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`no "${prefix}" line within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const finish = (error?: Error, line?: string) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (error) reject(new Error(`${error.message}\nchild stderr:\n${this.stderr}`));
        else resolve(line!);
      };
      const check = () => {
        const line = this.lines.find((candidate) => candidate.startsWith(prefix));
        if (line) finish(undefined, line.slice(prefix.length).trim());
        else if (this.exited)
          finish(new Error(`child exited (${JSON.stringify(this.exited)}) before "${prefix}"`));
      };
      this.waiters.add(check);
      check();
    });
  }

  exit(): Promise<NonNullable<Child['exited']>> {
    return new Promise((resolve) => {
      const check = () => {
        if (!this.exited) return;
        this.waiters.delete(check);
        resolve(this.exited);
      };
      this.waiters.add(check);
      check();
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

describeRedis('an instance killed in the middle of a handler', () => {
  const prefix = runPrefix(SUITE);
  const sample = samples.find((candidate) => candidate.sender === 'inkit')!;
  let child: Child | undefined;
  let survivor: { app: INestApplication; recorder: Recorder; url: string; client: Redis };

  beforeAll(async () => {
    if (!existsSync(BUILT_LIBRARY)) {
      throw new Error(
        `${BUILT_LIBRARY} is missing: run \`npm run build\` first (the killed process runs the built library)`,
      );
    }
    // Ready before the kill, so that the retry can be sent while the dead instance's lease is surely alive.
    const client = new Redis(REDIS_URL);
    const { app, recorder } = await createTestApp({
      webhooks: {
        store: new RedisIdempotencyStore(client, { keyPrefix: prefix }),
        idempotency: { leaseMs: LEASE_MS },
      },
    });
    survivor = { app, recorder, client, url: await listen(app) };
  });

  afterAll(async () => {
    if (child && !child.exited) {
      child.process.kill('SIGKILL');
      await child.exit();
    }
    await survivor?.app.close();
    await survivor?.client.quit();
    await deleteKeys(admin!, prefix);
    await admin!.quit();
  });

  it('answers the retry 409 while the lease lives, then runs the handler once after it expires', async () => {
    const { NODE_OPTIONS: _jestOnly, ...env } = process.env;
    child = new Child(
      spawn(process.execPath, [FIXTURE], {
        env: {
          ...env,
          REDIS_URL,
          KEY_PREFIX: prefix,
          LEASE_MS: String(LEASE_MS),
          INKIT_SECRET: credentials.inkit,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const port = await child.line('LISTENING', 20_000);

    const body = JSON.stringify(sample.vary(Date.now()));
    const headers = sample.sign(body);
    const sentAt = performance.now();
    const first = post(`http://127.0.0.1:${port}${sample.path}`, body, headers).then(
      (reply) => reply,
      (error: unknown) => error,
    );
    const started = JSON.parse(await child.line('HANDLER', 10_000)) as { id: string; key: string };
    expect(await admin!.get(prefix + started.key)).toBe(`lease:${started.id}`);

    child.process.kill('SIGKILL');
    expect((await child.exit()).signal).toBe('SIGKILL');
    // The sender saw the connection drop, not an answer: it will retry.
    // (fetch's errors come from another realm than the test's: compare by content, not class.)
    expect(String(await first)).toMatch(/fetch failed|socket|ECONNRESET/);

    const url = survivor.url + sample.path;
    const right = await post(url, body, headers);
    expect(performance.now() - sentAt).toBeLessThan(LEASE_MS);
    expect(right.status).toBe(409);
    expect(survivor.recorder.events).toHaveLength(0);

    // The sender's retries, a little apart, until one is no longer refused.
    const retries: Reply[] = [];
    const deadline = sentAt + LEASE_MS + 5_000;
    while (performance.now() < deadline) {
      const reply = await post(url, body, headers);
      retries.push(reply);
      if (reply.status !== 409) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const accepted = retries.at(-1)!;
    expect(accepted.status).toBe(200);
    expect(retries.slice(0, -1).every((reply) => reply.status === 409)).toBe(true);
    // The lease was taken after the first request left, so it cannot have expired before this.
    expect(accepted.at - sentAt).toBeGreaterThanOrEqual(LEASE_MS - 5);

    const runs = survivor.recorder.events.filter((event) => event.idempotencyKey === started.key);
    expect(runs).toHaveLength(1);
    expect(await admin!.get(prefix + started.key)).toBe(`done:${runs[0].id}`);

    // A later retry finds the processed mark.
    expect((await post(url, body, headers)).status).toBe(200);
    expect(survivor.recorder.events).toHaveLength(1);
    expect(survivor.recorder.outcomes.map((outcome) => outcome.outcome)).toContain('duplicate');
  });
});
