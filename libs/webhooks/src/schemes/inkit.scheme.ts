import { credentialList, hexDigestVerifier, hmacSha256, hmacSha256Of, toBytes } from './credentials.js';
import type { Credential, SignedHeaders, Verifier } from './scheme.types.js';

export interface InkitCredentials {
  secret: Credential;
}

const HEADER = 'Inkit-Signature';

export function createInkitVerifier(credentials: InkitCredentials, optionPath = 'inkit'): Verifier {
  const secrets = credentialList(`${optionPath}.secret`, credentials?.secret);
  // Inkit's example signs request.get_data(), the raw bytes: no JSON fallback.
  return hexDigestVerifier(HEADER, secrets.map(hmacSha256), { jsonFallback: false });
}

export function signInkit(body: string | Uint8Array, credentials: { secret: string }): SignedHeaders {
  return { [HEADER]: hmacSha256Of(credentials.secret, toBytes(body)).toString('hex') };
}
