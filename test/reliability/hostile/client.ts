import http from 'node:http';

/** One request as it goes on the wire: headers are sent exactly as listed, repeats included. */
export interface Outgoing {
  readonly method?: string;
  readonly path: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  /** Sent with `Transfer-Encoding: chunked`, in a few pieces, instead of `Content-Length`. */
  readonly chunked?: boolean;
}

export interface Reply {
  /** 0 when no response arrived (see `error`). */
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly error?: string;
}

/**
 * A keep-alive client over node:http, much cheaper per request than supertest. Headers are
 * passed as a raw array (the same shape as `rawHeaders`), so repeated and oddly cased names go
 * out as given; bodies are Buffers so header bytes above 0x7f go out as single latin1 bytes.
 */
export class HttpClient {
  readonly agent: http.Agent;

  constructor(
    readonly port: number,
    maxSockets = 24,
    private readonly timeoutMs = 30_000,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  send(request: Outgoing, options: { keepBody?: boolean } = {}): Promise<Reply> {
    const keepBody = options.keepBody ?? true;
    const headers: string[] = ['Host', `127.0.0.1:${this.port}`];
    for (const [name, value] of request.headers) headers.push(name, value);
    if (request.chunked) headers.push('Transfer-Encoding', 'chunked');
    else headers.push('Content-Length', String(request.body.length));

    return new Promise<Reply>((resolve) => {
      let settled = false;
      const done = (reply: Reply) => {
        if (settled) return;
        settled = true;
        resolve(reply);
      };
      const outgoing = http.request(
        {
          agent: this.agent,
          host: '127.0.0.1',
          port: this.port,
          method: request.method ?? 'POST',
          path: request.path,
          headers,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => {
            if (keepBody) chunks.push(chunk);
          });
          response.on('end', () =>
            done({
              status: response.statusCode ?? 0,
              headers: response.headers,
              rawHeaders: response.rawHeaders,
              body: Buffer.concat(chunks),
            }),
          );
          response.on('error', (error: NodeJS.ErrnoException) =>
            done({
              status: response.statusCode ?? 0,
              headers: {},
              rawHeaders: [],
              body: Buffer.alloc(0),
              error: error.code ?? error.message,
            }),
          );
        },
      );
      outgoing.setTimeout(this.timeoutMs, () => outgoing.destroy(new Error('client timeout')));
      outgoing.on('error', (error: NodeJS.ErrnoException) =>
        done({
          status: 0,
          headers: {},
          rawHeaders: [],
          body: Buffer.alloc(0),
          error: error.code ?? error.message,
        }),
      );
      if (request.chunked && request.body.length > 2) {
        const third = Math.ceil(request.body.length / 3);
        outgoing.write(request.body.subarray(0, third));
        outgoing.write(request.body.subarray(third, 2 * third));
        outgoing.end(request.body.subarray(2 * third));
      } else {
        outgoing.end(request.body);
      }
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `task(0) … task(count - 1)` with at most `concurrency` in flight, in index order. */
export async function runPool(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
