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
 * GitHub signs the bytes in `X-Hub-Signature-256` (`sha256=` and the HMAC); its SHA-1
 * `X-Hub-Signature` is not a credential here, as GitHub's own guidance is to check the SHA-256 one.
 * Stripe signs `<t>.<body>` with the whole `whsec_` string as key; Standard Webhooks signs
 * `<webhook-id>.<webhook-timestamp>.<body>` with the base64-decoded part after `whsec_` as key.
 * Both put the signing time under the signature, and both documents tell receivers to refuse one
 * more than five minutes from now: a genuine signature that old (or that far ahead) is a replay,
 * not a delivery, so it is not authentic here either.
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
  const github = hmac(secrets.github);
  const stripe = hmac(secrets.stripe);
  const standard = hmacWithKey(Buffer.from(secrets.standard.replace(/^whsec_/, ''), 'base64'));

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
      case 'github':
        return values(headers, 'x-hub-signature-256').some((value) => {
          const match = /^sha256=(.*)$/i.exec(value);
          return match !== null && anyDecodes([match[1]!.trim()], [github(body)]);
        });
      case 'stripe':
        return values(headers, 'stripe-signature').some((value) => {
          const items = value.split(',').map((item) => item.trim());
          const signatures = items.filter((item) => item.startsWith('v1=')).map((item) => item.slice(3));
          return items
            .filter((item) => item.startsWith('t='))
            .map((item) => item.slice(2))
            .some(
              (t) =>
                fresh(t) && anyDecodes(signatures, [stripe(Buffer.concat([Buffer.from(`${t}.`), body]))]),
            );
        });
      case 'standard': {
        const signatures = values(headers, 'webhook-signature')
          .flatMap((value) => value.split(/\s+/))
          .filter((entry) => entry.startsWith('v1,'))
          .map((entry) => entry.slice(3));
        if (signatures.length === 0) return false;
        return values(headers, 'webhook-id').some((id) =>
          values(headers, 'webhook-timestamp').some(
            (timestamp) =>
              fresh(timestamp) &&
              anyDecodes(signatures, [standard(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]))]),
          ),
        );
      }
    }
  };
}

/** Both Stripe's and the Standard Webhooks documents: refuse a signing time more than 5 minutes from now. */
const TOLERANCE_SECONDS = 300;

/** A signing time in Unix seconds within the documented tolerance of now, either way. */
function fresh(timestamp: string): boolean {
  if (!/^\d+$/.test(timestamp)) return false;
  return Math.abs(Date.now() / 1000 - Number(timestamp)) <= TOLERANCE_SECONDS;
}

function hmacWithKey(key: Buffer): (message: Buffer) => Buffer {
  return (message) => createHmac('sha256', key).update(message).digest();
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
