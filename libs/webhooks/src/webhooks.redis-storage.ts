import type { WebhookClaim, WebhookIdempotencyStore } from './webhooks.storage.js';

/**
 * The one method the store needs from a Redis client: `EVAL script numkeys key [arg ...]`,
 * resolving to the script's reply. An `ioredis` client (`new Redis(url)`, or a `Cluster`: each
 * script touches one key) fits as it is; for another client, wrap its eval in an object of this
 * shape. Typed here rather than imported so that the library does not depend on any client.
 */
export interface RedisEvalClient {
  eval(script: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
}

export interface RedisIdempotencyStoreOptions {
  /** Put before every idempotency key. Default `webhooks:idem:`. */
  keyPrefix?: string;
}

export const DEFAULT_REDIS_KEY_PREFIX = 'webhooks:idem:';

// Values are `lease:<owner>` while a delivery runs and `done:<owner>` once processed; the key's
// own expiry (PX) is the lease or the TTL, so nothing has to sweep stale entries.
// GET then SET inside one script is atomic: Redis runs a script to its end before any other command.
const CLAIM = `
local value = redis.call('GET', KEYS[1])
if not value then
  redis.call('SET', KEYS[1], 'lease:' .. ARGV[1], 'PX', ARGV[2])
  return 'claimed'
end
if string.sub(value, 1, 5) == 'done:' then return 'processed' end
return 'in-flight'
`;

// Absent counts as ours: our lease may have just expired with nobody else taking it, and the
// handlers did run. Anything else (another owner's lease or mark) belongs to someone else.
const COMPLETE = `
local value = redis.call('GET', KEYS[1])
if value and value ~= 'lease:' .. ARGV[1] then return 0 end
redis.call('SET', KEYS[1], 'done:' .. ARGV[1], 'PX', ARGV[2])
return 1
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == 'lease:' .. ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const CLAIMS: ReadonlySet<string> = new Set<WebhookClaim>(['claimed', 'in-flight', 'processed']);

/**
 * Shares de-duplication between every instance that uses the same Redis and key prefix, so a
 * delivery retried to another instance is still handled once. The lease expires by itself: a
 * crashed instance's delivery can be taken over by the sender's retry after `leaseMs`.
 *
 * ```ts
 * import { Redis } from 'ioredis';
 * WebhooksModule.forRoot({ senders, store: new RedisIdempotencyStore(new Redis(url)) });
 * ```
 *
 * The store does not own the client: close it on shutdown yourself.
 */
export class RedisIdempotencyStore implements WebhookIdempotencyStore {
  private readonly keyPrefix: string;

  constructor(
    private readonly client: RedisEvalClient,
    options: RedisIdempotencyStoreOptions = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  }

  async claim(key: string, owner: string, leaseMs: number): Promise<WebhookClaim> {
    const reply = await this.client.eval(CLAIM, 1, this.keyPrefix + key, owner, milliseconds(leaseMs));
    const claim = String(reply);
    // A proxy or a client that transforms replies would otherwise be read as "in-flight" forever.
    if (!CLAIMS.has(claim))
      throw new Error(`nestjs-webhooks: unexpected reply from Redis to a claim: ${claim}`);
    return claim as WebhookClaim;
  }

  async complete(key: string, owner: string, ttlMs: number): Promise<void> {
    await this.client.eval(COMPLETE, 1, this.keyPrefix + key, owner, milliseconds(ttlMs));
  }

  async release(key: string, owner: string): Promise<void> {
    await this.client.eval(RELEASE, 1, this.keyPrefix + key, owner);
  }
}

// PX takes a positive integer; Redis refuses 0 and fractions with an error at the worst moment.
function milliseconds(value: number): number {
  return Math.max(1, Math.ceil(value));
}
