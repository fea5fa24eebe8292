import {
  bodyMatcher,
  credentialList,
  decodeBase64,
  decodeHex,
  decodeUtf8,
  headerTokenList,
  hmacSha256,
  hmacSha256Of,
  jsonFallbackLimit,
  neverThrows,
  toBytes,
  TokenSet,
  type Digester,
} from '../../schemes/credentials.js';
import { requiredHeader } from '../../schemes/headers.js';
import { WebhookConfigurationError } from '../../schemes/scheme.errors.js';
import {
  accepted,
  rejected,
  type Rejected,
  type Credential,
  type HeaderBag,
  type SignedHeaders,
  type Verifier,
  type VerifyResult,
} from '../../schemes/scheme.types.js';

export interface CertificallHmacCredential {
  apiKey: string;
  apiSecret: Credential;
}

export interface CertificallBasicCredential {
  username: string;
  password: Credential;
}

/** Certificall uses whichever one method was chosen when its webhook was set up; any subset may be configured. */
export interface CertificallCredentials {
  bearerToken?: Credential;
  hmac?: CertificallHmacCredential | readonly CertificallHmacCredential[];
  basic?: CertificallBasicCredential | readonly CertificallBasicCredential[];
  /**
   * HMAC: largest body (bytes) on which the compact JSON.stringify form is tried once the raw
   * bytes failed; 0 turns that fallback off. Default 256 KiB (DEFAULT_JSON_FALLBACK_LIMIT).
   */
  jsonFallbackLimit?: number;
}

export type CertificallSigning =
  | { method: 'bearer'; bearerToken: string }
  | { method: 'hmac'; apiKey: string; apiSecret: string; encoding?: 'hex' | 'base64' }
  | { method: 'basic'; username: string; password: string };

type Method = CertificallSigning['method'];
type MethodCheck = (credentials: string, headers: HeaderBag, body: Uint8Array) => VerifyResult;

const AUTHORIZATION = 'Authorization';
const API_KEY = 'X-Api-Key';
/** Where Certificall's credentials travel: redacted, and captured raw wherever they appear. */
export const CERTIFICALL_HEADERS: readonly string[] = [AUTHORIZATION, API_KEY];
const SCHEMES = new Map<string, { method: Method; label: string }>([
  ['bearer', { method: 'bearer', label: 'Bearer' }],
  ['hmac-sha256', { method: 'hmac', label: 'HMAC-SHA256' }],
  ['basic', { method: 'basic', label: 'Basic' }],
]);

/** Each configured item with the option path to name when it is wrong. */
function items<T>(option: string, value: T | readonly T[]): { item: T; option: string }[] {
  if (!Array.isArray(value)) return [{ item: value as T, option }];
  const list = value as readonly T[];
  if (list.length === 0) throw new WebhookConfigurationError(option, 'must hold at least one value');
  return list.map((item, index) => ({ item, option: `${option}[${index}]` }));
}

/** Results are the same every time: made once, so answering costs no allocation. */
const result = <T extends VerifyResult>(value: T): T => Object.freeze(value);

function bearerCheck(option: string, value: Credential): MethodCheck {
  const tokens = new TokenSet(option, headerTokenList(option, value));
  const ok = result(accepted({ method: 'bearer' }));
  const mismatch = result(rejected('mismatch', 'bearer token does not match'));
  return (token) => (tokens.matches(token) ? ok : mismatch);
}

// Compared as one "username:password" string: usernames may not hold ':' (RFC 7617), so this is
// the same as splitting on the first ':', and one TokenSet keeps it constant time.
function basicCheck(
  option: string,
  value: CertificallBasicCredential | readonly CertificallBasicCredential[],
): MethodCheck {
  const pairs = items(option, value).flatMap(({ item, option: at }) => {
    const [username] = credentialList(`${at}.username`, item?.username);
    if (username.includes(':')) throw new WebhookConfigurationError(`${at}.username`, 'must not contain ":"');
    return credentialList(`${at}.password`, item?.password).map((password) => `${username}:${password}`);
  });
  const known = new TokenSet(option, pairs);
  const ok = result(accepted({ method: 'basic' }));
  const malformed = result(rejected('malformed', 'Basic credentials must be base64 of "username:password"'));
  const mismatch = result(rejected('mismatch', 'username or password does not match'));
  return (encoded) => {
    const decoded = decodeBase64(encoded);
    const text = decoded && decodeUtf8(decoded);
    if (text === undefined || !text.includes(':')) return malformed;
    return known.matches(text) ? ok : mismatch;
  };
}

const COLON = 58;
/** Signature lengths, base64 then hex: the later separator first, as a split on the last ':' finds. */
const SIGNATURE_LENGTHS = [44, 64] as const;
const separatorOf = (credentials: string): number => {
  for (const length of SIGNATURE_LENGTHS) {
    const at = credentials.length - length - 1;
    if (at >= 0 && credentials.charCodeAt(at) === COLON) return at;
  }
  return -1;
};

/** Hex (what a signer emits) or base64: the vendor does not say which its HMAC helper returns. */
function decodeSignature(encoded: string): Buffer | undefined {
  const decoded = encoded.length === 64 ? decodeHex(encoded, 32) : decodeBase64(encoded);
  return decoded?.length === 32 ? decoded : undefined;
}

