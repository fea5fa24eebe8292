import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createCertificallVerifier, signCertificall } from '../senders/certificall/certificall.scheme.js';
import { createIllowVerifier, generateIllowKeyPair, signIllow } from '../senders/illow/illow.scheme.js';
import { createInkitVerifier, signInkit } from '../senders/inkit/inkit.scheme.js';
import { createOvcodeVerifier, signOvcode } from '../senders/ovcode/ovcode.scheme.js';
import { createOxskytVerifier, signOxskyt } from '../senders/oxskyt/oxskyt.scheme.js';
import type { HeaderBag, Verifier } from './scheme.types.js';

/** A scheme seen as: signature bytes for (body, secret), and how those bytes travel in headers. */
interface SignatureScheme {
  readonly verifier: (secret: string) => Verifier;
  readonly sign: (body: Uint8Array, secret: string) => Buffer;
  readonly headers: (signature: Buffer) => HeaderBag;
  readonly runs: number;
}

const API_KEY = 'cf-key';
const afterLastColon = (authorization: string) => authorization.slice(authorization.lastIndexOf(':') + 1);
const certificall = (encoding: 'hex' | 'base64'): SignatureScheme => ({
  verifier: (apiSecret) => createCertificallVerifier({ hmac: { apiKey: API_KEY, apiSecret } }),
  sign: (body, apiSecret) =>
    Buffer.from(
      afterLastColon(
        signCertificall(body, { method: 'hmac', apiKey: API_KEY, apiSecret, encoding }).Authorization,
      ),
      encoding,
    ),
  headers: (signature) => ({
    authorization: `HMAC-SHA256 ${API_KEY}:${signature.toString(encoding)}`,
    'x-api-key': API_KEY,
  }),
  runs: 100,
});

// Small, made once: RSA key generation per run would dominate, and size does not change the property.
const illowKeys = generateIllowKeyPair(1024);
const illowVerifier = createIllowVerifier({ publicKey: illowKeys.publicKey });

const SCHEMES: Record<string, SignatureScheme> = {
  OxsKYT: {
    verifier: (secret) => createOxskytVerifier({ secret }),
    sign: (body, secret) => Buffer.from(signOxskyt(body, { secret })['x-signature'], 'hex'),
    headers: (signature) => ({ 'x-signature': signature.toString('hex') }),
    runs: 100,
  },
  Inkit: {
    verifier: (secret) => createInkitVerifier({ secret }),
    sign: (body, secret) => Buffer.from(signInkit(body, { secret })['Inkit-Signature'], 'hex'),
    headers: (signature) => ({ 'Inkit-Signature': signature.toString('hex') }),
    runs: 100,
  },
  'Certificall HMAC (hex)': certificall('hex'),
  'Certificall HMAC (base64)': certificall('base64'),
  illow: {
    verifier: () => illowVerifier,
    sign: (body) =>
      Buffer.from(signIllow(body, { privateKey: illowKeys.privateKey })['illow-signature'], 'base64'),
    headers: (signature) => ({ 'illow-signature': signature.toString('base64') }),
    runs: 25,
  },
};

const secrets = fc.string({ unit: 'binary', minLength: 1, maxLength: 64 });
const bodies = fc.uint8Array({ maxLength: 512 });
const flipBit = (bytes: Uint8Array, bit: number): Buffer => {
  const copy = Buffer.from(bytes);
  copy[Math.floor(bit / 8) % copy.length] ^= 1 << (bit % 8);
  return copy;
};

describe.each(Object.entries(SCHEMES))('%s properties', (_name, scheme) => {
  it('accepts what it signed, for any bytes and any secret', () => {
    fc.assert(
      fc.property(bodies, secrets, (body, secret) => {
        const result = scheme.verifier(secret)(body, scheme.headers(scheme.sign(body, secret)));
        expect(result.ok && !result.viaFallback).toBe(true);
      }),
      { numRuns: scheme.runs },
    );
  });

  it('rejects the signature once any single bit of the body flips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 512 }), secrets, fc.nat(), (body, secret, bit) => {
        const headers = scheme.headers(scheme.sign(body, secret));
        expect(scheme.verifier(secret)(flipBit(body, bit), headers)).toMatchObject({
          ok: false,
          reason: 'mismatch',
        });
      }),
      { numRuns: scheme.runs },
    );
  });

  it('rejects the signature once any single bit of it flips', () => {
    fc.assert(
      fc.property(bodies, secrets, fc.nat(), (body, secret, bit) => {
        const headers = scheme.headers(flipBit(scheme.sign(body, secret), bit));
        expect(scheme.verifier(secret)(body, headers)).toMatchObject({ ok: false, reason: 'mismatch' });
      }),
      { numRuns: scheme.runs },
    );
  });
});

describe('JSON fallback properties (OxsKYT, Certificall HMAC)', () => {
  it.each(['OxsKYT', 'Certificall HMAC (hex)'])(
    '%s accepts any reformatted JSON whose compact form was signed, flagged as fallback',
    (name) => {
      const scheme = SCHEMES[name];
      fc.assert(
        fc.property(fc.jsonValue(), secrets, (value, secret) => {
          const compact = JSON.stringify(value);
          const pretty = JSON.stringify(value, null, 2);
          const headers = scheme.headers(scheme.sign(Buffer.from(compact), secret));
          const result = scheme.verifier(secret)(Buffer.from(pretty), headers);
          expect(result).toMatchObject({ ok: true });
          expect(result.ok && result.viaFallback === true).toBe(pretty !== compact);
        }),
      );
    },
  );
});

describe('OVCODE properties', () => {
  // Header values travel trimmed and without control characters, so tokens are drawn the same way.
  const tokens = fc.stringMatching(/^[\x21-\x7e]{1,64}$/);

  it('accepts the configured token and refuses any other', () => {
    fc.assert(
      fc.property(tokens, tokens, fc.uint8Array(), (token, guess, body) => {
        const verify = createOvcodeVerifier({ apiSecret: token });
        expect(verify(body, signOvcode(body, { apiSecret: token })).ok).toBe(true);
        expect(verify(body, { 'x-api-secret': guess }).ok).toBe(guess === token);
      }),
    );
  });
});

describe('robustness', () => {
  const headerValue = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 128 }),
    fc.array(fc.string(), { maxLength: 3 }),
  );
  const names = fc.constantFrom(
    'x-signature',
    'inkit-signature',
    'x-api-secret',
    'authorization',
    'x-api-key',
    'illow-signature',
  );
  const bags = fc.dictionary(names, headerValue);
  // Credentials long enough that a random draw cannot hit them.
  const SECRET = 'robustness-secret-5d0e1c';
  const verifiers: Verifier[] = [
    createOxskytVerifier({ secret: SECRET }),
    createInkitVerifier({ secret: SECRET }),
    createOvcodeVerifier({ apiSecret: SECRET }),
    createCertificallVerifier({
      bearerToken: SECRET,
      hmac: { apiKey: 'robustness-key', apiSecret: SECRET },
      basic: { username: 'robustness-user', password: SECRET },
    }),
    illowVerifier,
  ];

  it('every verifier answers any headers with a well-formed rejection, never an exception', () => {
    fc.assert(
      fc.property(bodies, bags, (body, headers) => {
        for (const verify of verifiers) {
          const result = verify(body, headers);
          expect(result.ok).toBe(false);
          if (!result.ok)
            expect(['missing', 'malformed', 'mismatch', 'unsupported']).toContain(result.reason);
        }
      }),
      { numRuns: 300 },
    );
  });
});
