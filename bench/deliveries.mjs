// What the benchmark sends: each sender's documented sample body, varied so that every delivery
// is a new one (its idempotency key changes), signed as the sender signs it.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  IllowWebhookDto,
  InkitWebhookDto,
  OvcodeCallbackDto,
  OxskytReportDto,
  ShareCasesWithMetaDatasDto,
  createCertificallVerifier,
  createIllowVerifier,
  createInkitVerifier,
  createOvcodeVerifier,
  createOxskytVerifier,
} from 'nestjs-webhooks';
import {
  DEFAULT_ILLOW_EVENT,
  SAMPLE_PAYLOADS,
  generateIllowKeyPair,
  signCertificall,
  signInkit,
  signOvcode,
  signOxskyt,
} from 'nestjs-webhooks/testing';

export const SENDERS = ['oxskyt', 'inkit', 'ovcode', 'certificall', 'illow'];

/** Each sender's DTO, for the plain route's ValidationPipe. */
export const DTOS = {
  oxskyt: OxskytReportDto,
  inkit: InkitWebhookDto,
  ovcode: OvcodeCallbackDto,
  certificall: ShareCasesWithMetaDatasDto,
  illow: IllowWebhookDto,
};

/** Each sender's verifier factory, as the module builds them from its options. */
export const VERIFIERS = {
  oxskyt: createOxskytVerifier,
  inkit: createInkitVerifier,
  ovcode: createOvcodeVerifier,
  certificall: createCertificallVerifier,
  illow: createIllowVerifier,
};

/** Credentials shared by the servers (as module options) and the generator (to sign). */
export function createCredentials() {
  return {
    oxskyt: 'bench-oxskyt-secret',
    inkit: 'bench-inkit-secret',
    ovcode: 'bench-ovcode-token',
    certificall: { apiKey: 'bench-cf-key', apiSecret: 'bench-cf-secret' },
    illow: generateIllowKeyPair(),
  };
}

/** The module options for those credentials: HMAC for Certificall, the method that costs most. */
export function providerOptions(credentials) {
  return {
    oxskyt: { secret: credentials.oxskyt },
    inkit: { secret: credentials.inkit },
    ovcode: { apiSecret: credentials.ovcode },
    certificall: { hmac: credentials.certificall },
    illow: { publicKey: credentials.illow.publicKey },
  };
}

export const PATHS = {
  oxskyt: '/webhooks/oxskyt',
  inkit: '/webhooks/inkit',
  ovcode: '/webhooks/ovcode',
  certificall: '/webhooks/certificall',
  illow: `/webhooks/illow/${DEFAULT_ILLOW_EVENT}`,
};

/** The events the module emits for these bodies, for the no-op handler to listen to. */
export const EVENTS = [
  'oxskyt.REPORT_GENERATED',
  'inkit.DOCUMENT_CREATE_FINISHED',
  'ovcode.AUTHENTICATION_SUCCEEDED',
  'certificall.CASE_VALIDATED',
  `illow.${DEFAULT_ILLOW_EVENT}`,
];

/** The field that carries each sender's idempotency key (OxsKYT's key is the body's hash). */
const VARY = {
  oxskyt: (body, n) => ({ ...body, id: `rpt_${n}` }),
  inkit: (body, n) => ({ ...body, resource_id: `doc_${n}` }),
  ovcode: (body, n) => ({ ...body, reference: `F-${n}` }),
  certificall: (body, n) => ({ ...body, cfRef: `CF-${n}` }),
  illow: (body, n) => ({ ...body, idempotencyKey: `idem-${n}` }),
};

export const bodyOf = (sender, n) => JSON.stringify(VARY[sender](SAMPLE_PAYLOADS[sender], n));

export function signer(sender, credentials) {
  switch (sender) {
    case 'oxskyt':
      return (body) => signOxskyt(body, { secret: credentials.oxskyt });
    case 'inkit':
      return (body) => signInkit(body, { secret: credentials.inkit });
    case 'ovcode':
      return (body) => signOvcode(body, { apiSecret: credentials.ovcode });
    case 'certificall':
      return (body) => signCertificall(body, { method: 'hmac', ...credentials.certificall });
    default:
      throw new Error(`${sender} is signed by signPool`);
  }
}

/**
 * `count` deliveries numbered from `first`, as [body, headers] pairs. illow's RSA signatures cost
 * about a millisecond each, so they are made on every core at once.
 */
export async function signPool(sender, credentials, first, count) {
  const bodies = Array.from({ length: count }, (_, i) => bodyOf(sender, first + i));
  if (sender !== 'illow') {
    const sign = signer(sender, credentials);
    return bodies.map((body) => [body, sign(body)]);
  }
  const workers = Math.max(1, availableParallelism());
  const share = Math.ceil(count / workers);
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const slice = bodies.slice(w * share, (w + 1) * share);
      return new Promise((resolve, reject) => {
        const worker = new Worker(new URL('./sign-worker.mjs', import.meta.url), {
          workerData: { bodies: slice, privateKey: credentials.illow.privateKey },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  const signatures = parts.flat();
  return bodies.map((body, i) => [body, { 'illow-signature': signatures[i] }]);
}

/**
 * Where each request's delivery comes from: `at(n)` gives the n-th. Cycled sources repeat (for
 * routes that do not de-duplicate); unique ones never do, as long as illow's pre-signed pool lasts
 * (the other senders are signed as they are sent: an HMAC costs the generator a few µs).
 */
export class Deliveries {
  constructor(credentials) {
    this.credentials = credentials;
    this.illow = [];
  }

  async cycled(sender, count) {
    const list = await signPool(sender, this.credentials, 0, count);
    return { at: (n) => list[n % list.length] };
  }

  /** `expected` requests at most; illow's pool is signed for that many, and grows across runs. */
  async unique(sender, expected) {
    if (sender === 'illow') {
      const missing = expected - this.illow.length;
      if (missing > 0) {
        for (const delivery of await signPool('illow', this.credentials, this.illow.length, missing))
          this.illow.push(delivery);
      }
      const list = this.illow;
      return { at: (n) => list[n % list.length], size: list.length };
    }
    const sign = signer(sender, this.credentials);
    return {
      at: (n) => {
        const body = bodyOf(sender, n);
        return [body, sign(body)];
      },
      size: Infinity,
    };
  }
}
