import { createHash, timingSafeEqual } from 'node:crypto';
import { WebhookConfigurationError } from './scheme.errors.js';
import type { Credential } from './scheme.types.js';

/**
 * Normalizes a credential option to a non-empty list of non-empty strings, or throws at
 * configuration time naming the option (an empty secret would accept anyone who knows that).
 */
export function credentialList(option: string, value: Credential | undefined): string[] {
  if (value === undefined || value === null) {
    throw new WebhookConfigurationError(option, 'is required');
  }
  const list = typeof value === 'string' ? [value] : [...value];
  if (list.length === 0) throw new WebhookConfigurationError(option, 'must hold at least one value');
  list.forEach((item, index) => {
    if (typeof item !== 'string' || item.length === 0) {
      const where = list.length > 1 ? `[${index}]` : '';
      throw new WebhookConfigurationError(`${option}${where}`, 'must be a non-empty string');
    }
  });
  return list;
}

const sha256 = (value: string | Uint8Array): Buffer => createHash('sha256').update(value).digest();

/**
 * A shared token kept only as its SHA-256, so comparison takes the same time whatever the
 * length of the guess, and the token itself is not kept in memory beyond configuration.
 */
export class TokenSet {
  private readonly digests: Buffer[];

  constructor(option: string, tokens: Credential | undefined) {
    this.digests = credentialList(option, tokens).map((token) => sha256(token));
  }

  /** Constant time per configured token; every token is tried so timing does not tell which matched. */
  matches(candidate: string): boolean {
    const probe = sha256(candidate);
    let found = false;
    for (const digest of this.digests) found = timingSafeEqual(probe, digest) || found;
    return found;
  }
}

/** Constant-time equality for byte strings whose length is public (digests, signatures). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes hex of an exact byte length, or undefined: Buffer.from silently skips bad digits. */
export function decodeHex(value: string, bytes: number): Buffer | undefined {
  return value.length === bytes * 2 && HEX.test(value) ? Buffer.from(value, 'hex') : undefined;
}

/** Decodes strict standard base64 (padding required), or undefined: Buffer.from is lenient. */
export function decodeBase64(value: string): Buffer | undefined {
  if (value.length % 4 !== 0 || !BASE64.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64');
  // Reject non-canonical encodings (stray bits in the last character).
  return decoded.toString('base64') === value ? decoded : undefined;
}
