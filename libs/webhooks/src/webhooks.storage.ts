/**
 * Remembers which deliveries were processed, so a sender's retry does not run handlers twice.
 * Implementations must make `claim` atomic: of two concurrent claims of one key, one wins.
 * `owner` is the delivery id of the claimant: a lease that expired and was taken over by
 * another delivery must not be completed or released by the first.
 */
export interface WebhookIdempotencyStore {
  claim(key: string, owner: string, leaseMs: number): Promise<WebhookClaim>;
  /** Turns the owner's lease into a processed mark kept for `ttlMs`. */
  complete(key: string, owner: string, ttlMs: number): Promise<void>;
  /** Drops the owner's lease, so the sender's retry runs the handlers again. */
  release(key: string, owner: string): Promise<void>;
}

/**
 * - `claimed`: this delivery holds the lease and must run the handlers.
 * - `in-flight`: another delivery with the same key holds a live lease.
 * - `processed`: handled before; answer OK without running anything.
 */
export type WebhookClaim = 'claimed' | 'in-flight' | 'processed';

/** Injection token for the store (same name as the interface, as `ThrottlerStorage` does). */
export const WebhookIdempotencyStore = Symbol('WebhookIdempotencyStore');
