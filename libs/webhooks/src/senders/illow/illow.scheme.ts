import crypto, { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { credentialList, decodeBase64, neverThrows, toBytes } from '../../schemes/credentials.js';
import { requiredHeader } from '../../schemes/headers.js';
import { WebhookConfigurationError } from '../../schemes/scheme.errors.js';
import {
  ACCEPTED,
  rejected,
  type Credential,
  type SignedHeaders,
  type Verifier,
} from '../../schemes/scheme.types.js';

export interface IllowCredentials {
  /** PEM SPKI or PKCS#1, or base64 DER of either; one string may hold several PEM blocks. */
  publicKey: Credential;
}

interface IllowKey {
  readonly key: KeyObject;
  readonly bytes: number;
}

export const ILLOW_HEADER = 'illow-signature';
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const PEM_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);
const SHA1_REFUSED = 'the OpenSSL policy on this server refuses SHA-1 RSA signatures, which illow uses';

/** Every key one configured string holds, in whichever of the accepted forms it came. */
function parseKeys(option: string, text: string): KeyObject[] {
  if (text.includes('-----BEGIN')) {
    // PEM kept in an environment variable often arrives with literal "\n" for its line breaks.
    const blocks = [...text.replaceAll('\\n', '\n').matchAll(PEM_BLOCK)];
    if (blocks.length === 0) throw new WebhookConfigurationError(option, 'holds no complete PEM block');
    return blocks.map(([pem, label]) => {
      // A private key or certificate would parse too, but pasting one here is a mistake worth stopping.
      if (!PEM_LABELS.has(label)) {
        throw new WebhookConfigurationError(
          option,
          `expected "PUBLIC KEY" or "RSA PUBLIC KEY" PEM, got "${label}"`,
        );
      }
      return createPublicKey(pem);
    });
  }
  const der = decodeBase64(text.replace(/\s+/g, ''));
  if (der === undefined) throw new WebhookConfigurationError(option, 'is neither PEM nor base64 DER');
  try {
    return [createPublicKey({ key: der, format: 'der', type: 'spki' })];
  } catch {
    return [createPublicKey({ key: der, format: 'der', type: 'pkcs1' })];
  }
}

function prepareKey(option: string, key: KeyObject): IllowKey {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new WebhookConfigurationError(
      option,
      `must be an RSA key, got ${key.asymmetricKeyType ?? 'unknown'}`,
    );
  }
  const bytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  // Found at startup rather than on the first delivery: hardened policies reject SHA-1 outright.
  try {
    crypto.verify('sha1', Buffer.alloc(0), key, Buffer.alloc(bytes));
  } catch {
    throw new WebhookConfigurationError(option, SHA1_REFUSED);
  }
  return { key, bytes };
}

function loadKeys(option: string, value: Credential | undefined): IllowKey[] {
  const list = credentialList(option, value);
  return list.flatMap((text, index) => {
    const at = list.length > 1 ? `${option}[${index}]` : option;
    let keys: KeyObject[];
    try {
      keys = parseKeys(at, text);
    } catch (error) {
      if (error instanceof WebhookConfigurationError) throw error;
      throw new WebhookConfigurationError(at, 'could not be parsed as an RSA public key');
    }
    return keys.map((key) => prepareKey(at, key));
  });
}

export function createIllowVerifier(credentials: IllowCredentials, optionPath = 'illow'): Verifier {
  const keys = loadKeys(`${optionPath}.publicKey`, credentials?.publicKey);
  const read = requiredHeader(ILLOW_HEADER);
  return neverThrows((body, headers) => {
    const value = read(headers);
    if (typeof value !== 'string') return value;
    const signature = decodeBase64(value);
    const candidates = keys.filter((key) => key.bytes === signature?.length);
    if (signature === undefined || candidates.length === 0) {
      return rejected('malformed', `${ILLOW_HEADER} must be base64 of an RSA signature of the key's size`);
    }
    let verified = false;
    try {
      // Called through the module object (not a bound import) so the refusal path is testable.
      for (const { key } of candidates) verified = crypto.verify('sha1', body, key, signature) || verified;
    } catch {
      return rejected('unavailable', SHA1_REFUSED);
    }
    return verified ? ACCEPTED : rejected('mismatch', 'signature does not match');
  });
}

export function signIllow(
  body: string | Uint8Array,
  credentials: { privateKey: string | KeyObject },
): SignedHeaders {
  return { [ILLOW_HEADER]: crypto.sign('sha1', toBytes(body), credentials.privateKey).toString('base64') };
}

export function generateIllowKeyPair(modulusLength = 2048): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}
