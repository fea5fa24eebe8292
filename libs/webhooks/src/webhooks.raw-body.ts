import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import getRawBody from 'raw-body';
import type { HeaderBag } from './schemes/scheme.types.js';
import { RAW_BODY_PROPERTY } from './webhooks.constants.js';

/**
 * Verification needs the exact bytes, and Nest's body parsers throw them away unless the app
 * was created with `rawBody: true`. So the module captures them itself, ahead of those parsers,
 * for the requests that need them: its own routes, and any JSON request carrying a configured
 * sender's credential header (a user's own route protected by an exported guard). Everything else
 * is left untouched.
 */
export interface RawBodyCaptureOptions {
  /** The module's route prefix; a path with this segment is captured. */
  readonly prefix: string;
  readonly limit: number;
  /** The configured senders' ids: `/<prefix>/<id>` is a sender route. */
  readonly senders: ReadonlySet<string>;
  /** The configured senders' credential headers, lower case (each definition's `credentialHeaders`). */
  readonly credentialHeaders: readonly string[];
  /**
   * The error a body over the limit is answered with, through Nest's exception layer so it is
   * the same JSON on both adapters; given the sender the path names, if any, so the module can
   * report the delivery.
   */
  readonly tooLarge: (sender: string | undefined) => Error;
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;

/**
 * One of the module's sender routes (which read the bytes, never `req.body`), elsewhere under its
 * prefix, or neither; with the sender a sender route names.
 */
interface Route {
  readonly kind: 'sender' | 'module' | 'other';
  readonly sender?: string;
}
const OTHER: Route = { kind: 'other' };
const MODULE: Route = { kind: 'module' };

/** Express routes match case-insensitively by default (Fastify can be told to), so this does too. */
function routeOf(url: string, segment: string, senders: ReadonlySet<string>): Route {
  const query = url.indexOf('?');
  const path = `${query === -1 ? url : url.slice(0, query)}/`.toLowerCase();
  const start = path.indexOf(segment);
  if (start === -1) return OTHER;
  const from = start + segment.length;
  const sender = path.slice(from, path.indexOf('/', from));
  return senders.has(sender) ? { kind: 'sender', sender } : MODULE;
}

/**
 * The module's routes always; elsewhere, a JSON (or typeless) body that comes with a configured
 * sender's credential header, for a route of the app's behind a webhook guard. Other bodies keep
 * the app's own parsers (a form posted with a Basic login, say).
 */
function needsRawBody(
  method: string | undefined,
  route: Route,
  headers: IncomingHttpHeaders,
  credentialHeaders: readonly string[],
): boolean {
  if (!method || !METHODS_WITH_BODY.has(method)) return false;
  if (route.kind !== 'other') return true;
  const type = headers['content-type'];
  if (type !== undefined && !JSON_TYPE.test(type)) return false;
  for (const name of credentialHeaders) if (headers[name] !== undefined) return true;
  return false;
}

const CONTENT_ENCODING = 'content-encoding';

/**
 * Whether the body arrives as its sender wrote it: no Content-Encoding, an empty one, or
 * `identity` in any case. Anything else, a list such as `gzip, identity` or a repeated header
 * included, is answered 415 by the guards: no vendor documents compression, and a signature covers
 * the bytes as sent, so an encoded body would verify and then not parse, a decoded one not verify.
 */
export function isIdentityEncoding(headers: HeaderBag): boolean {
  let value = headers[CONTENT_ENCODING];
  if (value === undefined) {
    // Absent on nearly every delivery, so this runs on each: for...in and a length test before any
    // lower-casing take ~25 ns with ten headers, against ~300 ns for an Object.keys scan lower-casing each.
    for (const name in headers) {
      if (name.length === CONTENT_ENCODING.length && name.toLowerCase() === CONTENT_ENCODING) {
        value = headers[name];
        break;
      }
    }
    if (value === undefined) return true;
  }
  if (typeof value !== 'string') {
    if (value.length !== 1) return value.length === 0;
    value = value[0] as string;
  }
  const coding = value.trim();
  return coding === '' || coding.toLowerCase() === 'identity';
}

const EMPTY = Buffer.alloc(0);

/**
 * A captured request whose body is encoded is refused by the guard before any check (415), so
 * its body is neither kept nor parsed (the app's parsers would inflate it): the bytes are
 * discarded as they arrive, which also leaves the connection free to carry the reply.
 */
function discardEncoded(request: Record<string, unknown>, stream: Readable): void {
  request[RAW_BODY_PROPERTY] = EMPTY;
  stream.resume();
}

const segmentOf = (options: RawBodyCaptureOptions) => `/${options.prefix.toLowerCase()}/`;

const isTooLarge = (error: unknown) => (error as { type?: string })?.type === 'entity.too.large';

/**
 * The whole body, or the module's 413. Other read failures (aborted, length mismatch) stay the
 * http-errors raw-body gives, which Nest answers 400 on both adapters.
 */
function readBody(
  stream: Readable,
  headers: IncomingHttpHeaders,
  length: string | undefined,
  sender: string | undefined,
  options: RawBodyCaptureOptions,
  done: (error: unknown, body?: Buffer) => void,
): void {
  const limits = { limit: options.limit, length: headers['transfer-encoding'] ? undefined : length };
  // Its promise form: the callback form binds an AsyncResource per call, which costs more.
  getRawBody(stream, limits).then(
    (body) => done(null, body),
    (error: unknown) => {
      if (!isTooLarge(error)) return done(error);
      // Drained rather than left pending, so a keep-alive connection can carry the reply.
      stream.resume();
      done(options.tooLarge(sender));
    },
  );
}

/** Express: a plain middleware registered on the app before Nest registers its parsers. */
export function expressRawBodyCapture(options: RawBodyCaptureOptions) {
  const segment = segmentOf(options);
  return function webhooksRawBody(
    req: IncomingMessage & Record<string, unknown>,
    _res: unknown,
    next: (error?: unknown) => void,
  ): void {
    const url = (req.originalUrl as string | undefined) ?? req.url ?? '';
    const route = routeOf(url, segment, options.senders);
    if (!needsRawBody(req.method, route, req.headers, options.credentialHeaders)) return next();
    if (!isIdentityEncoding(req.headers)) {
      discardEncoded(req, req);
      // Express's parsers look for a body by these headers alone; the guard reads headersDistinct.
      blankBodyHeaders(req.headers as Record<string, string | undefined>);
      return next();
    }
    readBody(req, req.headers, req.headers['content-length'], route.sender, options, (error, body) => {
      if (error) return next(error);
      req[RAW_BODY_PROPERTY] = body;
      // The stream is consumed, so the app's parsers skip it: parse JSON here for users' own routes
      // (the module's parse the bytes themselves, and a second parse is a measurable share of a request).
      if (route.kind !== 'sender' && JSON_TYPE.test(req.headers['content-type'] ?? '')) {
        try {
          req.body = JSON.parse((body as Buffer).toString('utf8'));
        } catch {
          req.body = undefined;
        }
      }
      next();
    });
  };
}

interface FastifyRequestLike {
  readonly raw: IncomingMessage;
  readonly headers: IncomingHttpHeaders;
  readonly url: string;
  readonly method: string;
  readonly is404?: boolean;
  [RAW_BODY_PROPERTY]?: Buffer;
  [HIDDEN_BODY]?: HiddenBody;
}

/** The headers by which Fastify decides there is a body to parse, as they were sent. */
const BODY_HEADERS = ['content-type', 'content-length', 'transfer-encoding'] as const;
type HiddenBody = Partial<Record<(typeof BODY_HEADERS)[number], string>>;
const HIDDEN_BODY = Symbol('nestjs-webhooks.hiddenBody');

/**
 * Blanks the body headers on the incoming message itself (only those present, so none is added),
 * rather than through Fastify's `request.headers` setter, which would copy every header on each
 * read. `headersDistinct`, which the guards read, is built from the raw lines and is untouched.
 */
function hideBody(request: FastifyRequestLike): void {
  request[HIDDEN_BODY] = blankBodyHeaders(request.raw.headers as Record<string, string | undefined>);
}

function blankBodyHeaders(headers: Record<string, string | undefined>): HiddenBody {
  const hidden: HiddenBody = {};
  for (const name of BODY_HEADERS) {
    const value = headers[name];
    if (value !== undefined) {
      hidden[name] = value;
      headers[name] = undefined;
    }
  }
  return hidden;
}

const hasBody = (headers: IncomingHttpHeaders) => BODY_HEADERS.some((name) => headers[name] !== undefined);

function showBody(request: FastifyRequestLike, hidden: HiddenBody): void {
  const headers = request.raw.headers as Record<string, string | undefined>;
  for (const name of BODY_HEADERS) if (hidden[name] !== undefined) headers[name] = hidden[name];
  request[HIDDEN_BODY] = undefined;
}

type ParserDone = (error: Error | null, body?: unknown) => void;

/** What Fastify answers for a content type no parser accepts; Nest maps it to its 415 by this shape. */
const unsupportedMediaType = () =>
  Object.assign(new Error('Unsupported Media Type'), {
    name: 'FastifyError',
    code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
    statusCode: 415,
  });

/** An in-memory stream of bytes already read, cheaper than `Readable.from` (no async iterator). */
function replay(body: Buffer, encodedLength: number): Readable {
  const stream = new Readable({ read() {} });
  if (body.length > 0) stream.push(body);
  stream.push(null);
  // Fastify checks Content-Length against this, so a decoding hook before ours stays consistent.
  return Object.assign(stream, { receivedEncodedLength: encodedLength });
}

/**
 * Fastify: three pieces, because Fastify picks a parser by content type alone (415 for one it
 * does not know, or for a body without one) and applies its own bodyLimit (1 MiB by default).
 */
export function fastifyRawBodyCapture(options: RawBodyCaptureOptions) {
  const segment = segmentOf(options);
  return {
    /** The module's routes take the module's limit, so Fastify's cannot answer first, unreported. */
    onRoute(route: { url: string; bodyLimit?: number }): void {
      // Under the prefix whatever the segment: the module's routes are `:sender` parameters.
      if (route.url.toLowerCase().includes(segment)) route.bodyLimit = options.limit;
    },

    /**
     * Reads the payload once and keeps the bytes. A user's route gets a replay for its parsers, so
     * `@Body()` still works; the module's own routes never read `request.body`, so Fastify is told
     * there is no body to parse (no second read, no JSON parse) until `preValidation` puts it back.
     */
    preParsing(
      request: FastifyRequestLike,
      _reply: unknown,
      payload: Readable,
      done: (error: unknown, payload?: Readable) => void,
    ): void {
      const route = routeOf(request.url, segment, options.senders);
      if (!needsRawBody(request.method, route, request.headers, options.credentialHeaders)) {
        return done(null, payload);
      }
      if (!isIdentityEncoding(request.headers)) {
        discardEncoded(request as unknown as Record<string, unknown>, payload);
        hideBody(request);
        if (!hasBody(request.headers)) return done(null, payload);
        showBody(request, request[HIDDEN_BODY] as HiddenBody);
        return done(null, replay(EMPTY, 0));
      }
      // Content-Length describes the raw stream only, not one a decoding hook put before ours.
      const length = payload === request.raw ? request.headers['content-length'] : undefined;
      readBody(payload, request.headers, length, route.sender, options, (error, body) => {
        if (error) return done(error);
        const bytes = body as Buffer;
        request[RAW_BODY_PROPERTY] = bytes;
        if (route.kind === 'sender') {
          hideBody(request);
          // Unless a hook of the app's set body headers of its own through Fastify's setter.
          if (!hasBody(request.headers)) return done(null, payload);
          showBody(request, request[HIDDEN_BODY] as HiddenBody);
        }
        const encoded = (payload as Readable & { receivedEncodedLength?: number }).receivedEncodedLength;
        done(null, replay(bytes, encoded ?? bytes.length));
      });
    },

    /** After parsing (skipped for the module's routes), before any user hook or handler reads headers. */
    preValidation(request: FastifyRequestLike, _reply: unknown, done: () => void): void {
      const hidden = request[HIDDEN_BODY];
      if (hidden !== undefined) showBody(request, hidden);
      done();
    },

    /**
     * The catch-all parser, for content types the app has no parser for (or none at all): a
     * captured request gets its bytes as the body, so a delivery is never refused for its type;
     * any other request is answered as Fastify would answer it without this parser.
     */
    parseOtherTypes(request: FastifyRequestLike, _payload: Readable, done: ParserDone): void {
      const body = request[RAW_BODY_PROPERTY];
      if (Buffer.isBuffer(body)) done(null, body);
      else if (request.is404) done(null, undefined);
      else done(unsupportedMediaType());
    },
  };
}
