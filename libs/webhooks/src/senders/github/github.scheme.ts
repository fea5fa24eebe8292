import { randomUUID } from 'node:crypto';
import {
  anyDigestEquals,
  credentialList,
  decodeHex,
  hmacSha256,
  hmacSha256Of,
  neverThrows,
  toBytes,
} from '../../schemes/credentials.js';
import { requiredHeader } from '../../schemes/headers.js';
import {
  ACCEPTED,
  rejected,
  type Credential,
  type Rejected,
  type SignedHeaders,
  type Verifier,
} from '../../schemes/scheme.types.js';

export interface GithubCredentials {
  /** The webhook's secret; a list while one is rotated out (every one is tried). */
  secret: Credential;
}

/** What `signGithub` needs: the secret, and the headers GitHub sends beside the signature. */
export interface GithubSigning {
  secret: string;
  /** `X-GitHub-Event`, sent only when given (the sample's headers carry one otherwise). */
  event?: string;
  /** `X-GitHub-Delivery`. Default: a new UUID, as GitHub makes one per delivery. */
  delivery?: string;
}

/** HMAC-SHA256 of the body, as `sha256=<hex>`: the only signature accepted. */
export const GITHUB_HEADER = 'X-Hub-Signature-256';
/**
 * The SHA-1 signature GitHub still sends beside the other. Redacted like it, never accepted:
 * SHA-1 is what the newer header replaced, and accepting it would let the weaker one decide.
 */
export const GITHUB_LEGACY_HEADER = 'X-Hub-Signature';
/** The event's name (`issues`, `push`); the payload's `action`, where there is one, refines it. */
export const GITHUB_EVENT_HEADER = 'X-GitHub-Event';
/** A GUID per delivery, kept when GitHub (or someone in its UI) redelivers it. */
export const GITHUB_DELIVERY_HEADER = 'X-GitHub-Delivery';

const PREFIX = 'sha256=';
const SHA256_BYTES = 32;

export function createGithubVerifier(credentials: GithubCredentials, optionPath = 'github'): Verifier {
  const digesters = credentialList(`${optionPath}.secret`, credentials?.secret).map(hmacSha256);
  const read = requiredHeader(GITHUB_HEADER);
  const malformed: Rejected = Object.freeze(
    rejected('malformed', `${GITHUB_HEADER} must be "${PREFIX}" followed by 64 hex digits`),
  );
  const mismatch: Rejected = Object.freeze(rejected('mismatch', 'signature does not match'));
  // GitHub signs the bytes it sends: no JSON fallback.
  return neverThrows((body, headers) => {
    const value = read(headers);
    if (typeof value !== 'string') return value;
    const signature = value.startsWith(PREFIX)
      ? decodeHex(value.slice(PREFIX.length), SHA256_BYTES)
      : undefined;
    if (signature === undefined) return malformed;
    return anyDigestEquals(digesters, body, signature) ? ACCEPTED : mismatch;
  });
}

export function signGithub(body: string | Uint8Array, signing: GithubSigning): SignedHeaders {
  const headers: SignedHeaders = {
    [GITHUB_HEADER]: PREFIX + hmacSha256Of(signing.secret, toBytes(body)).toString('hex'),
    [GITHUB_DELIVERY_HEADER]: signing.delivery ?? randomUUID(),
  };
  if (signing.event !== undefined) headers[GITHUB_EVENT_HEADER] = signing.event;
  return headers;
}
