import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { bytesEqual, credentialList, decodeHex, neverThrows, toBytes } from '../../schemes/credentials.js';
import { requiredHeader } from '../../schemes/headers.js';
import { WebhookConfigurationError } from '../../schemes/scheme.errors.js';
import {
  ACCEPTED,
  rejected,
  type Credential,
  type Rejected,
  type SignedHeaders,
  type Verifier,
} from '../../schemes/scheme.types.js';
import { timestampCheck, type TimestampOptions } from '../../schemes/timestamp.js';

export const STRIPE_HEADER = 'Stripe-Signature';

/**
 * Most `key=value` items read from one `Stripe-Signature` header. Stripe sends a `t`, one `v1` per
 * active endpoint secret (two while one is rolled) and, in test mode, a `v0`: far fewer. The bound
 * caps the HMAC comparisons a forged header can ask for.
 */
export const STRIPE_MAX_HEADER_ITEMS = 16;

export interface StripeCredentials extends TimestampOptions {
  /**
   * The endpoint's signing secret, `whsec_...` as the Dashboard or `stripe listen` shows it, used
   * whole as the HMAC key (not decoded), as Stripe's libraries do. A list accepts any of them:
   * while a secret is rolled, or for several endpoints (Connect and account) posting to one route.
   */
  secret: Credential;
}

export interface StripeSigning {
  secret: string;
  /** Unix seconds written in `t=` and signed. Default: now. */
  timestamp?: number;
}

interface StripeHeader {
  readonly timestamp: string;
  readonly signatures: readonly Buffer[];
}

const SIGNATURE_BYTES = 32;

/** Reads `t=<unix>,v1=<hex>[,v1=<hex>...]`; schemes other than `v1` (the test-mode `v0`) are ignored. */
function headerParser(): (value: string) => StripeHeader | Rejected {
  const malformed = (message: string) => Object.freeze(rejected('malformed', `${STRIPE_HEADER} ${message}`));
  const tooMany = malformed(`has more than ${STRIPE_MAX_HEADER_ITEMS} items`);
  const notKeyValue = malformed('must be key=value items separated by commas');
  const noTimestamp = malformed('has no t timestamp');
  const twoTimestamps = malformed('has more than one t timestamp');
  const noV1 = malformed('has no v1 signature');
  const badV1 = malformed('v1 signature must be 64 hex digits');
  return (value) => {
    // One more than allowed is enough to tell "too many" without splitting the rest.
    const items = value.split(',', STRIPE_MAX_HEADER_ITEMS + 1);
    if (items.length > STRIPE_MAX_HEADER_ITEMS) return tooMany;
    let timestamp: string | undefined;
    const signatures: Buffer[] = [];
    for (const item of items) {
      const equals = item.indexOf('=');
      if (equals <= 0) return notKeyValue;
      const key = item.slice(0, equals);
      if (key === 't') {
        if (timestamp !== undefined) return twoTimestamps;
        timestamp = item.slice(equals + 1);
      } else if (key === 'v1') {
        // Stripe's library would compare a bad one and move on; nothing Stripe sends is bad, so
        // a bad one is a broken or forged header and is said so, not hidden behind `mismatch`.
        const signature = decodeHex(item.slice(equals + 1), SIGNATURE_BYTES);
        if (signature === undefined) return badV1;
        signatures.push(signature);
      }
    }
    if (timestamp === undefined) return noTimestamp;
    if (signatures.length === 0) return noV1;
    return { timestamp, signatures };
  };
}

/** HMAC-SHA256 of `<t>.<raw body>`, fed in two parts so the body is never copied. */
const signedPayloadDigest = (key: KeyObject | string, timestamp: string, body: Uint8Array): Buffer =>
  createHmac('sha256', key).update(`${timestamp}.`, 'utf8').update(body).digest();

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>` where the hex is HMAC-SHA256(secret, `<t>.<raw body>`).
 * The timestamp is checked first (reason `timestamp`), then every `v1` under every secret, in
 * constant time. Stripe signs the bytes it sends: no JSON fallback.
 */
export function createStripeVerifier(credentials: StripeCredentials, optionPath = 'stripe'): Verifier {
  const secrets = credentialList(`${optionPath}.secret`, credentials?.secret);
  secrets.forEach((secret, index) => {
    // A pasted newline or space makes every signature mismatch, the commonest Stripe set-up fault
    // (its library warns of it on each failure); no whsec_ secret holds whitespace.
    if (/\s/.test(secret)) {
      const where = secrets.length > 1 ? `[${index}]` : '';
      throw new WebhookConfigurationError(`${optionPath}.secret${where}`, 'must not contain whitespace');
    }
  });
  const checkTimestamp = timestampCheck(optionPath, STRIPE_HEADER, credentials);
  // Prepared once: a string key would be re-encoded on every delivery.
  const keys = secrets.map((secret) => createSecretKey(secret, 'utf8'));
  const read = requiredHeader(STRIPE_HEADER);
  const parse = headerParser();
  const mismatch = Object.freeze(rejected('mismatch', 'signature does not match'));
  return neverThrows((body, headers) => {
    const value = read(headers);
    if (typeof value !== 'string') return value;
    const header = parse(value);
    if ('ok' in header) return header;
    const stale = checkTimestamp(header.timestamp);
    if (stale !== undefined) return stale;
    // Every secret against every v1, without stopping at a match: timing tells nothing of which.
    let found = false;
    for (const key of keys) {
      const expected = signedPayloadDigest(key, header.timestamp, body);
      for (const signature of header.signatures) found = bytesEqual(expected, signature) || found;
    }
    return found ? ACCEPTED : mismatch;
  });
}

/** The header Stripe sends for `body`: `t=<timestamp>,v1=<hex>`. */
export function signStripe(body: string | Uint8Array, { secret, timestamp }: StripeSigning): SignedHeaders {
  const t = timestamp ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(t) || t < 0) {
    throw new RangeError('signStripe: timestamp must be whole Unix seconds, 0 or more');
  }
  const hex = signedPayloadDigest(secret, String(t), toBytes(body)).toString('hex');
  return { [STRIPE_HEADER]: `t=${t},v1=${hex}` };
}
