import type { WebhookClaim, WebhookIdempotencyStore } from './webhooks.storage.js';

interface Lease {
  readonly owner: string;
  readonly expiresAt: number;
}

/**
 * A key's state: a lease while its delivery is handled, then only the time its processed mark
 * expires. Processed marks are nearly all the store holds, so they keep no object and no owner:
 * what every delivery leaves behind stays small, and so does the garbage collector's work on it.
 */
type Entry = Lease | number;

const expiryOf = (entry: Entry) => (typeof entry === 'number' ? entry : entry.expiresAt);

/**
 * The default store: one process, bounded, with a TTL. Map keeps insertion order (an update
 * keeps the key's place), so the first key is always the one claimed longest ago, the one to evict.
 * Atomic by construction: the whole claim runs synchronously on one thread.
 */
export class MemoryIdempotencyStore implements WebhookIdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  async claim(key: string, owner: string, leaseMs: number): Promise<WebhookClaim> {
    const now = this.now();
    const entry = this.live(key, now);
    if (entry !== undefined) return typeof entry === 'number' ? 'processed' : 'in-flight';
    this.insert(key, { owner, expiresAt: now + leaseMs });
    return 'claimed';
  }

  async complete(key: string, owner: string, ttlMs: number): Promise<void> {
    const now = this.now();
    const entry = this.live(key, now);
    // A lease taken over by another delivery is that delivery's to complete; a mark stays as it is.
    if (entry === undefined) this.insert(key, now + ttlMs);
    else if (typeof entry !== 'number' && entry.owner === owner) this.entries.set(key, now + ttlMs);
  }

  async release(key: string, owner: string): Promise<void> {
    const entry = this.entries.get(key);
    if (entry !== undefined && typeof entry !== 'number' && entry.owner === owner) this.entries.delete(key);
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined && expiryOf(entry) <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** For a key known to be absent (live() just said so): no delete needed before the set. */
  private insert(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    if (this.entries.size <= this.maxEntries) return;
    // Evict a slice, not one key: each walk from the front of a Map first steps over the slots its
    // deletes left behind, so one walk per hundred inserts instead of one per insert.
    const keep = this.maxEntries - Math.floor(this.maxEntries / 100);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= keep) break;
      this.entries.delete(oldest);
    }
  }
}
