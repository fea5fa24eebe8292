import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
  sign as signBytes,
  verify as verifyBytes,
  type KeyObject,
} from 'node:crypto';
import { bytesEqual, credentialList, decodeBase64, neverThrows, toBytes } from '../../schemes/credentials.js';
import { requiredHeader } from '../../schemes/headers.js';
import { WebhookConfigurationError } from '../../schemes/scheme.errors.js';
import {
  ACCEPTED,
  accepted,
  rejected,
  type Credential,
  type SignedHeaders,
  type Verifier,
} from '../../schemes/scheme.types.js';
import { timestampCheck, type TimestampOptions } from '../../schemes/timestamp.js';

/** The delivery's id: the same on every retry of one message (the idempotency key). */
export const STANDARD_WEBHOOK_ID_HEADER = 'webhook-id';
/** When this attempt was signed, in Unix seconds. */
export const STANDARD_WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
/** Space-separated `v1,<base64>` (HMAC-SHA256) and `v1a,<base64>` (ed25519) signatures. */
export const STANDARD_WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

/**
 * What a Standard Webhooks receiver is configured with: a secret, a public key, or both (a
 * producer may sign with either, and may change from one to the other).
 */
export interface StandardWebhooksCredentials extends TimestampOptions {
  /**
   * The endpoint's signing secret for `v1` (HMAC-SHA256) signatures: `whsec_` followed by base64,
   * as the producer shows it; the prefix may be left out, and the padding too. The HMAC key is
   * the decoded bytes, not the text. Several while one is rotated out.
   */
  secret?: Credential;
  /**
   * The producer's ed25519 public key for `v1a` signatures: `whpk_` followed by base64 of the raw
   * 32-byte key, or a PEM "PUBLIC KEY" (SPKI). Several while one is rotated out.
   */
  publicKey?: Credential;
}

/** What `signStandardWebhook` signs with; at least one of `secret` and `privateKey`. */
export interface StandardWebhooksSigning {
  /** A `v1` signature with this secret, in the form `secret` is configured with. */
  secret?: string;
  /**
   * A `v1a` signature with this ed25519 key: `whsk_` followed by base64 of the 32-byte seed or of
   * the 64-byte seed and public key (libsodium's secret key, which `generateStandardWebhookKeyPair`
   * writes), a PEM "PRIVATE KEY" (PKCS#8), or a KeyObject.
   */
  privateKey?: string | KeyObject;
  /** The `webhook-id`. Default: `msg_` and 24 random base64url characters. */
  id?: string;
  /** The `webhook-timestamp`: Unix seconds, or a Date. Default: now. */
  timestamp?: number | Date;
}

const SECRET_PREFIX = 'whsec_';
const PUBLIC_KEY_PREFIX = 'whpk_';
const PRIVATE_KEY_PREFIX = 'whsk_';
/** The specification's own limits, so a hostile header cannot buy unbounded work. */
const MAX_ID_LENGTH = 255;
const MAX_SIGNATURES = 16;
const HMAC_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;
const ED25519_KEY_BYTES = 32;
// DER headers of an ed25519 SPKI public key and PKCS#8 private key: the raw bytes follow them.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const PEM_BLOCK = /^-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*-----END \1-----$/;
/**
 * Printable ASCII only: Node reads header bytes as latin1 while the specification's libraries sign
 * the id as UTF-8, so any other character would be signed as bytes this side cannot know.
 */
const ID_PATTERN = /^[\x20-\x7e]+$/;

const where = (option: string, list: readonly string[], index: number) =>
  list.length > 1 ? `${option}[${index}]` : option;

/** Base64 with or without its padding (the specification's libraries accept both), or undefined. */
function decodeKeyBase64(text: string): Buffer | undefined {
  const missing = (4 - (text.length % 4)) % 4;
  // A length one past a multiple of four is no base64 at all; decodeBase64 refuses it as is.
  return decodeBase64(missing === 3 ? text : text + '='.repeat(missing));
}

