// What the benchmark sends, all of it read from the senders' definitions (BUILT_IN_SENDERS): each
// sender's documented sample, varied so that every delivery is a new one (its idempotency key
// changes), signed by the definition's own `sign`, posted with the sample's headers to its route
// (with the sample's event for a sender whose event comes from the route). Only the test
// credentials below are written here; how a payload is read, and how a delivery is named where its
// signer names it (GitHub, Standard Webhooks), is shared with the soak: scripts/sender-deliveries.mjs.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BUILT_IN_SENDERS } from 'nestjs-webhooks';
import { generateIllowKeyPair } from 'nestjs-webhooks/testing';
import {
  accepts,
  checkDeliveryIds,
  deliveryHeaders,
  eventTypeOf,
  keyedBySigner,
  keyOf,
  signingWithId,
} from '../scripts/sender-deliveries.mjs';

/** The definitions, by id, in the order of the library's list. */
export const DEFINITIONS = Object.fromEntries(BUILT_IN_SENDERS.map((sender) => [sender.id, sender]));
export const SENDERS = Object.keys(DEFINITIONS);
const bySender = (of) => Object.fromEntries(BUILT_IN_SENDERS.map((sender) => [sender.id, of(sender)]));

/** Each sender's DTO, for the plain route's ValidationPipe. */
export const DTOS = bySender((sender) => sender.dto);

/** Each sender's verifier from its credentials, as the module builds it at startup. */
export const VERIFIERS = bySender(
  (sender) => (credentials) => sender.verifier(credentials, `senders.${sender.id}`),
);

/** The event named by the route, for a sender whose events come from it: its sample's. */
export const ROUTE_EVENTS = bySender((sender) =>
  sender.eventType === 'route' ? sender.sample.event : undefined,
);

/** The module's route of each sender (the default prefix), as the load generator posts to it. */
export const PATHS = bySender(
  (sender) =>
    `/webhooks/${sender.id}${ROUTE_EVENTS[sender.id] === undefined ? '' : `/${ROUTE_EVENTS[sender.id]}`}`,
);

const certificall = { apiKey: 'bench-cf-key', apiSecret: 'bench-cf-secret' };
// Standard Webhooks secrets are base64: the HMAC key is the decoded bytes.
const standardSecret = `whsec_${Buffer.from('bench-standard-webhooks-secret').toString('base64')}`;
const same = (credentials) => ({ credentials, signing: credentials });

/** The test credentials made of fixed secrets, every sender's but illow's (a new key pair each run). */
const FIXED_CREDENTIALS = {
  oxskyt: same({ secret: 'bench-oxskyt-secret' }),
  inkit: same({ secret: 'bench-inkit-secret' }),
  ovcode: same({ apiSecret: 'bench-ovcode-token' }),
  certificall: { credentials: { hmac: certificall }, signing: { method: 'hmac', ...certificall } },
  github: same({ secret: 'bench-github-secret' }),
  stripe: same({ secret: 'whsec_bench-stripe-secret' }),
  standard: same({ secret: standardSecret }),
};

/**
 * Test credentials: configuration, not sender knowledge. `credentials` is what a server configures
 * the sender with (`sender.configure(credentials)`, the module option of the code before senders
 * were units too), `signing` what the generator signs with (`sender.sign(body, signing)`). HMAC for
 * Certificall, the method that costs most.
 */
export function createCredentials() {
  const illow = generateIllowKeyPair();
  const credentials = {
    ...FIXED_CREDENTIALS,
    illow: { credentials: { publicKey: illow.publicKey }, signing: { privateKey: illow.privateKey } },
  };
  const missing = SENDERS.filter((id) => credentials[id] === undefined);
  if (missing.length > 0)
    throw new Error(`bench/deliveries.mjs: no test credentials for ${missing.join(', ')}`);
  for (const sender of BUILT_IN_SENDERS) checkDeliveryIds(sender, credentials[sender.id].signing);
  return credentials;
}

/**
 * What a server is configured with, by sender id: `senders` for this code
 * (`definition.configure(...)`), `providers` (the same objects) for a checkout from before senders
 * were units, whose bench/server.mjs reads that (bench/ablate.mjs runs both side by side).
 */
export function serverConfig(credentials, extra = {}) {
  const senders = bySender((sender) => credentials[sender.id].credentials);
  return { senders, providers: senders, ...extra };
}

/** The module's senders from a server's configuration (`serverConfig`). */
export const configuredSenders = (senders) =>
  BUILT_IN_SENDERS.filter((sender) => senders[sender.id] !== undefined).map((sender) =>
    sender.configure(senders[sender.id]),
  );

// ---------------------------------------------------------------- bodies

/** The n-th value of the numbered field, or the n-th delivery's id where the signer names it. */
const numbered = (n) => `bench-${n}`;

/**
 * The field numbered in each body: the sample's first top-level string field that changes the
 * delivery's idempotency key without changing its event type, and that the DTO accepts numbered.
 * None for a sender whose key is an id its signer makes (GitHub's delivery, Standard Webhooks'
 * webhook-id): its body is the sample, its id numbered (`signer`).
 */
