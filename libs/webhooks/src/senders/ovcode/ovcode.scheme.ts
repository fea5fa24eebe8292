import { headerTokenList, neverThrows, TokenSet } from '../../schemes/credentials.js';
import { requiredHeader } from '../../schemes/headers.js';
import {
  ACCEPTED,
  rejected,
  type Credential,
  type SignedHeaders,
  type Verifier,
} from '../../schemes/scheme.types.js';

export interface OvcodeCredentials {
  apiSecret: Credential;
}

export const OVCODE_HEADER = 'x-api-secret';

/** OVCODE authenticates the channel only: a static token, nothing ties it to the body. */
export function createOvcodeVerifier(credentials: OvcodeCredentials, optionPath = 'ovcode'): Verifier {
  const option = `${optionPath}.apiSecret`;
  const tokens = new TokenSet(option, headerTokenList(option, credentials?.apiSecret));
  const read = requiredHeader(OVCODE_HEADER);
  const mismatch = Object.freeze(rejected('mismatch', `${OVCODE_HEADER} does not match`));
  return neverThrows((_body, headers) => {
    const value = read(headers);
    if (typeof value !== 'string') return value;
    return tokens.matches(value) ? ACCEPTED : mismatch;
  });
}

export function signOvcode(_body: string | Uint8Array, credentials: { apiSecret: string }): SignedHeaders {
  return { [OVCODE_HEADER]: credentials.apiSecret };
}