function hmacKeys(option: string, value: Credential): KeyObject[] {
  const list = credentialList(option, value);
  return list.map((text, index) => {
    const at = where(option, list, index);
    if (text.startsWith(PUBLIC_KEY_PREFIX) || text.startsWith(PRIVATE_KEY_PREFIX)) {
      throw new WebhookConfigurationError(
        at,
        'holds an ed25519 key, not a secret: a "whpk_" key goes in publicKey',
      );
    }
    const bytes = decodeKeyBase64(text.startsWith(SECRET_PREFIX) ? text.slice(SECRET_PREFIX.length) : text);
    if (bytes === undefined) {
      throw new WebhookConfigurationError(at, 'must be "whsec_" followed by base64 (the prefix optional)');
    }
    return createSecretKey(bytes);
  });
}

function rawPublicKey(bytes: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, bytes]), format: 'der', type: 'spki' });
}

function parsePublicKey(at: string, text: string): KeyObject {
  if (text.startsWith(PUBLIC_KEY_PREFIX)) {
    const bytes = decodeKeyBase64(text.slice(PUBLIC_KEY_PREFIX.length));
    if (bytes === undefined || bytes.length !== ED25519_KEY_BYTES) {
      throw new WebhookConfigurationError(at, 'must be "whpk_" followed by base64 of a 32-byte ed25519 key');
    }
    return rawPublicKey(bytes);
  }
  // PEM kept in an environment variable often arrives with literal "\n" for its line breaks.
  const pem = text.replaceAll('\\n', '\n').trim();
  const label = PEM_BLOCK.exec(pem)?.[1];
  if (label === undefined) {
    const secret = text.startsWith(SECRET_PREFIX) ? ' (a "whsec_" secret goes in secret)' : '';
    throw new WebhookConfigurationError(
      at,
      `must be "whpk_" followed by base64 of the ed25519 key, or a PEM "PUBLIC KEY"${secret}`,
    );
  }
  // A private key would parse too, but one pasted on the receiving side is a leak worth stopping.
  if (label !== 'PUBLIC KEY') {
    throw new WebhookConfigurationError(at, `expected a PEM "PUBLIC KEY", got "${label}"`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new WebhookConfigurationError(at, 'could not be parsed as a public key');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new WebhookConfigurationError(
      at,
      `must be an ed25519 key, got ${key.asymmetricKeyType ?? 'unknown'}`,
    );
  }
  return key;
}

function publicKeys(option: string, value: Credential): KeyObject[] {
  const list = credentialList(option, value);
  return list.map((text, index) => parsePublicKey(where(option, list, index), text));
}

/** The raw 32 bytes of an ed25519 key's public half. */
function rawPublicBytes(key: KeyObject): Buffer {
  const pub = key.type === 'public' ? key : createPublicKey(key);
  return Buffer.from(pub.export({ format: 'jwk' }).x as string, 'base64url');
}

function parsePrivateKey(value: string | KeyObject): KeyObject {
  let key: KeyObject;
  if (typeof value !== 'string') key = value;
  else if (value.startsWith(PRIVATE_KEY_PREFIX)) {
    const bytes = decodeKeyBase64(value.slice(PRIVATE_KEY_PREFIX.length));
    if (bytes === undefined || (bytes.length !== 32 && bytes.length !== 64)) {
      throw new WebhookConfigurationError(
        'privateKey',
        'must be "whsk_" followed by base64 of a 32-byte ed25519 seed or of the seed and public key',
      );
    }
    const seed = bytes.subarray(0, 32);
    key = createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    });
    // The 64-byte form repeats the public key: a mismatch means a corrupted or spliced key.
    if (bytes.length === 64 && !bytesEqual(bytes.subarray(32), rawPublicBytes(key))) {
      throw new WebhookConfigurationError('privateKey', "holds a public key that is not its seed's");
    }
  } else {
    try {
      key = createPrivateKey(value.replaceAll('\\n', '\n'));
    } catch {
      throw new WebhookConfigurationError('privateKey', 'could not be parsed as a private key');
    }
  }
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
    throw new WebhookConfigurationError('privateKey', 'must be an ed25519 private key');
  }
  return key;
}

