import {
  credentialList,
  hexDigestVerifier,
  hmacSha256,
  hmacSha256Of,
  toBytes,
} from '../../schemes/credentials.js';
import type { Credential, SignedHeaders, Verifier } from '../../schemes/scheme.types.js';

export interface InkitCredentials {
  secret: Credential;
}

export const INKIT_HEADER = 'Inkit-Signature';

export function createInkitVerifier(credentials: InkitCredentials, optionPath = 'inkit'): Verifier {
  const secrets = credentialList(`${optionPath}.secret`, credentials?.secret);
  // Inkit's example signs request.get_data(), the raw bytes: no JSON fallback.
  return hexDigestVerifier(INKIT_HEADER, secrets.map(hmacSha256), { jsonFallback: false });
}

export function signInkit(body: string | Uint8Array, credentials: { secret: string }): SignedHeaders {
  return { [INKIT_HEADER]: hmacSha256Of(credentials.secret, toBytes(body)).toString('hex') };
}
