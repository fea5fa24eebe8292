import { createHash } from 'node:crypto';
import {
  credentialList,
  hexDigestVerifier,
  jsonFallbackLimit,
  toBytes,
  type Digester,
} from '../../schemes/credentials.js';
import type { Credential, SignedHeaders, Verifier } from '../../schemes/scheme.types.js';

export interface OxskytCredentials {
  secret: Credential;
  /**
   * Largest body (bytes) on which the compact JSON.stringify form is tried once the raw bytes
   * failed; 0 turns that fallback off. Default 256 KiB (DEFAULT_JSON_FALLBACK_LIMIT).
   */
  jsonFallbackLimit?: number;
}

export const OXSKYT_HEADER = 'x-signature';

// OxsKYT does not use an HMAC: the secret's own hex SHA-256 is appended to the body and hashed.
const oxskytDigester = (secret: string): Digester => {
  const suffix = createHash('sha256').update(secret, 'utf8').digest('hex');
  return (message) => createHash('sha256').update(message).update(suffix, 'utf8').digest();
};

export function createOxskytVerifier(credentials: OxskytCredentials, optionPath = 'oxskyt'): Verifier {
  const secrets = credentialList(`${optionPath}.secret`, credentials?.secret);
  const fallbackLimit = jsonFallbackLimit(`${optionPath}.jsonFallbackLimit`, credentials?.jsonFallbackLimit);
  // The vendor's own example hashes JSON.stringify(req.body), so a sender may have signed that.
  return hexDigestVerifier(OXSKYT_HEADER, secrets.map(oxskytDigester), { jsonFallback: true, fallbackLimit });
}

export function signOxskyt(body: string | Uint8Array, credentials: { secret: string }): SignedHeaders {
  return { [OXSKYT_HEADER]: oxskytDigester(credentials.secret)(toBytes(body)).toString('hex') };
}