/**
 * Verifier for the Standard Webhooks specification (https://www.standardwebhooks.com): the
 * signature covers `<webhook-id>.<webhook-timestamp>.<body>`, the timestamp must be within the
 * tolerance, and any one `v1` (HMAC-SHA256) or `v1a` (ed25519) signature of the header matching a
 * configured secret or public key accepts the delivery. Signatures of other versions are ignored.
 */
export function createStandardWebhooksVerifier(
  credentials: StandardWebhooksCredentials,
  optionPath = 'standard',
): Verifier {
  const { secret, publicKey } = credentials ?? {};
  if ((secret === undefined || secret === null) && (publicKey === undefined || publicKey === null)) {
    throw new WebhookConfigurationError(
      `${optionPath}.secret`,
      'is required (or publicKey, for asymmetric v1a signatures)',
    );
  }
  const secrets = secret === undefined || secret === null ? [] : hmacKeys(`${optionPath}.secret`, secret);
  const keys =
    publicKey === undefined || publicKey === null ? [] : publicKeys(`${optionPath}.publicKey`, publicKey);
  const checkTimestamp = timestampCheck(optionPath, STANDARD_WEBHOOK_TIMESTAMP_HEADER, credentials);

  const readId = requiredHeader(STANDARD_WEBHOOK_ID_HEADER);
  const readTimestamp = requiredHeader(STANDARD_WEBHOOK_TIMESTAMP_HEADER);
  const readSignature = requiredHeader(STANDARD_WEBHOOK_SIGNATURE_HEADER);
  const SIGNATURE = STANDARD_WEBHOOK_SIGNATURE_HEADER;
  const badId = Object.freeze(
    rejected(
      'malformed',
      `${STANDARD_WEBHOOK_ID_HEADER} must be at most ${MAX_ID_LENGTH} printable ASCII characters`,
    ),
  );
  const tooMany = Object.freeze(
    rejected('malformed', `${SIGNATURE} holds more than ${MAX_SIGNATURES} signatures`),
  );
  const malformed = Object.freeze(
    rejected(
      'malformed',
      `${SIGNATURE} must hold "v1,<base64>" or "v1a,<base64>" signatures separated by spaces`,
    ),
  );
  const noVersion = Object.freeze(rejected('unsupported', `${SIGNATURE} holds no v1 or v1a signature`));
  const noSecret = Object.freeze(
    rejected(
      'unsupported',
      `${SIGNATURE} holds only v1a (ed25519) signatures, and no publicKey is configured`,
    ),
  );
  const noKey = Object.freeze(
    rejected('unsupported', `${SIGNATURE} holds only v1 (HMAC) signatures, and no secret is configured`),
  );
  const mismatch = Object.freeze(rejected('mismatch', 'signature does not match'));
  const viaEd25519 = Object.freeze(accepted({ method: 'v1a' }));

  return neverThrows((body, headers) => {
    const id = readId(headers);
    if (typeof id !== 'string') return id;
    const timestamp = readTimestamp(headers);
    if (typeof timestamp !== 'string') return timestamp;
    const header = readSignature(headers);
    if (typeof header !== 'string') return header;
    // Before any signature work: a replay costs nothing, and is told apart from a wrong secret.
    const late = checkTimestamp(timestamp);
    if (late !== undefined) return late;
    // A "." in the id is allowed: the timestamp is digits only, so the signed content still splits
    // one way for any timestamp within the tolerance.
    if (id.length > MAX_ID_LENGTH || !ID_PATTERN.test(id)) return badId;

    const hmacs: Buffer[] = [];
    const ed25519s: Buffer[] = [];
    let entries = 0;
    let broken = false;
    for (const entry of header.split(' ')) {
      if (entry === '') continue;
      if (++entries > MAX_SIGNATURES) return tooMany;
      const comma = entry.indexOf(',');
      if (comma <= 0) {
        broken = true;
        continue;
      }
      const version = entry.slice(0, comma);
      // Other versions belong to a later revision of the specification: skipped, as its libraries do.
      if (version !== 'v1' && version !== 'v1a') continue;
      const signature = decodeBase64(entry.slice(comma + 1));
      if (version === 'v1' && signature?.length === HMAC_BYTES) hmacs.push(signature);
      else if (version === 'v1a' && signature?.length === ED25519_SIGNATURE_BYTES) ed25519s.push(signature);
      else broken = true;
    }

    const prefix = `${id}.${timestamp}.`;
    const byHmac = secrets.length > 0 && hmacs.length > 0;
    if (byHmac) {
      // Every secret against every signature: timing tells neither which matched nor how many.
      let found = false;
      for (const key of secrets) {
        const digest = createHmac('sha256', key).update(prefix).update(body).digest();
        for (const signature of hmacs) found = bytesEqual(digest, signature) || found;
      }
      if (found) return ACCEPTED;
    }
    const byEd25519 = keys.length > 0 && ed25519s.length > 0;
    if (byEd25519) {
      // Ed25519 hashes the message twice, so it needs it whole: the one copy of the body, made only here.
      const message = Buffer.concat([Buffer.from(prefix), body]);
      // Public keys: no secret for the order of the checks to reveal.
      for (const key of keys) {
        for (const signature of ed25519s) if (verifyBytes(null, message, key, signature)) return viaEd25519;
      }
    }
    if (byHmac || byEd25519) return mismatch;
    if (broken) return malformed;
    if (hmacs.length > 0) return noKey;
    return ed25519s.length > 0 ? noSecret : noVersion;
  });
}

