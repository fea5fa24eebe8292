import { createHash } from 'node:crypto';
import {
  credentialList,
  hexDigestVerifier,
  jsonFallbackLimit,
  toBytes,
  type Digester,
} from './credentials.js';
import type { Credential, SignedHeaders, Verifier } from './scheme.types.js';

export interface OxskytCredentials {
  secret: Credential;
  /**
   * Largest body (bytes) on which the compact JSON.stringify form is tried once the raw bytes
   * failed; 0 turns that fallback off. Default 256 KiB (DEFAULT_JSON_FALLBACK_LIMIT).
   */
  jsonFallbackLimit?: number;
}

const HEADER = 'x-signature';

// OxsKYT does not use an HMAC: the secret's own hex SHA-256 is appended to the body and hashed.
const oxskytDigester = (secret: string): Digester => {
  const suffix = createHash('sha256').update(secret, 'utf8').digest('hex');
  return (message) => createHash('sha256').update(message).update(suffix, 'utf8').digest();
};

export function createOxskytVerifier(credentials: OxskytCredentials, optionPath = 'oxskyt'): Verifier {
  const secrets = credentialList(`${optionPath}.secret`, credentials?.secret);
  const fallbackLimit = jsonFallbackLimit(`${optionPath}.jsonFallbackLimit`, credentials?.jsonFallbackLimit);
  // The vendor's own example hashes JSON.stringify(req.body), so a sender may have signed that.
  return hexDigestVerifier(HEADER, secrets.map(oxskytDigester), { jsonFallback: true, fallbackLimit });
}

export function signOxskyt(body: string | Uint8Array, credentials: { secret: string }): SignedHeaders {
  return { [HEADER]: oxskytDigester(credentials.secret)(toBytes(body)).toString('hex') };
}
