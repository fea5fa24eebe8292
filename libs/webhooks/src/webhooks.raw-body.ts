import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import getRawBody from 'raw-body';
import { RAW_BODY_PROPERTY } from './webhooks.constants.js';

/**
 * Verification needs the exact bytes, and Nest's body parsers throw them away unless the app
 * was created with `rawBody: true`. So the module captures them itself, ahead of those parsers,
 * for the requests that need them: its own routes, and any request carrying a signature header
 * (a user's own route protected by an exported guard). Everything else is left untouched.
 */
export interface RawBodyCaptureOptions {
  /** The module's route prefix; a path with this segment is captured. */
  readonly prefix: string;
  readonly limit: number;
  /** Told about a body over the limit, which is answered 413 before any parsing. */
  readonly onTooLarge: (path: string, headers: IncomingHttpHeaders) => void;
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
const SIGNATURE_HEADERS = ['x-signature', 'inkit-signature', 'illow-signature'];
const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;

export function needsRawBody(method: string | undefined, url: string | undefined, headers: IncomingHttpHeaders, segment: string): boolean {
  if (!method || !METHODS_WITH_BODY.has(method)) return false;
  if (url && pathOf(url).includes(segment)) return true;
  for (const name of SIGNATURE_HEADERS) if (headers[name] !== undefined) return true;
  const authorization = headers.authorization;
  return typeof authorization === 'string' && /^hmac-sha256\s/i.test(authorization);
}

const pathOf = (url: string) => {
  const query = url.indexOf('?');
  return (query === -1 ? url : url.slice(0, query)) + '/';
};

function readBody(stream: Readable, headers: IncomingHttpHeaders, limit: number): Promise<Buffer> {
  const length = headers['content-length'];
  return getRawBody(stream, { limit, length: headers['transfer-encoding'] ? undefined : length });
}

const isTooLarge = (error: unknown) => (error as { type?: string })?.type === 'entity.too.large';

function sendJson(res: ServerResponse, status: number, body: object): void {
  if (res.headersSent) return;
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

/** Express: a plain middleware registered on the app before Nest registers its parsers. */
export function expressRawBodyCapture(options: RawBodyCaptureOptions) {
  const segment = `/${options.prefix}/`;
  return function webhooksRawBody(
    req: IncomingMessage & Record<string, unknown>,
    res: ServerResponse,
    next: (error?: unknown) => void,
  ): void {
    if (!needsRawBody(req.method, req.originalUrl as string ?? req.url, req.headers, segment)) return next();
    readBody(req, req.headers, options.limit).then(
      (body) => {
        req[RAW_BODY_PROPERTY] = body;
        // The stream is consumed, so the app's parsers skip it: parse JSON here for users' own routes.
        if (JSON_TYPE.test(req.headers['content-type'] ?? '')) {
          try {
            req.body = JSON.parse(body.toString('utf8'));
          } catch {
            req.body = undefined;
          }
        }
        next();
      },
      (error: unknown) => {
        if (isTooLarge(error)) {
          options.onTooLarge(req.url ?? '', req.headers);
          sendJson(res, 413, {
            statusCode: 413,
            error: 'Payload Too Large',
            message: `Body exceeds the limit of ${options.limit} bytes`,
            reason: 'too-large',
          });
          req.resume();
          return;
        }
        sendJson(res, 400, { statusCode: 400, error: 'Bad Request', message: 'The request body could not be read' });
      },
    );
  };
}

/**
 * Fastify: a preParsing hook reads the payload once, keeps the bytes, and hands the parsers a
 * fresh stream of the same bytes, so `@Body()` still works on users' routes.
 */
export function fastifyRawBodyCapture(options: RawBodyCaptureOptions) {
  const segment = `/${options.prefix}/`;
  return async function webhooksRawBody(
    request: { raw: IncomingMessage; headers: IncomingHttpHeaders; url: string; method: string } & Record<string, unknown>,
    _reply: unknown,
    payload: Readable,
  ): Promise<Readable> {
    if (!needsRawBody(request.method, request.url, request.headers, segment)) return payload;
    let body: Buffer;
    try {
      body = await readBody(payload, request.headers, options.limit);
    } catch (error) {
      if (isTooLarge(error)) {
        options.onTooLarge(request.url, request.headers);
        throw Object.assign(new Error(`Body exceeds the limit of ${options.limit} bytes`), {
          statusCode: 413,
          code: 'FST_ERR_CTP_BODY_TOO_LARGE',
        });
      }
      throw error;
    }
    request[RAW_BODY_PROPERTY] = body;
    const replay = Readable.from(body.length > 0 ? [body] : []);
    (replay as Readable & { receivedEncodedLength: number }).receivedEncodedLength = body.length;
    return replay;
  };
}