/**
 * The three headers a Standard Webhooks producer sends for `body`: a `v1` signature with
 * `secret`, a `v1a` one with `privateKey`, both (space-separated) when both are given.
 */
export function signStandardWebhook(
  body: string | Uint8Array,
  signing: StandardWebhooksSigning,
): SignedHeaders {
  const id = signing.id ?? `msg_${randomBytes(18).toString('base64url')}`;
  const at = signing.timestamp ?? new Date();
  const timestamp = at instanceof Date ? Math.floor(at.getTime() / 1000) : at;
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new WebhookConfigurationError('timestamp', 'must be Unix seconds (a whole number) or a valid Date');
  }
  const prefix = `${id}.${timestamp}.`;
  const bytes = toBytes(body);
  const signatures: string[] = [];
  if (signing.secret !== undefined) {
    const [key] = hmacKeys('secret', signing.secret);
    signatures.push(`v1,${createHmac('sha256', key!).update(prefix).update(bytes).digest('base64')}`);
  }
  if (signing.privateKey !== undefined) {
    const key = parsePrivateKey(signing.privateKey);
    const signature = signBytes(null, Buffer.concat([Buffer.from(prefix), bytes]), key);
    signatures.push(`v1a,${signature.toString('base64')}`);
  }
  if (signatures.length === 0) {
    throw new WebhookConfigurationError('secret', 'a secret or a privateKey is required to sign');
  }
  return {
    [STANDARD_WEBHOOK_ID_HEADER]: id,
    [STANDARD_WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
    [STANDARD_WEBHOOK_SIGNATURE_HEADER]: signatures.join(' '),
  };
}

/**
 * A new ed25519 key pair in the specification's serialization: `publicKey` (`whpk_`) for the
 * receiver's `publicKey` option, `privateKey` (`whsk_`, 64 bytes: seed and public key) for signing.
 */
export function generateStandardWebhookKeyPair(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
  const raw = rawPublicBytes(publicKey);
  return {
    publicKey: PUBLIC_KEY_PREFIX + raw.toString('base64'),
    privateKey: PRIVATE_KEY_PREFIX + Buffer.concat([seed, raw]).toString('base64'),
  };
}