const NUMBERED_FIELDS = bySender((sender) => {
  if (keyedBySigner(sender)) return undefined;
  const sample = sender.sample.payload;
  const key = keyOf(sender, sample);
  const type = eventTypeOf(sender, sample);
  for (const [field, value] of Object.entries(sample)) {
    if (typeof value !== 'string') continue;
    const varied = [0, 1].map((n) => ({ ...sample, [field]: numbered(n) }));
    if (
      varied.every((payload) => accepts(sender, payload) && eventTypeOf(sender, payload) === type) &&
      new Set([key, ...varied.map((payload) => keyOf(sender, payload))]).size === 3
    ) {
      return field;
    }
  }
  throw new Error(`${sender.id}: no top-level string field of its sample makes a new delivery`);
});

/** The events the module emits for these bodies, for the no-op handler to listen to. */
export const EVENTS = BUILT_IN_SENDERS.map(
  (sender) => `${sender.id}.${eventTypeOf(sender, sender.sample.payload)}`,
);

/** The n-th delivery's body: the sample, its numbered field (if it has one) numbered. */
export const bodyOf = (sender, n) =>
  NUMBERED_FIELDS[sender] === undefined
    ? JSON.stringify(DEFINITIONS[sender].sample.payload)
    : JSON.stringify({ ...DEFINITIONS[sender].sample.payload, [NUMBERED_FIELDS[sender]]: numbered(n) });

// ---------------------------------------------------------------- signatures

/**
 * Signs as the sender does, with the test credentials: the headers of the n-th delivery of `body`,
 * the sample's (GitHub's event) with the signer's, its id numbered where the signer names it
 * (without `n`, one the signer makes up).
 */
export function signer(sender, credentials) {
  const { signing } = credentials[sender];
  const definition = DEFINITIONS[sender];
  return (body, n) =>
    deliveryHeaders(
      definition,
      body,
      signingWithId(definition, signing, n === undefined ? undefined : numbered(n)),
    );
}

/**
 * Senders whose signing is too slow to do while the generator sends (illow's RSA: about a
 * millisecond; an HMAC costs a few µs): their deliveries are signed ahead, on every core at once.
 */
const SLOW_SIGNATURE_MICROS = 100;
const presignedSenders = new Map();
export function isPresigned(sender, credentials) {
  if (!presignedSenders.has(sender)) {
    const sign = signer(sender, credentials);
    const body = bodyOf(sender, 0);
    const micros = [];
    for (let i = 0; i < 15; i++) {
      const started = performance.now();
      sign(body, i);
      micros.push((performance.now() - started) * 1000);
    }
    presignedSenders.set(sender, micros.sort((a, b) => a - b)[7] > SLOW_SIGNATURE_MICROS);
  }
  return presignedSenders.get(sender);
}

/** `count` deliveries numbered from `first`, as [body, headers] pairs. */
export async function signPool(sender, credentials, first, count) {
  const bodies = Array.from({ length: count }, (_, i) => bodyOf(sender, first + i));
  if (!isPresigned(sender, credentials)) {
    const sign = signer(sender, credentials);
    return bodies.map((body, i) => [body, sign(body, first + i)]);
  }
  const workers = Math.max(1, availableParallelism());
  const share = Math.ceil(count / workers);
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const slice = bodies.slice(w * share, (w + 1) * share);
      return new Promise((resolve, reject) => {
        const worker = new Worker(new URL('./sign-worker.mjs', import.meta.url), {
          workerData: {
            sender,
            bodies: slice,
            first: first + w * share,
            signing: credentials[sender].signing,
          },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  const headers = parts.flat();
  return bodies.map((body, i) => [body, headers[i]]);
}

/**
 * Where each request's delivery comes from: `at(n)` gives the n-th. Cycled sources repeat (for
 * routes that do not de-duplicate); unique ones never do, as long as a pre-signed pool lasts
 * (the other senders are signed as they are sent: an HMAC costs the generator a few µs).
 */
export class Deliveries {
  constructor(credentials) {
    this.credentials = credentials;
    this.pools = new Map();
  }

  async cycled(sender, count) {
    const list = await signPool(sender, this.credentials, 0, count);
    return { at: (n) => list[n % list.length] };
  }

  /** `expected` requests at most; a pre-signed pool is signed for that many, and grows across runs. */
  async unique(sender, expected) {
    if (isPresigned(sender, this.credentials)) {
      const list = this.pools.get(sender) ?? [];
      this.pools.set(sender, list);
      const missing = expected - list.length;
      if (missing > 0) {
        for (const delivery of await signPool(sender, this.credentials, list.length, missing))
          list.push(delivery);
      }
      return { at: (n) => list[n % list.length], size: list.length };
    }
    const sign = signer(sender, this.credentials);
    return {
      at: (n) => {
        const body = bodyOf(sender, n);
        return [body, sign(body, n)];
      },
      size: Infinity,
    };
  }
}
