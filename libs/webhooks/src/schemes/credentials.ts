import { createHmac, createSecretKey, hash, timingSafeEqual, type KeyObject } from 'node:crypto';
import { requiredHeader } from './headers.js';
import { WebhookConfigurationError } from './scheme.errors.js';
import {
  accepted,
  rejected,
  type Credential,
  type Rejected,
  type Verifier,
  type VerifyResult,
} from './scheme.types.js';

/**
 * Normalizes a credential option to a non-empty list of non-empty strings, or throws at
 * configuration time naming the option (an empty secret would accept anyone who knows that).
 */
export function credentialList(option: string, value: Credential | undefined): string[] {
  if (value === undefined || value === null) {
    throw new WebhookConfigurationError(option, 'is required');
  }
  const list = typeof value === 'string' ? [value] : [...value];
  if (list.length === 0) throw new WebhookConfigurationError(option, 'must hold at least one value');
  list.forEach((item, index) => {
    if (typeof item !== 'string' || item.length === 0) {
      const where = list.length > 1 ? `[${index}]` : '';
      throw new WebhookConfigurationError(`${option}${where}`, 'must be a non-empty string');
    }
  });
  return list;
}

// One-shot: cheaper than createHash().update().digest() for inputs this small.
const sha256 = (value: string | Uint8Array): Buffer => hash('sha256', value, 'buffer');

/**
 * A shared token kept only as its SHA-256, so comparison takes the same time whatever the
 * length of the guess, and the token itself is not kept in memory beyond configuration.
 */
export class TokenSet {
  private readonly digests: Buffer[];

  constructor(option: string, tokens: Credential | undefined) {
    this.digests = credentialList(option, tokens).map((token) => sha256(token));
  }

  /** Constant time per configured token; every token is tried so timing does not tell which matched. */
  matches(candidate: string): boolean {
    const probe = sha256(candidate);
    let found = false;
    for (const digest of this.digests) found = timingSafeEqual(probe, digest) || found;
    return found;
  }
}

/** Constant-time equality for byte strings whose length is public (digests, signatures). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes hex of an exact byte length, or undefined: Buffer.from silently drops bad digits. */
export function decodeHex(value: string, bytes: number): Buffer | undefined {
  if (value.length !== bytes * 2) return undefined;
  // Buffer.from stops at the first pair that is not hex, so a full length means every digit was.
  const decoded = Buffer.from(value, 'hex');
  return decoded.length === bytes ? decoded : undefined;
}

