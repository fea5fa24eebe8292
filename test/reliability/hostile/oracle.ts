import { createHash, createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { Keyring, Sender } from '../../support/senders.js';

/**
 * What the receiver under test is configured with, as the oracle needs it. The senders are the
 * built-ins (test/support/senders.ts): one the oracle has no check for fails to compile here.
 */
export type SenderSecrets = Omit<Keyring, 'illowPrivateKey'>;

export type HeaderPairs = readonly (readonly [string, string])[];

/**
 * Decides, independently of the library's code, whether a request carries a genuine credential
 * for its body: the MAC (or token, or RSA signature) that only a holder of the configured secret
 * could produce. It is deliberately liberal about *encodings* (any case of hex, lenient base64,
 * any repeat of the header holding a genuine value): a receiver that is stricter than this merely
 * refuses some authentic deliveries, while one that accepts a request this oracle calls forged
 * has accepted a delivery whose sender did not hold the secret.
 *
 * Per the vendors' documented schemes: OxsKYT and Certificall HMAC may have signed the compact
 * `JSON.stringify(JSON.parse(body))` instead of the bytes; OVCODE's token and Certificall's
 * bearer/basic credentials do not cover the body at all, so any body with them is authentic.
 */
export function createOracle(
  secrets: SenderSecrets,
): (sender: Sender, body: Buffer, headers: HeaderPairs) => boolean {
  const oxskytSuffix = createHash('sha256').update(secrets.oxskyt, 'utf8').digest('hex');
  const oxskyt = (message: Buffer) =>
    createHash('sha256').update(message).update(oxskytSuffix, 'utf8').digest();
  const hmac = (secret: string) => (message: Buffer) => createHmac('sha256', secret).update(message).digest();
  const inkit = hmac(secrets.inkit);
  const certificall = hmac(secrets.certificallSecret);
  const illowKey: KeyObject = createPublicKey(secrets.illowPublicKey);
  const basicPair = `${secrets.basicUser}:${secrets.basicPassword}`;

  return (sender, body, headers) => {
    switch (sender) {
      case 'oxskyt':
        return anyDecodes(values(headers, 'x-signature'), messages(body, true).map(oxskyt));
      case 'inkit':
        return anyDecodes(values(headers, 'inkit-signature'), [inkit(body)]);
      case 'ovcode':
        return values(headers, 'x-api-secret').includes(secrets.ovcode);
      case 'illow':
        return values(headers, 'illow-signature').some((value) => {
          const signature = Buffer.from(value, 'base64');
          try {
            return signature.length > 0 && verify('sha1', body, illowKey, signature);
          } catch {
            return false;
          }
        });
      case 'certificall': {
        const expected = messages(body, true).map(certificall);
        return values(headers, 'authorization').some((value) => {
          const match = /^(\S+)\s+([\s\S]*)$/.exec(value);
          if (!match) return false;
          const scheme = match[1].toLowerCase();
          const rest = match[2].trim();
          if (scheme === 'bearer') return rest === secrets.certificallBearer;
          if (scheme === 'basic') return Buffer.from(rest, 'base64').toString('utf8') === basicPair;
          if (scheme === 'hmac-sha256') return anyDecodes(rest.split(/[:\s]+/), expected);
          return false;
        });
      }
    }
  };
}

/** Values of every header named `name` (any case), with the outer whitespace the server strips. */
function values(headers: HeaderPairs, name: string): string[] {
  return headers.filter(([key]) => key.toLowerCase() === name).map(([, value]) => value.trim());
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes, and where the vendor may have signed it, their compact JSON re-serialization. */
function messages(body: Buffer, jsonFallback: boolean): Buffer[] {
  const out = [body];
  if (!jsonFallback) return out;
  try {
    out.push(Buffer.from(JSON.stringify(JSON.parse(strictUtf8.decode(body))), 'utf8'));
  } catch {
    // not JSON (or too deep to re-serialize): only the bytes could have been signed
  }
  return out;
}

function anyDecodes(candidates: readonly string[], expected: readonly Buffer[]): boolean {
  return candidates.some((value) => {
    const decoded: Buffer[] = [Buffer.from(value, 'base64')];
    if (/^[0-9a-f]+$/i.test(value)) decoded.push(Buffer.from(value, 'hex'));
    return decoded.some((bytes) => expected.some((digest) => digest.equals(bytes)));
  });
}
