import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';

export interface RedisServer {
  url: string;
  port: number;
  /** Stops this server, by its own pid, and waits until it is gone. */
  stop(): Promise<void>;
  /** Kills this server (SIGKILL, by its own pid), as a crash would, and waits until it is gone. */
  kill(): Promise<void>;
}

export interface RedisServerOptions {
  /**
   * Keep an append-only file in this directory, fsynced before each write is answered
   * (`appendfsync always`), so that a server killed and started again on it has lost no
   * acknowledged write. Default: nothing on disk.
   */
  aofDir?: string;
  /** Listen on this port, e.g. to start again where a killed server was. Default: a free port. */
  port?: number;
}

/**
 * A redis-server of the test's own, on a free port, holding nothing on disk unless asked: faults
 * can be made around it without touching the Redis that other suites share. `undefined` when
 * there is no redis-server binary.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer | undefined> {
  const port = options.port ?? (await freePort());
  const persistence =
    options.aofDir === undefined
      ? ['--appendonly', 'no']
      : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.aofDir];
  let child: ChildProcess;
  try {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence],
      { stdio: 'ignore' },
    );
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch {
    return undefined;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const url = `redis://127.0.0.1:${port}`;
  // It takes a moment to listen: try again until it answers, within a bound.
  const deadline = performance.now() + 5_000;
  for (;;) {
    const error = await pong(port).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    if (!error) break;
    if (performance.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`redis-server on port ${port} did not come up`, { cause: error });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, port, stop, kill };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One PING on a plain socket: a client library would linger on its own timers afterwards. */
function pong(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    let reply = '';
    socket.setEncoding('utf8');
    socket.setTimeout(1_000, () => socket.destroy(new Error('no reply to PING')));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (!reply.includes('\r\n')) return;
      socket.destroy();
      if (reply.startsWith('+PONG')) resolve();
      else reject(new Error(`PING answered ${JSON.stringify(reply)}`));
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed before answering PING')));
  });
}
