// Verification alone, against the peers: `node bench/peers.mjs [--quick]`. Each of our verifiers
// that has a vendor's or a specification's own library beside it, side by side with that library,
// on the same JSON bodies (1 KiB and 64 KiB), the same secrets and the same signed headers (made by
// the sender definition's `sign` and accepted by both, checked first), in interleaved rounds.
//
// Each is given what it needs, as a route holds it: ours the raw bytes and Node's
// `headersDistinct` (it finds, parses and checks its headers itself); a peer the arguments its
// documentation names, the header's value already picked out. Run by run.mjs with BENCH_CONFIG
// set, it prints one JSON line instead of the table.
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { compareRates, int, ratio, table } from './common.mjs';
import { createCredentials, DEFINITIONS, signer, VERIFIERS } from './deliveries.mjs';

export const SIZES = [1024, 64 * 1024];

/**
 * A JSON body of exactly `bytes` bytes: records as an API would list them, the last field
 * padded. Verification reads it as bytes only, so one body serves every pair.
 */
export function jsonOfSize(bytes) {
  const items = [];
  const text = (padding) => JSON.stringify({ object: 'list', data: items, padding });
  while (text('').length < bytes - 200) {
    const n = items.length;
    items.push({ id: `item_${n}`, amount: 1000 + n, currency: 'eur', paid: n % 2 === 0 });
  }
  return text('x'.repeat(bytes - text('').length));
}

// Headers as the guard hands them over: Node's headersDistinct, one array per lower-case name.
const distinct = (headers) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), [value]]));
/** As Node's `req.headers` has them: lower-case names, string values. */
const plain = (headers) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

/** What each peer is given, said once in the output. */
export const NOTES = {
  'github: @octokit/webhooks-methods verify (string)':
    'async, awaited per call; a string payload (its only form) decoded before timing, the X-Hub-Signature-256 value',
  'github: @octokit/webhooks-methods verify (from bytes)':
    'the same, with the Buffer -> string decoding a route holding bytes must do first inside the timing',
  'stripe: stripe verifyHeader':
    'stripe.webhooks.signature.verifyHeader(Buffer, Stripe-Signature value, secret, 300): constructEvent without its JSON.parse; throws on failure',
  'standard: standardwebhooks verify':
    'new Webhook(secret).verify(Buffer, req.headers-like object, { jsonParse: false }): its JSON.parse skipped; HMAC in pure JS (fast-sha256)',
};

/** The pairs for one body: ours and its peers, each a function answering true when it accepts. */
function pairsFor(body, credentials) {
  const bytes = Buffer.from(body);
  const signed = (sender) => signer(sender, credentials)(body);
  const ours = (sender, headers) => {
    const verify = VERIFIERS[sender](credentials[sender].credentials);
    const received = distinct(headers);
    return () => verify(bytes, received).ok;
  };

  const github = signed('github');
  const githubSecret = credentials.github.signing.secret;
  const hubSignature = plain(github)['x-hub-signature-256'];

  const stripeHeaders = signed('stripe');
  const stripe = new Stripe('sk_test_bench');
  const stripeSecret = credentials.stripe.signing.secret;
  const stripeSignature = plain(stripeHeaders)['stripe-signature'];

  const standard = signed('standard');
  const webhook = new Webhook(credentials.standard.signing.secret);
  const standardHeaders = plain(standard);

  return {
    github: {
      ours: ours('github', github),
      '@octokit/webhooks-methods verify (string)': async () =>
        octokitVerify(githubSecret, body, hubSignature),
      '@octokit/webhooks-methods verify (from bytes)': async () =>
        octokitVerify(githubSecret, bytes.toString('utf8'), hubSignature),
    },
    stripe: {
      ours: ours('stripe', stripeHeaders),
      'stripe verifyHeader': () =>
        stripe.webhooks.signature.verifyHeader(bytes, stripeSignature, stripeSecret, 300),
    },
    standard: {
      ours: ours('standard', standard),
      'standardwebhooks verify': () =>
        webhook.verify(bytes, standardHeaders, { jsonParse: false }) === undefined,
    },
  };
}

/** `{ rows: [{ sender, bytes, ours, peers: { name: ops/s } }] }` */
export async function measurePeers({ rounds, roundMs, credentials = createCredentials() }) {
  const rows = [];
  for (const bytes of SIZES) {
    const body = jsonOfSize(bytes);
    for (const [sender, candidates] of Object.entries(pairsFor(body, credentials))) {
      for (const [name, fn] of Object.entries(candidates)) {
        if (!(await fn())) throw new Error(`${sender}: ${name} does not accept its delivery`);
      }
      const { ours, ...peers } = await compareRates(candidates, { rounds, roundMs });
      rows.push({ sender, bytes, ours, peers });
    }
  }
  return { rows };
}

const size = (bytes) => (bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`);

export function printPeers({ rows }) {
  table(
    ['sender', 'body', 'ours (ops/s)', 'peer', 'peer (ops/s)', 'ours/peer'],
    rows.flatMap(({ sender, bytes, ours, peers }) =>
      Object.entries(peers).map(([peer, rate]) => [
        `${sender} (${DEFINITIONS[sender].title})`,
        size(bytes),
        int(ours),
        peer,
        int(rate),
        ratio(ours / rate),
      ]),
    ),
  );
  console.log(
    'ours: the verifier the module builds, given the raw body (Buffer) and headersDistinct; it reads and parses its headers itself',
  );
  for (const [peer, note] of Object.entries(NOTES)) console.log(`${peer}: ${note}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.env.BENCH_CONFIG) {
    const { credentials, rounds, roundMs } = JSON.parse(process.env.BENCH_CONFIG);
    process.stdout.write(`${JSON.stringify(await measurePeers({ credentials, rounds, roundMs }))}\n`);
  } else {
    const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
    const settings = values.quick ? { rounds: 5, roundMs: 100 } : { rounds: 7, roundMs: 300 };
    console.log(
      `verification alone against the peers: ${settings.rounds} interleaved rounds of ${settings.roundMs} ms, median (ops/s)\n`,
    );
    printPeers(await measurePeers(settings));
  }
}
