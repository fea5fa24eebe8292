/**
 * The framework-free contract every sender's scheme follows. Nothing here imports Nest:
 * a scheme is a pure function over the received bytes and headers, built once from
 * configuration (so keys are parsed and secrets checked at startup, not per request).
 */

/** Headers as Node gives them: lower-case names; an array when a header was repeated. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A credential, or several accepted together while one is rotated out. */
export type Credential = string | readonly string[];

/**
 * Why a delivery was refused.
 * - `missing`: the credential or signature header is absent.
 * - `malformed`: present but unusable (bad encoding, wrong length, repeated, absurdly long).
 * - `mismatch`: well-formed, but does not match any configured credential.
 * - `unsupported`: an authentication method this receiver is not configured for.
 * - `timestamp`: signed at a time too far from now (Stripe, Standard Webhooks): a replay of an
 *   old delivery, or a clock far off. Never a wrong secret, so it is told apart from `mismatch`.
 * - `unavailable`: the check could not run on this machine (e.g. an OpenSSL policy refusing SHA-1);
 *   a server fault, never the sender's.
 */
export type RejectionReason =
  'missing' | 'malformed' | 'mismatch' | 'unsupported' | 'timestamp' | 'unavailable';

export interface Accepted {
  readonly ok: true;
  /** Which method matched, where a sender has several (Certificall: bearer, hmac, basic). */
  readonly method?: string;
  /** True when only the compact JSON re-serialization matched, not the raw bytes. */
  readonly viaFallback?: boolean;
}

export interface Rejected {
  readonly ok: false;
  readonly reason: RejectionReason;
  /** Safe to show the sender: never contains a secret or an expected value. */
  readonly message: string;
}

export type VerifyResult = Accepted | Rejected;

/** Built once from configuration; called for every delivery. Never throws. */
export type Verifier = (body: Uint8Array, headers: HeaderBag) => VerifyResult;

/** Headers a signer produces, ready to send (names in the vendor's documented spelling). */
export type SignedHeaders = Record<string, string>;

export const accepted = (extra: Omit<Accepted, 'ok'> = {}): Accepted => ({ ok: true, ...extra });

/** The plain acceptance, shared: results are read-only, and a verifier should not allocate to say yes. */
export const ACCEPTED: Accepted = Object.freeze({ ok: true });
export const rejected = (reason: RejectionReason, message: string): Rejected => ({
  ok: false,
  reason,
  message,
});
