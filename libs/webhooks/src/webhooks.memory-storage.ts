import type { WebhookClaim, WebhookIdempotencyStore } from './webhooks.storage.js';

interface Entry {
  state: 'leased' | 'processed';
  owner: string;
  expiresAt: number;
}

/**
 * The default store: one process, bounded, with a TTL. Map keeps insertion order, so the first
 * key is always the one claimed longest ago, the one to evict.
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
    if (entry) return entry.state === 'processed' ? 'processed' : 'in-flight';
    this.insert(key, { state: 'leased', owner, expiresAt: now + leaseMs });
    return 'claimed';
  }

  async complete(key: string, owner: string, ttlMs: number): Promise<void> {
    const now = this.now();
    const entry = this.live(key, now);
    if (entry === undefined) {
      this.insert(key, { state: 'processed', owner, expiresAt: now + ttlMs });
    } else if (entry.owner === owner) {
      // In place: the entry keeps its place in the eviction order, set when it was claimed.
      entry.state = 'processed';
      entry.expiresAt = now + ttlMs;
    }
  }

  async release(key: string, owner: string): Promise<void> {
    const entry = this.entries.get(key);
    if (entry?.state === 'leased' && entry.owner === owner) this.entries.delete(key);
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= now) {
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
