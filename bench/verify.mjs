// Verification alone, per sender: our verifier, the node:crypto call it wraps, and for two HMAC
// senders two peer libraries doing the same HMAC-SHA256 work over a body of the same size (each
// peer against the verifier it stands for, GitHub's, Stripe's, Standard Webhooks': peers.mjs).
// Prints one JSON line: { [sender]: { ours, raw?, octokit?, standardwebhooks? } } in ops/s.
import { createHash, createHmac, createPublicKey, timingSafeEqual, verify as rsaVerify } from 'node:crypto';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import { compareRates } from './common.mjs';
import { bodyOf, SENDERS, signer, VERIFIERS } from './deliveries.mjs';

const { credentials, roundMs, rounds } = JSON.parse(process.env.BENCH_CONFIG);
const compare = (candidates) => compareRates(candidates, { rounds, roundMs });

// Headers as the guard hands them over: Node's headersDistinct, one array per name.
const distinct = (headers) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), [value]]));
const hex = (value) => Buffer.from(value, 'hex');
/** A signed header's value, whatever the case of its name. */
const header = (headers, name) =>
  Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];

function hmacPeers(text, secret) {
  const octokitSignature = `sha256=${createHmac('sha256', secret).update(text).digest('hex')}`;
  const webhook = new Webhook(Buffer.from(secret).toString('base64'));
  const id = 'msg_bench';
  const timestamp = new Date();
  const standardHeaders = {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': webhook.sign(id, timestamp, text),
  };
  return {
    octokit: async () => octokitVerify(secret, text, octokitSignature),
    // Without its JSON.parse of the payload, so only the verification is compared.
    standardwebhooks: () => webhook.verify(text, standardHeaders, { jsonParse: false }) === undefined,
  };
}

/**
 * The raw `node:crypto` call each built-in verifier wraps, with the values it compares (what is
 * measured against, so written per scheme), and peer libraries for the HMAC-SHA256 senders. A
 * sender without an entry is measured alone.
 */
const RAW = {
  oxskyt({ body, headers, signing }) {
    const suffix = createHash('sha256').update(signing.secret).digest('hex');
    const sent = header(headers, 'x-signature');
    return {
      raw: () => timingSafeEqual(createHash('sha256').update(body).update(suffix).digest(), hex(sent)),
    };
  },
  inkit({ text, body, headers, signing }) {
    const sent = header(headers, 'inkit-signature');
    return {
      raw: () => timingSafeEqual(createHmac('sha256', signing.secret).update(body).digest(), hex(sent)),
      ...hmacPeers(text, signing.secret),
    };
  },
  ovcode({ headers, signing }) {
    const expected = createHash('sha256').update(signing.apiSecret).digest();
    const sent = header(headers, 'x-api-secret');
    return { raw: () => timingSafeEqual(createHash('sha256').update(sent).digest(), expected) };
  },
  certificall({ text, body, headers, signing }) {
    const authorization = header(headers, 'authorization');
    const sent = authorization.slice(authorization.lastIndexOf(':') + 1);
    return {
      raw: () => timingSafeEqual(createHmac('sha256', signing.apiSecret).update(body).digest(), hex(sent)),
      ...hmacPeers(text, signing.apiSecret),
    };
  },
  github({ body, headers, signing }) {
    const sent = header(headers, 'x-hub-signature-256').slice('sha256='.length);
    return {
      raw: () => timingSafeEqual(createHmac('sha256', signing.secret).update(body).digest(), hex(sent)),
    };
  },
  stripe({ body, headers, signing }) {
    const [t, v1] = header(headers, 'stripe-signature')
      .split(',')
      .map((item) => item.slice(item.indexOf('=') + 1));
    return {
      raw: () =>
        timingSafeEqual(createHmac('sha256', signing.secret).update(`${t}.`).update(body).digest(), hex(v1)),
    };
  },
  standard({ body, headers, signing }) {
    const key = Buffer.from(signing.secret.slice('whsec_'.length), 'base64');
    const signed = `${header(headers, 'webhook-id')}.${header(headers, 'webhook-timestamp')}.`;
    const sent = Buffer.from(header(headers, 'webhook-signature').slice('v1,'.length), 'base64');
    return {
      raw: () => timingSafeEqual(createHmac('sha256', key).update(signed).update(body).digest(), sent),
    };
  },
  illow({ body, headers, credentials: { publicKey } }) {
    const key = createPublicKey(publicKey);
    const sent = header(headers, 'illow-signature');
    return { raw: () => rsaVerify('sha1', body, key, Buffer.from(sent, 'base64')) };
  },
};

/** Every sender: its verifier, as the module builds it, on its first bench delivery. */
function candidatesOf(sender) {
  const text = bodyOf(sender, 0);
  const body = Buffer.from(text);
  const headers = signer(sender, credentials)(body);
  const ours = VERIFIERS[sender](credentials[sender].credentials);
  const received = distinct(headers);
  return {
    ours: () => ours(body, received).ok,
    ...RAW[sender]?.({ text, body, headers, ...credentials[sender] }),
  };
}

const results = {};
for (const sender of SENDERS) {
  const candidates = candidatesOf(sender);
  for (const [name, fn] of Object.entries(candidates)) {
    if (!(await fn())) throw new Error(`${sender}: ${name} does not accept its own delivery`);
  }
  results[sender] = await compare(candidates);
}
process.stdout.write(`${JSON.stringify(results)}\n`);
