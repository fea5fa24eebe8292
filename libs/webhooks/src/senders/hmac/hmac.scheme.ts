import { createHmac, createSecretKey } from 'node:crypto';
import {
  bodyMatcher,
  credentialList,
  decodeBase64,
  decodeHex,
  neverThrows,
  toBytes,
  type Digester,
} from '../../schemes/credentials.js';
import { requiredHeader } from '../../schemes/headers.js';
import { WebhookConfigurationError } from '../../schemes/scheme.errors.js';
import {
  rejected,
  type Credential,
  type Rejected,
  type SignedHeaders,
  type Verifier,
} from '../../schemes/scheme.types.js';

/** The digests vendors sign with; SHA-1 only because some still do (its HMAC is not broken). */
export const HMAC_ALGORITHMS = ['sha1', 'sha256', 'sha512'] as const;
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];

/** How the digest is written in the header. */
export const HMAC_ENCODINGS = ['hex', 'base64'] as const;
export type HmacEncoding = (typeof HMAC_ENCODINGS)[number];

/** Bytes of each digest: a signature of any other length is refused before any HMAC is computed. */
const DIGEST_BYTES: Readonly<Record<HmacAlgorithm, number>> = { sha1: 20, sha256: 32, sha512: 64 };

/** Where the vendor puts the HMAC of the raw body, and how it writes it. */
export interface HmacSignatureOptions {
  /** The header, in the vendor's spelling (`X-Shopify-Hmac-Sha256`); matched case-insensitively. */
  readonly header: string;
  readonly algorithm: HmacAlgorithm;
  /** `hex` (either case accepted) or standard `base64` with its padding. */
  readonly encoding: HmacEncoding;
  /**
   * Text before the digest, required exactly as written (`sha256=` for GitHub's
   * `X-Hub-Signature-256`). Default: none, the header holds the digest alone.
   */
  readonly prefix?: string;
}

export interface HmacCredentials {
  /** The shared secret, used as the HMAC key (its UTF-8 bytes); several while one is rotated out. */
  secret: Credential;
}

/** What the signer needs: one secret. */
export interface HmacSigning {
  secret: string;
}

// RFC 9110's token: what defineWebhookSender accepts in credentialHeaders.
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
// Printable ASCII (`HMAC ` may end with its space); not starting with one: readHeader trims the
// value, so a leading space could never match.
const PREFIX = /^[\x21-\x7e][\x20-\x7e]*$/;

const oneOf = (list: readonly string[]) => list.map((item) => JSON.stringify(item)).join(', ');

/**
 * The options checked and copied (a later change to the caller's object changes nothing), or a
 * WebhookConfigurationError naming `<where>.<field>`.
 */
export function hmacSignatureOptions(where: string, signature: HmacSignatureOptions): HmacSignatureOptions {
  if (typeof signature !== 'object' || signature === null) {
    throw new WebhookConfigurationError(where, 'must be an object: { header, algorithm, encoding, prefix? }');
  }
  const { header, algorithm, encoding, prefix } = signature;
  if (typeof header !== 'string' || !HEADER_NAME.test(header)) {
    throw new WebhookConfigurationError(`${where}.header`, `${JSON.stringify(header)} is not a header name`);
  }
  if (!(HMAC_ALGORITHMS as readonly unknown[]).includes(algorithm)) {
    throw new WebhookConfigurationError(`${where}.algorithm`, `must be one of ${oneOf(HMAC_ALGORITHMS)}`);
  }
  if (!(HMAC_ENCODINGS as readonly unknown[]).includes(encoding)) {
    throw new WebhookConfigurationError(`${where}.encoding`, `must be one of ${oneOf(HMAC_ENCODINGS)}`);
  }
  if (prefix !== undefined && (typeof prefix !== 'string' || !PREFIX.test(prefix))) {
    throw new WebhookConfigurationError(
      `${where}.prefix`,
      'must be printable ASCII, not starting with a space (leave it out for none)',
    );
  }
  return Object.freeze(
    prefix === undefined ? { header, algorithm, encoding } : { header, algorithm, encoding, prefix },
  );
}

const digester =
  (algorithm: HmacAlgorithm) =>
  (secret: string): Digester => {
    // Prepared once: a string key would be re-encoded on every delivery.
    const key = createSecretKey(secret, 'utf8');
    return (message) => createHmac(algorithm, key).update(message).digest();
  };

/**
 * Verifies `<prefix><digest>` in one header, the digest an HMAC of the raw body under any of the
 * secrets. Signature options are checked here too (errors name `signature.<field>`) for a caller
 * that did not go through defineHmacWebhookSender.
 */
export function createHmacVerifier(
  credentials: HmacCredentials,
  optionPath: string,
  signature: HmacSignatureOptions,
): Verifier {
  const { header, algorithm, encoding, prefix = '' } = hmacSignatureOptions('signature', signature);
  const secrets = credentialList(`${optionPath}.secret`, credentials?.secret);
  const digesters = secrets.map(digester(algorithm));
  const bytes = DIGEST_BYTES[algorithm];
  // Vendors document the bytes they send as signed: re-serializing JSON would only add forgeable work.
  const match = bodyMatcher({ jsonFallback: false });
  const read = requiredHeader(header);
  const written =
    encoding === 'hex' ? `${bytes * 2} hex digits` : `${Math.ceil(bytes / 3) * 4} characters of base64`;
  const expected = prefix === '' ? written : `${JSON.stringify(prefix)} followed by ${written}`;
  const malformed: Rejected = Object.freeze(rejected('malformed', `${header} must be ${expected}`));
  const decode =
    encoding === 'hex'
      ? (text: string) => decodeHex(text, bytes)
      : (text: string) => {
          const decoded = decodeBase64(text);
          return decoded?.length === bytes ? decoded : undefined;
        };
  // neverThrows: an OpenSSL policy refusing SHA-1 makes createHmac throw, answered `unavailable`.
  return neverThrows((body, headers) => {
    const value = read(headers);
    if (typeof value !== 'string') return value;
    if (!value.startsWith(prefix)) return malformed;
    const digest = decode(value.slice(prefix.length));
    return digest === undefined ? malformed : match(digesters, body, digest);
  });
}

/** The header the vendor sends for `body`: `<prefix><digest>`. */
export function signHmac(
  body: string | Uint8Array,
  { secret }: HmacSigning,
  signature: HmacSignatureOptions,
): SignedHeaders {
  const { header, algorithm, encoding, prefix = '' } = hmacSignatureOptions('signature', signature);
  return { [header]: prefix + createHmac(algorithm, secret).update(toBytes(body)).digest(encoding) };
}
