import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ReceiverEnv } from '../../apps/receiver/src/app.module.js';

const FIXTURES = new URL('../reliability/fixtures/', import.meta.url);
const REGISTER_TS = fileURLToPath(new URL('register-ts.mjs', FIXTURES));
const RECEIVER_PROCESS = fileURLToPath(new URL('receiver-process.mjs', FIXTURES));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The reference receiver, run from its sources in a process of its own: a fault that would end
 * the process can be watched (and asserted on) instead of taking Jest's worker down with it.
 */
export class ReceiverProcess {
  stdout = '';
  stderr = '';
  exited?: Exit;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly process: ChildProcess) {
    process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.wake();
    });
    process.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.wake();
    });
    process.on('exit', (code, signal) => {
      this.exited = { code, signal };
      this.wake();
    });
  }

  /** Starts it and resolves with its base URL once it listens. */
  static async start(env: ReceiverEnv, timeoutMs = 30_000): Promise<{ child: ReceiverProcess; url: string }> {
    // Jest's own options (--experimental-vm-modules) are not the child's business.
    const { NODE_OPTIONS: _jestOnly, ...inherited } = process.env;
    const child = new ReceiverProcess(
      spawn(process.execPath, ['--import', REGISTER_TS, RECEIVER_PROCESS], {
        env: { ...inherited, NO_COLOR: '1', RECEIVER_ENV: JSON.stringify(env) },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    try {
      const port = await child.waitFor(() => /^LISTENING (\d+)$/m.exec(child.stdout)?.[1], timeoutMs);
      return { child, url: `http://127.0.0.1:${port}` };
    } catch (error) {
      await child.stop();
      throw error;
    }
  }

  /** Everything it logged, both streams. */
  get output(): string {
    return this.stdout + this.stderr;
  }

  /** Resolves with the first truthy value of `probe`, re-run on every output and on exit. */
  waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`not seen within ${timeoutMs} ms`)), timeoutMs);
      const finish = (error?: Error, value?: T) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (error) reject(new Error(`${error.message}\nchild output:\n${this.output}`));
        else resolve(value as T);
      };
      const check = () => {
        const value = probe();
        if (value) finish(undefined, value);
        else if (this.exited) finish(new Error(`child exited (${JSON.stringify(this.exited)})`));
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Ends it (SIGKILL if SIGTERM is not enough within a moment) and waits until it is gone. */
  async stop(): Promise<Exit> {
    if (!this.exited) {
      this.process.kill('SIGTERM');
      const killer = setTimeout(() => this.process.kill('SIGKILL'), 5_000);
      await new Promise<void>((resolve) => {
        const check = () => {
          if (!this.exited) return;
          this.waiters.delete(check);
          resolve();
        };
        this.waiters.add(check);
        check();
      });
      clearTimeout(killer);
    }
    return this.exited!;
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