/** Decodes strict standard base64 (padding required), or undefined: Buffer.from is lenient. */
export function decodeBase64(value: string): Buffer | undefined {
  if (value.length % 4 !== 0 || !BASE64.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64');
  // Reject non-canonical encodings (stray bits in the last character).
  return decoded.toString('base64') === value ? decoded : undefined;
}

/**
 * Like credentialList, for tokens that travel in a header: readHeader trims what arrives, so a
 * token with outer whitespace (a pasted trailing newline, typically) could never match.
 */
export function headerTokenList(option: string, value: Credential | undefined): string[] {
  const list = credentialList(option, value);
  list.forEach((item, index) => {
    if (item.trim() !== item) {
      const where = list.length > 1 ? `[${index}]` : '';
      throw new WebhookConfigurationError(`${option}${where}`, 'must not start or end with whitespace');
    }
  });
  return list;
}

/** What signers accept: text is signed as its UTF-8 bytes, as every vendor's example does. */
export const toBytes = (body: string | Uint8Array): Buffer =>
  typeof body === 'string'
    ? Buffer.from(body, 'utf8')
    : Buffer.from(body.buffer, body.byteOffset, body.length);

/** Computes the expected signature bytes of a message under one prepared credential. */
export type Digester = (message: Uint8Array) => Buffer;

/** One HMAC-SHA256 under a secret used once (a signer): no key object worth preparing. */
export const hmacSha256Of = (secret: string, message: Uint8Array): Buffer =>
  createHmac('sha256', secret).update(message).digest();

export const hmacSha256 = (secret: string): Digester => {
  // Prepared once: a string key would be re-encoded on every call.
  const key: KeyObject = createSecretKey(secret, 'utf8');
  return (message) => createHmac('sha256', key).update(message).digest();
};

/** Whether any digester reproduces the signature; all run, so timing does not tell which matched. */
export function anyDigestEquals(
  digesters: readonly Digester[],
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (digesters.length === 1) return bytesEqual(digesters[0]!(message), signature);
  let found = false;
  for (const digest of digesters) found = bytesEqual(digest(message), signature) || found;
  return found;
}

// Fatal so invalid UTF-8 is not silently replaced; BOM kept so a prefixed body cannot parse.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 text exactly as sent (a BOM included), or undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The compact JSON.stringify form that two vendors' examples sign instead of the bytes they send,
 * or undefined when the body is not JSON or already is that form (nothing new to try).
 */
export function compactJson(body: Uint8Array): Buffer | undefined {
  const text = decodeUtf8(body);
  if (text === undefined) return undefined;
  try {
    const compact = JSON.stringify(JSON.parse(text));
    return compact === text ? undefined : Buffer.from(compact, 'utf8');
  } catch {
    return undefined;
  }
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const isDigit = (byte: number) => byte >= ZERO && byte <= NINE;
/** What may follow a backslash in JSON.stringify's output besides `u`: `"` `\` `b` `f` `n` `r` `t`. */
const SHORT_ESCAPES: ReadonlySet<number> = new Set([0x22, 0x5c, 0x62, 0x66, 0x6e, 0x72, 0x74]);
/** Bytes of a string read one by one before the rest is searched natively. */
const SHORT_STRING = 32;
/** Significant digits any decimal keeps through a double and back (DBL_DIG). */
const EXACT_DIGITS = 15;

/**
 * Where the number token starting at `start` ends when JavaScript writes it exactly so, else -1:
 * `0`, or an integer or plain decimal of at most 15 significant digits (each such decimal is the
 * shortest that reads back as its double), without a trailing fraction zero, an exponent, `-0`,
 * or a value under 1e-6 (written with an exponent). Anything else may be re-spelled.
 */
function canonicalNumberEnd(body: Uint8Array, start: number): number {
  let at = start;
  if (body[at] === MINUS) at++;
  const first = at;
  while (at < body.length && isDigit(body[at]!)) at++;
  const integerDigits = at - first;
  if (integerDigits === 0 || (integerDigits > 1 && body[first] === ZERO)) return -1;
  let significant = body[first] === ZERO ? 0 : integerDigits;
  if (body[at] === DOT) {
    const fraction = ++at;
    while (at < body.length && isDigit(body[at]!)) at++;
    if (at === fraction || body[at - 1] === ZERO) return -1;
    if (significant === 0) {
      let zeros = fraction;
      while (body[zeros] === ZERO) zeros++;
      if (zeros - fraction > 5) return -1;
      significant = at - zeros;
    } else significant += at - fraction;
  } else if (significant === 0 && start !== first) return -1; // -0
  if (significant > EXACT_DIGITS) return -1;
  const next = body[at];
  return next === 0x65 || next === 0x45 ? -1 : at;
}

/**
 * True when the bytes hold nothing that JSON.stringify(JSON.parse(...)) would write differently:
 * no whitespace between tokens, no escape but the short ones, numbers spelled as JavaScript spells
 * them. Such a body is its own compact form (short of duplicate keys, or integer-like keys out of
 * JavaScript's order, which no JavaScript signer can produce), so the fallback could only hash
 * the same bytes again. One pass over the bytes, no decoding: multi-byte UTF-8 never looks like
 * ASCII. Invalid JSON may pass; the fallback would refuse it anyway.
 */
export function isCompactJson(body: Uint8Array): boolean {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const length = bytes.length;
  // A string's first bytes are read one by one, the rest of a long one found with Buffer#indexOf.
  // Per 240 KiB here: short strings ~0.6 ms as with a plain loop; long ones (base64 data) 0.02 ms
  // instead of 0.6 ms; one-letter strings no worse than the loop, where indexOf alone took 2.4 ms.
  // The next backslash is kept, not searched again per string, so a late one cannot make the scan
  // quadratic.
  let backslash = bytes.indexOf(BACKSLASH);
  let at = 0;
  while (at < length) {
    const byte = bytes[at]!;
    if (byte === QUOTE) {
      at++;
      const stop = Math.min(length, at + SHORT_STRING);
      let closed = false;
      while (at < stop) {
        const inside = bytes[at]!;
        if (inside === QUOTE) {
          closed = true;
          at++;
          break;
        }
        if (inside !== BACKSLASH) at++;
        // \/ and \u... may spell a character JSON.stringify writes as itself.
        else if (SHORT_ESCAPES.has(bytes[at + 1]!)) at += 2;
        else return false;
      }
      while (!closed) {
        const end = bytes.indexOf(QUOTE, at);
        if (end < 0) return true;
        if (backslash !== -1 && backslash < at) backslash = bytes.indexOf(BACKSLASH, at);
        if (backslash === -1 || backslash > end) {
          closed = true;
          at = end + 1;
        } else if (SHORT_ESCAPES.has(bytes[backslash + 1]!)) at = backslash + 2;
        else return false;
      }
    } else if (byte === MINUS || isDigit(byte)) {
      at = canonicalNumberEnd(bytes, at);
      if (at < 0) return false;
    } else if (byte === SPACE || byte === TAB || byte === LF || byte === CR) {
      return false;
    } else at++;
  }
  return true;
}

/**
 * Largest body, in bytes, the compact-JSON fallback is tried on unless configured otherwise. The
 * fallback parses and re-serializes a body before anything shows it is genuine, so this bounds
 * what a forged delivery can cost: about 4 ms of verification for a re-spaced body at this size,
 * against 16-22 ms at the 1 MiB body limit before (docs/PERFORMANCE.md, bench/fallback.mjs).
 * Generous for the bodies these vendors describe (a Certificall case lists URLs, not images); a
 * body beyond it must match as sent.
 */
export const DEFAULT_JSON_FALLBACK_LIMIT = 256 * 1024;

/** The `jsonFallbackLimit` option: a byte count, 0 to turn the fallback off; checked at startup. */
export function jsonFallbackLimit(option: string, value: number | undefined): number {
  if (value === undefined) return DEFAULT_JSON_FALLBACK_LIMIT;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new WebhookConfigurationError(option, 'must be a byte count: an integer, 0 or more');
  }
  return value;
}

export interface BodyMatchOptions {
  /** Also try compactJson(body) once the raw bytes failed (only where the vendor signs that). */
  readonly jsonFallback: boolean;
  /** Largest body the fallback is tried on; default DEFAULT_JSON_FALLBACK_LIMIT. */
  readonly fallbackLimit?: number;
  readonly method?: string;
}

/** Checks a decoded signature against the digesters: raw bytes first, then the compact JSON fallback where allowed. */
export type BodyMatcher = (
  digesters: readonly Digester[],
  body: Uint8Array,
  signature: Uint8Array,
) => VerifyResult;

/** Prepared once per verifier, with its results: a verifier runs per delivery and should not allocate to answer. */
export function bodyMatcher({
  jsonFallback,
  fallbackLimit = DEFAULT_JSON_FALLBACK_LIMIT,
  method,
}: BodyMatchOptions): BodyMatcher {
  const extra = method === undefined ? {} : { method };
  const viaBytes = Object.freeze(accepted(extra));
  const viaFallback = Object.freeze(accepted({ ...extra, viaFallback: true }));
  const mismatch = Object.freeze(rejected('mismatch', 'signature does not match'));
  return (digesters, body, signature) => {
    if (anyDigestEquals(digesters, body, signature)) return viaBytes;
    // Unauthenticated work: a parse and a re-serialization, ~20 ms for a forged 1 MiB body, so only
    // where it could produce other bytes, and only up to the limit (bench/fallback.mjs).
    if (!jsonFallback || body.length > fallbackLimit || isCompactJson(body)) return mismatch;
    const compact = compactJson(body);
    if (compact !== undefined && anyDigestEquals(digesters, compact, signature)) return viaFallback;
    return mismatch;
  };
}

/** Verifier for a SHA-256-sized signature sent as hex (either case) in one header. */
export function hexDigestVerifier(
  header: string,
  digesters: readonly Digester[],
  options: BodyMatchOptions,
): Verifier {
  const read = requiredHeader(header);
  const match = bodyMatcher(options);
  const malformed: Rejected = Object.freeze(rejected('malformed', `${header} must be 64 hex digits`));
  return neverThrows((body, headers) => {
    const value = read(headers);
    if (typeof value !== 'string') return value;
    const signature = decodeHex(value, 32);
    return signature === undefined ? malformed : match(digesters, body, signature);
  });
}

/**
 * A verifier must answer every request: a bad argument from the host application or a crypto
 * failure becomes a server-side rejection instead of an exception in the request pipeline.
 */
export function neverThrows(verify: Verifier): Verifier {
  return (body, headers) => {
    // Typically a parsed body handed over instead of the raw one: signatures cover bytes only.
    if (!ArrayBuffer.isView(body)) {
      return rejected('unavailable', 'the raw request body is not available to verify');
    }
    try {
      return verify(body, headers);
    } catch {
      return rejected('unavailable', 'the signature check could not run on this server');
    }
  };
}
