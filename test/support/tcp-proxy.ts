import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy to a dependency (PostgreSQL, Redis) that a test can make misbehave the
 * way networks do, without touching the dependency itself:
 * - `blackhole()`: connections stay open but nothing gets through, either way, and new ones are
 *   accepted and never answered (a hung server, a dropped route). Bytes are held, not lost, as
 *   TCP would: after `forward()` they flow again in order.
 * - `drop()`: every connection is cut, and new ones too until `forward()` (a server restarting).
 */
export class TcpProxy {
  private mode: 'forward' | 'blackhole' | 'drop' = 'forward';
  private readonly pairs = new Set<Pair>();

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer({ pauseOnConnect: true });
    const proxy = new TcpProxy(server, target);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  static redirect(url: string, proxy: TcpProxy): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(proxy.port);
    return parsed.toString();
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Connections open through the proxy right now. */
  get connections(): number {
    return this.pairs.size;
  }

  forward(): void {
    this.mode = 'forward';
    for (const pair of this.pairs) pair.flow();
  }

  blackhole(): void {
    this.mode = 'blackhole';
    for (const pair of this.pairs) pair.hold();
  }

  drop(): void {
    this.mode = 'drop';
    for (const pair of [...this.pairs]) pair.destroy();
  }

  async close(): Promise<void> {
    for (const pair of [...this.pairs]) pair.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'drop') {
      client.resetAndDestroy();
      return;
    }
    const pair = new Pair(client, connect(this.target), () => this.mode === 'forward');
    this.pairs.add(pair);
    pair.onClose(() => this.pairs.delete(pair));
    if (this.mode === 'forward') pair.flow();
  }
}

/** Both ends of one proxied connection, each copied to the other only while the proxy forwards. */
class Pair {
  private closed = false;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    forwarding: () => boolean,
  ) {
    upstream.pause();
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      from.on('data', (chunk) => {
        if (!to.write(chunk)) from.pause();
      });
      to.on('drain', () => {
        if (forwarding()) from.resume();
      });
      // Either end going away takes the other with it, as a real peer's close would.
      from.on('end', () => to.end());
      from.on('error', () => this.destroy());
      from.on('close', () => this.destroy());
    }
  }

  flow(): void {
    this.client.resume();
    this.upstream.resume();
  }

  hold(): void {
    this.client.pause();
    this.upstream.pause();
  }

  /** Cut with a reset, as a server that went away: the peer's next read fails at once. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    cut(this.client);
    cut(this.upstream);
    for (const listener of this.listeners) listener();
  }

  onClose(listener: () => void): void {
    this.listeners.push(listener);
  }
}

/**
 * A reset where one can be made. A socket whose end (FIN, passed on from the other side) is still
 * being sent cannot be reset: libuv refuses (EINVAL) and Node then never closes its handle, which
 * keeps the process alive after the tests are done. Such a socket is closed instead; its FIN is
 * on its way already, and unread data makes the kernel send a reset anyway.
 */
function cut(socket: Socket): void {
  if (socket.writableEnded && !socket.writableFinished) socket.destroy();
  else socket.resetAndDestroy();
}
