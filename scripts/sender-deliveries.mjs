// What the scripts and the benchmark that make deliveries of their own (scripts/soak.mjs,
// bench/deliveries.mjs, scripts/demo.mjs) know about a built-in sender beyond what its definition
// states, in one place: how the module reads a payload (its event type, its idempotency key,
// whether its DTO accepts it), the headers a delivery goes with, a fresh credential of the form the
// sender takes, and, for a sender whose key is an id its signer makes (GitHub's X-GitHub-Delivery,
// Standard Webhooks' webhook-id), how to name each delivery so that a new one is new and a retry is
// a retry. Needs the library's build (`npm run build:lib`).
import { randomBytes } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ACCEPTED } from '../libs/webhooks/dist/index.js';

/**
 * The field of a sender's signing input that names the delivery, for the senders whose idempotency
 * key is a header their signer makes (a new random id unless told one). The definitions do not say
 * it (a signer's input is its own), so it is written here, and `checkDeliveryIds` holds it against
 * the definitions: a sender whose key changes from one signature to the next must be listed.
 */
const DELIVERY_ID_FIELDS = { github: 'delivery', standard: 'id' };

/** Whether a sender's deliveries are told apart by an id its signer makes, not by their payload. */
export const keyedBySigner = (sender) => Object.hasOwn(DELIVERY_ID_FIELDS, sender.id);

/**
 * The signing input that makes `id` the delivery's id, for a sender whose key its signer makes;
 * `signing` itself for the others (their key is in the payload), or when no id is given.
 */
export function signingWithId(sender, signing, id) {
  if (id === undefined || !keyedBySigner(sender)) return signing;
  return { ...signing, [DELIVERY_ID_FIELDS[sender.id]]: id };
}

/**
 * The headers a delivery of `body` goes with: those the vendor sends beside the body (the sample's,
 * GitHub's X-GitHub-Event), then the signer's, a later name replacing an earlier one whatever its case.
 */
export function deliveryHeaders(sender, body, signing) {
  const headers = {};
  for (const layer of [sender.sample.headers ?? {}, sender.sign(body, signing)]) {
    for (const [name, value] of Object.entries(layer)) {
      for (const key of Object.keys(headers))
        if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
      headers[name] = value;
    }
  }
  return headers;
}

/** What a sender's functions read besides the payload, as the module hands it over for a verified body. */
const contextOf = (payload, headers) => ({
  rawBody: Buffer.from(JSON.stringify(payload)),
  headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
  verification: ACCEPTED,
});
const instanceOf = (sender, payload) => plainToInstance(sender.dto, payload);

/**
 * The event type the module names a delivery of `payload` by (without the sender's prefix): the
 * sample's for a sender whose events come from the route. `headers`: what it is sent with; by
 * default the sample's, which carry the event where it travels beside the body.
 */
export const eventTypeOf = (sender, payload, headers = sender.sample.headers ?? {}) =>
  sender.eventType === 'route'
    ? sender.sample.event
    : sender.eventType(instanceOf(sender, payload), contextOf(payload, headers));

/** The idempotency key's parts joined, for comparing; throws where a header it needs is missing. */
export const keyOf = (sender, payload, headers = sender.sample.headers ?? {}) =>
  sender.idempotencyKey(instanceOf(sender, payload), contextOf(payload, headers)).join(':');

/** Whether the sender's DTO accepts `payload` (unknown fields kept, as the module validates). */
export const accepts = (sender, payload) =>
  validateSync(instanceOf(sender, payload), { forbidUnknownValues: false }).length === 0;

/**
 * Checks DELIVERY_ID_FIELDS against the definition, signing its sample with `signing`: a listed
 * sender's key must follow the id given (two ids, two keys; one id, one key however often it is
 * signed), and any other's must not change from one signature to the next.
 */
export function checkDeliveryIds(sender, signing) {
  const body = JSON.stringify(sender.sample.payload);
  const key = (id) =>
    keyOf(sender, sender.sample.payload, deliveryHeaders(sender, body, signingWithId(sender, signing, id)));
  if (keyedBySigner(sender)) {
    const field = DELIVERY_ID_FIELDS[sender.id];
    if (key('probe-1') !== key('probe-1') || key('probe-1') === key('probe-2')) {
      throw new Error(`${sender.id}: its signing input's "${field}" does not name its deliveries`);
    }
    return;
  }
  let same;
  try {
    same = key() === key();
  } catch {
    same = false;
  }
  if (!same) {
    throw new Error(
      `${sender.id}: its idempotency key comes from what its signer makes; name the field of its ` +
        'signing input that sets it in DELIVERY_ID_FIELDS (scripts/sender-deliveries.mjs)',
    );
  }
}

/**
 * A fresh secret for one of a sender's CLI credentials: "whsec_" and base64 where its placeholder
 * shows that form (Stripe's, and Standard Webhooks', whose receiver decodes the base64 to the key),
 * else base64url.
 */
export function freshSecret(credential) {
  const bytes = randomBytes(24);
  return credential.arg?.startsWith('<whsec_')
    ? `whsec_${bytes.toString('base64')}`
    : bytes.toString('base64url');
}
