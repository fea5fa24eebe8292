import { describe, expect, it } from '@jest/globals';
import { MemoryIdempotencyStore } from './webhooks.memory-storage.js';

describe('MemoryIdempotencyStore', () => {
  const clock = () => {
    let now = 1_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('claims once, reports in-flight while leased, processed once completed', async () => {
    const store = new MemoryIdempotencyStore();
    expect(await store.claim('k', 'a', 1000)).toBe('claimed');
    expect(await store.claim('k', 'b', 1000)).toBe('in-flight');
    await store.complete('k', 'a', 60_000);
    expect(await store.claim('k', 'c', 1000)).toBe('processed');
  });

  it('lets a retry claim again after a release, but only the owner may release', async () => {
    const store = new MemoryIdempotencyStore();
    await store.claim('k', 'a', 1000);
    await store.release('k', 'someone-else');
    expect(await store.claim('k', 'b', 1000)).toBe('in-flight');
    await store.release('k', 'a');
    expect(await store.claim('k', 'b', 1000)).toBe('claimed');
  });

  it('expires a lease (a crashed handler) and a processed mark after their TTLs', async () => {
    const time = clock();
    const store = new MemoryIdempotencyStore(100, time.now);
    await store.claim('k', 'a', 500);
    time.advance(499);
    expect(await store.claim('k', 'b', 500)).toBe('in-flight');
    time.advance(1);
    expect(await store.claim('k', 'b', 500)).toBe('claimed');
    // The first owner's late completion must not overwrite the new owner's lease.
    await store.complete('k', 'a', 10_000);
    expect(await store.claim('k', 'c', 500)).toBe('in-flight');
    await store.complete('k', 'b', 10_000);
    time.advance(9_999);
    expect(await store.claim('k', 'c', 500)).toBe('processed');
    time.advance(1);
    expect(await store.claim('k', 'c', 500)).toBe('claimed');
  });

  it('stays within its bound, forgetting the oldest keys first', async () => {
    const store = new MemoryIdempotencyStore(1000);
    for (let i = 0; i < 5000; i++) {
      await store.claim(`k${i}`, 'o', 60_000);
      await store.complete(`k${i}`, 'o', 60_000);
      expect(store.size).toBeLessThanOrEqual(1000);
    }
    expect(await store.claim('k4999', 'x', 1000)).toBe('processed');
    expect(await store.claim('k0', 'x', 1000)).toBe('claimed');
  });
});
