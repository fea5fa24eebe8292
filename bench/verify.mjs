// Verification alone, per sender: our verifier, the node:crypto call it wraps, and for the HMAC
// senders two peer libraries doing the same HMAC-SHA256 work over a body of the same size.
// Prints one JSON line: { [sender]: { ours, raw, octokit?, standardwebhooks? } } in ops/s.
import { createHash, createHmac, createPublicKey, timingSafeEqual, verify as rsaVerify } from 'node:crypto';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import { signIllow } from 'nestjs-webhooks/testing';
import { Webhook } from 'standardwebhooks';
import { bodyOf, signer, VERIFIERS } from './deliveries.mjs';

const { providers, credentials, roundMs, rounds } = JSON.parse(process.env.BENCH_CONFIG);
let sink = 0;

/** Calls per second of a synchronous function, in batches so the clock is read rarely. */
function rate(fn, ms) {
  const start = performance.now();
  let calls = 0;
  do {
    for (let i = 0; i < 64; i++) sink += fn() ? 1 : 0;
    calls += 64;
  } while (performance.now() - start < ms);
  return (calls * 1000) / (performance.now() - start);
}

async function rateAsync(fn, ms) {
  const start = performance.now();
  let calls = 0;
  do {
    for (let i = 0; i < 64; i++) sink += (await fn()) ? 1 : 0;
    calls += 64;
  } while (performance.now() - start < ms);
  return (calls * 1000) / (performance.now() - start);
}

const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Interleaved rounds, so drift in the machine's speed touches every candidate alike; the median of each. */
async function compare(candidates) {
  const samples = Object.fromEntries(Object.keys(candidates).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, fn] of Object.entries(candidates)) {
      samples[name].push(
        fn.constructor.name === 'AsyncFunction' ? await rateAsync(fn, roundMs) : rate(fn, roundMs),
      );
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

// Headers as the guard hands them over: Node's headersDistinct, one array per name.
const distinct = (headers) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), [value]]));
const hex = (value) => Buffer.from(value, 'hex');

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

const cases = {
  oxskyt() {
    const body = Buffer.from(bodyOf('oxskyt', 0));
    const headers = signer('oxskyt', credentials)(body);
    const received = distinct(headers);
    const ours = VERIFIERS.oxskyt(providers.oxskyt);
    const suffix = createHash('sha256').update(credentials.oxskyt).digest('hex');
    const sent = headers['x-signature'];
    return {
      ours: () => ours(body, received).ok,
      raw: () => timingSafeEqual(createHash('sha256').update(body).update(suffix).digest(), hex(sent)),
    };
  },
  inkit() {
    const text = bodyOf('inkit', 0);
    const body = Buffer.from(text);
    const headers = signer('inkit', credentials)(body);
    const received = distinct(headers);
    const ours = VERIFIERS.inkit(providers.inkit);
    const sent = headers['Inkit-Signature'];
    return {
      ours: () => ours(body, received).ok,
      raw: () => timingSafeEqual(createHmac('sha256', credentials.inkit).update(body).digest(), hex(sent)),
      ...hmacPeers(text, credentials.inkit),
    };
  },
  ovcode() {
    const body = Buffer.from(bodyOf('ovcode', 0));
    const headers = signer('ovcode', credentials)(body);
    const received = distinct(headers);
    const ours = VERIFIERS.ovcode(providers.ovcode);
    const expected = createHash('sha256').update(credentials.ovcode).digest();
    const sent = headers['x-api-secret'];
    return {
      ours: () => ours(body, received).ok,
      raw: () => timingSafeEqual(createHash('sha256').update(sent).digest(), expected),
    };
  },
  certificall() {
    const text = bodyOf('certificall', 0);
    const body = Buffer.from(text);
    const headers = signer('certificall', credentials)(body);
    const received = distinct(headers);
    const ours = VERIFIERS.certificall(providers.certificall);
    const { apiSecret } = credentials.certificall;
    const sent = headers.Authorization.slice(headers.Authorization.lastIndexOf(':') + 1);
    return {
      ours: () => ours(body, received).ok,
      raw: () => timingSafeEqual(createHmac('sha256', apiSecret).update(body).digest(), hex(sent)),
      ...hmacPeers(text, apiSecret),
    };
  },
  illow() {
    const body = Buffer.from(bodyOf('illow', 0));
    const headers = signIllow(body, { privateKey: credentials.illow.privateKey });
    const received = distinct(headers);
    const ours = VERIFIERS.illow(providers.illow);
    const key = createPublicKey(credentials.illow.publicKey);
    const sent = headers['illow-signature'];
    return {
      ours: () => ours(body, received).ok,
      raw: () => rsaVerify('sha1', body, key, Buffer.from(sent, 'base64')),
    };
  },
};

const results = {};
for (const [sender, build] of Object.entries(cases)) {
  const candidates = build();
  for (const [name, fn] of Object.entries(candidates)) {
    if (!(await fn())) throw new Error(`${sender}: ${name} does not accept its own delivery`);
  }
  results[sender] = await compare(candidates);
}
process.stdout.write(`${JSON.stringify(results)}\n`);
if (sink < 0) console.log(sink);
