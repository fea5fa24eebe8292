import { headerTokenList, neverThrows, TokenSet } from './credentials.js';
import { requiredHeader } from './headers.js';
import { accepted, rejected, type Credential, type SignedHeaders, type Verifier } from './scheme.types.js';

export interface OvcodeCredentials {
  apiSecret: Credential;
}

const HEADER = 'x-api-secret';

/** OVCODE authenticates the channel only: a static token, nothing ties it to the body. */
export function createOvcodeVerifier(credentials: OvcodeCredentials, optionPath = 'ovcode'): Verifier {
  const option = `${optionPath}.apiSecret`;
  const tokens = new TokenSet(option, headerTokenList(option, credentials?.apiSecret));
  return neverThrows((_body, headers) => {
    const value = requiredHeader(headers, HEADER);
    if (typeof value !== 'string') return value;
    return tokens.matches(value) ? accepted() : rejected('mismatch', `${HEADER} does not match`);
  });
}

export function signOvcode(_body: string | Uint8Array, credentials: { apiSecret: string }): SignedHeaders {
  return { [HEADER]: credentials.apiSecret };
}