function hmacCheck(
  option: string,
  value: CertificallHmacCredential | readonly CertificallHmacCredential[],
  fallbackLimit: number,
): MethodCheck {
  // The key travels in clear (it is also the X-Api-Key header): an identifier, not a secret, so a
  // plain lookup selects its secrets; those are then all tried in constant time.
  const digestersByKey = new Map<string, Digester[]>();
  for (const { item, option: at } of items(option, value)) {
    const [apiKey] = headerTokenList(`${at}.apiKey`, item?.apiKey);
    const digesters = digestersByKey.get(apiKey) ?? [];
    for (const secret of credentialList(`${at}.apiSecret`, item?.apiSecret))
      digesters.push(hmacSha256(secret));
    digestersByKey.set(apiKey, digesters);
  }
  const none: Digester[] = [];
  const readKey = requiredHeader(API_KEY);
  // The vendor's example signs JSON.stringify(requestBody), not the bytes it sends.
  const match = bodyMatcher({ jsonFallback: true, fallbackLimit, method: 'hmac' });
  const malformed = result(
    rejected('malformed', 'HMAC-SHA256 credentials must be <apiKey>:<64 hex or 44 base64 signature>'),
  );
  const otherKey = result(rejected('mismatch', `${API_KEY} does not match the key in ${AUTHORIZATION}`));
  return (credentials, headers, body) => {
    // A key may contain ':' and neither signature encoding can, and a signature is 44 (base64) or
    // 64 (hex) characters: so the separator can only sit at one of two places from the end, tried
    // in that order (what splitting on the last ':' gives, without scanning the signature for it).
    const colon = separatorOf(credentials);
    const signature = colon > 0 ? decodeSignature(credentials.slice(colon + 1)) : undefined;
    if (signature === undefined) return malformed;
    const sentKey = readKey(headers);
    if (typeof sentKey !== 'string') return sentKey;
    // The key before the colon, compared in place rather than sliced out.
    if (sentKey.length !== colon || !credentials.startsWith(sentKey)) return otherKey;
    return match(digestersByKey.get(sentKey) ?? none, body, signature);
  };
}

export function createCertificallVerifier(
  credentials: CertificallCredentials,
  optionPath = 'certificall',
): Verifier {
  const { bearerToken, hmac, basic } = credentials ?? {};
  if (bearerToken === undefined && hmac === undefined && basic === undefined) {
    throw new WebhookConfigurationError(optionPath, 'configure at least one of bearerToken, hmac, basic');
  }
  const fallbackLimit = jsonFallbackLimit(`${optionPath}.jsonFallbackLimit`, credentials.jsonFallbackLimit);
  const checks = new Map<Method, MethodCheck>();
  if (bearerToken !== undefined) checks.set('bearer', bearerCheck(`${optionPath}.bearerToken`, bearerToken));
  if (hmac !== undefined) checks.set('hmac', hmacCheck(`${optionPath}.hmac`, hmac, fallbackLimit));
  if (basic !== undefined) checks.set('basic', basicCheck(`${optionPath}.basic`, basic));

  // Keyed by the scheme as sent, lower-cased; an unconfigured one answers its own rejection.
  // Also under each scheme's usual spelling, so the common case needs no lower-casing.
  const bySchemeName = new Map<string, MethodCheck | Rejected>();
  for (const [name, { method, label }] of SCHEMES) {
    const check =
      checks.get(method) ?? result(rejected('unsupported', `${label} authentication is not configured here`));
    bySchemeName.set(name, check).set(label, check);
  }
  const read = requiredHeader(AUTHORIZATION);
  const noScheme = result(rejected('malformed', `${AUTHORIZATION} must be "<scheme> <credentials>"`));
  const unknownScheme = result(rejected('unsupported', `unsupported ${AUTHORIZATION} scheme`));

  return neverThrows((body, headers) => {
    const value = read(headers);
    if (typeof value !== 'string') return value;
    // A known scheme before the first space has no other whitespace before it: the usual case,
    // without the regex search the general one needs.
    let space = value.indexOf(' ');
    let check = space > 0 ? bySchemeName.get(value.slice(0, space)) : undefined;
    if (check === undefined) {
      space = value.search(/\s/);
      if (space < 0) return noScheme;
      check = bySchemeName.get(value.slice(0, space).toLowerCase()) ?? unknownScheme;
    }
    if (typeof check !== 'function') return check;
    return check(value.slice(space).trimStart(), headers, body);
  });
}

export function signCertificall(body: string | Uint8Array, credentials: CertificallSigning): SignedHeaders {
  switch (credentials.method) {
    case 'bearer':
      return { [AUTHORIZATION]: `Bearer ${credentials.bearerToken}` };
    case 'basic': {
      const pair = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8');
      return { [AUTHORIZATION]: `Basic ${pair.toString('base64')}` };
    }
    case 'hmac': {
      const signature = hmacSha256Of(credentials.apiSecret, toBytes(body)).toString(
        credentials.encoding ?? 'hex',
      );
      return {
        [AUTHORIZATION]: `HMAC-SHA256 ${credentials.apiKey}:${signature}`,
        [API_KEY]: credentials.apiKey,
      };
    }
  }
}
