import { createHash, type KeyObject } from 'node:crypto';
import { BUILT_IN_SENDERS, type ConfiguredWebhookSender, type SignedHeaders } from 'nestjs-webhooks';
import { generateIllowKeyPair } from 'nestjs-webhooks/testing';

/**
 * The built-in senders as the tests see them. What the library knows about a sender (its id, its
 * route, the headers its credentials travel in, its documented sample, how it signs) is read from
 * its definition in `BUILT_IN_SENDERS`; what is written here per sender is test knowledge only:
 * which credentials the tests configure, and the variations of a payload the suites send.
 */
export type BuiltInSender = (typeof BUILT_IN_SENDERS)[number];
export type Sender = BuiltInSender['id'];
type DefinitionOf<S extends Sender> = Extract<BuiltInSender, { readonly id: S }>;
/** What `configure()` takes for this sender. */
export type CredentialsOf<S extends Sender> = Parameters<DefinitionOf<S>['configure']>[0];
/**
 * What the definition's `sign` takes for this sender. illow's may be a parsed key as well, which
 * the signer it calls takes too, so that suites signing thousands of bodies do not parse a PEM each time.
 */
export type SigningOf<S extends Sender> = S extends 'illow'
  ? { privateKey: string | KeyObject }
  : Parameters<DefinitionOf<S>['sign']>[1];

/** Every built-in sender's id, in the library's order. */
export const SENDERS: readonly Sender[] = BUILT_IN_SENDERS.map((definition) => definition.id);

export function definitionOf<S extends Sender>(sender: S): DefinitionOf<S> {
  const definition = BUILT_IN_SENDERS.find((candidate) => candidate.id === sender);
  if (definition === undefined) throw new Error(`no built-in sender "${sender}"`);
  return definition as DefinitionOf<S>;
}

/** Whether the sender's events come from the route (`/webhooks/<id>/<event>`) rather than the payload. */
export const typedByRoute = (sender: Sender): boolean => definitionOf(sender).eventType === 'route';

/** The module's route for `sender`; for one whose events come from the route, that of its sample's event. */
export function routeOf(sender: Sender, prefix = '/webhooks'): string {
  const { sample } = definitionOf(sender);
  return typedByRoute(sender) ? `${prefix}/${sender}/${sample.event}` : `${prefix}/${sender}`;
}

/**
 * The headers `sender`'s credentials travel in, lower case; the first names its scheme (Certificall's
 * `Authorization`, before the `X-Api-Key` that goes with its HMAC).
 */
export const credentialHeadersOf = (sender: Sender): readonly string[] =>
  definitionOf(sender).credentialHeaders;

/** The header that carries `sender`'s signature or token, lower case. */
export const credentialHeaderOf = (sender: Sender): string => credentialHeadersOf(sender)[0]!;

/** One RSA pair per test run: made fresh, never committed. */
export const illowKeys = generateIllowKeyPair();

export const credentials = {
  oxskyt: 'oxskyt-secret-3d1f',
  inkit: 'inkit-secret-9a7b',
  ovcode: 'ovcode-token-5c2e',
  certificallBearer: 'certificall-bearer-77aa',
  certificallKey: 'cf-key-1',
  certificallSecret: 'cf-secret-8e8e',
  basicUser: 'cf-user',
  basicPassword: 'cf-pass-4242',
  github: 'github-secret-5b1e',
  stripe: 'whsec_stripe-test-secret-7c3d',
  // Standard Webhooks secrets are base64 of the key bytes behind `whsec_`.
  standard: `whsec_${Buffer.from('standard-webhooks-test-key-0f2a').toString('base64')}`,
} as const;

/** Everything a test run configures the senders with, and signs as them with. */
export interface Keyring {
  oxskyt: string;
  inkit: string;
  ovcode: string;
  certificallBearer: string;
  certificallKey: string;
  certificallSecret: string;
  basicUser: string;
  basicPassword: string;
  github: string;
  stripe: string;
  standard: string;
  illowPublicKey: string;
  illowPrivateKey: string | KeyObject;
}

export const keyring: Keyring = {
  ...credentials,
  illowPublicKey: illowKeys.publicKey,
  illowPrivateKey: illowKeys.privateKey,
};

/** Certificall signs with whichever one method its webhook was set up with. */
export type CertificallMethod = 'hmac' | 'hmac-base64' | 'bearer' | 'basic';

interface SenderKeys<S extends Sender> {
  configure(keys: Keyring): CredentialsOf<S>;
  signing(keys: Keyring, method: CertificallMethod): SigningOf<S>;
}

/** Which of a keyring's credentials each sender is configured and signed with (their shapes differ). */
const KEYS: { readonly [S in Sender]: SenderKeys<S> } = {
  oxskyt: {
    configure: (keys) => ({ secret: keys.oxskyt }),
    signing: (keys) => ({ secret: keys.oxskyt }),
  },
  inkit: {
    configure: (keys) => ({ secret: keys.inkit }),
    signing: (keys) => ({ secret: keys.inkit }),
  },
  ovcode: {
    configure: (keys) => ({ apiSecret: keys.ovcode }),
    signing: (keys) => ({ apiSecret: keys.ovcode }),
  },
  certificall: {
    configure: (keys) => ({
      bearerToken: keys.certificallBearer,
      hmac: { apiKey: keys.certificallKey, apiSecret: keys.certificallSecret },
      basic: { username: keys.basicUser, password: keys.basicPassword },
    }),
    signing: (keys, method) => {
      switch (method) {
        case 'bearer':
          return { method, bearerToken: keys.certificallBearer };
        case 'basic':
          return { method, username: keys.basicUser, password: keys.basicPassword };
        case 'hmac':
        case 'hmac-base64':
          return {
            method: 'hmac',
            apiKey: keys.certificallKey,
            apiSecret: keys.certificallSecret,
            encoding: method === 'hmac' ? 'hex' : 'base64',
          };
      }
    },
  },
  illow: {
    configure: (keys) => ({ publicKey: keys.illowPublicKey }),
    signing: (keys) => ({ privateKey: keys.illowPrivateKey }),
  },
  github: {
    configure: (keys) => ({ secret: keys.github }),
    signing: (keys) => ({ secret: keys.github, event: 'issues' }),
  },
  stripe: {
    configure: (keys) => ({ secret: keys.stripe }),
    signing: (keys) => ({ secret: keys.stripe }),
  },
  standard: {
    configure: (keys) => ({ secret: keys.standard }),
    signing: (keys) => ({ secret: keys.standard }),
  },
};

const sha256Hex = (body: string | Uint8Array) => createHash('sha256').update(body).digest('hex');

/** The X-GitHub-Delivery the tests send with `body`: a GUID made from its bytes, so a re-send is a retry. */
export const githubDeliveryOf = (body: string | Uint8Array): string => {
  const hex = sha256Hex(body);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

/** The webhook-id the tests send with `body`, made from its bytes likewise. */
export const standardMessageIdOf = (body: string | Uint8Array): string =>
  `msg_${sha256Hex(body).slice(0, 24)}`;

/**
 * Where a sender takes its delivery id from a header its signer makes (GitHub, Standard Webhooks),
 * the tests derive it from the body, as the others' keys derive from the payload: the same bytes
 * sent again are a retry, different bodies different deliveries.
 */
function deliveryIds(sender: Sender, body: string | Uint8Array): object {
  if (sender === 'github') return { delivery: githubDeliveryOf(body) };
  if (sender === 'standard') return { id: standardMessageIdOf(body) };
  return {};
}

/** `sender` configured with the keyring's credentials. */
export function configureSender(sender: Sender, keys: Keyring = keyring): ConfiguredWebhookSender {
  const definition = definitionOf(sender) as { configure(credentials: unknown): ConfiguredWebhookSender };
  return definition.configure(KEYS[sender].configure(keys));
}

/** Every built-in sender, configured with the keyring's credentials: `WebhooksModule.forRoot({ senders })`. */
export const configureSenders = (keys: Keyring = keyring): ConfiguredWebhookSender[] =>
  SENDERS.map((sender) => configureSender(sender, keys));

/** The built-ins with the tests' credentials. */
export const configuredSenders: readonly ConfiguredWebhookSender[] = configureSenders();

/** What the genuine sender signs `sender`'s deliveries with; Certificall's by `method` (HMAC in hex by default). */
export const signingOf = <S extends Sender>(
  sender: S,
  keys: Keyring = keyring,
  method: CertificallMethod = 'hmac',
): SigningOf<S> => (KEYS[sender] as SenderKeys<S>).signing(keys, method);

/** Signs `body` as `sender` does, with its definition's signer. */
export function signAs<S extends Sender>(
  sender: S,
  body: string | Uint8Array,
  signing: SigningOf<S>,
): SignedHeaders {
  const sign = definitionOf(sender).sign as (body: string | Uint8Array, signing: unknown) => SignedHeaders;
  return {
    ...definitionOf(sender).sample.headers,
    ...sign(body, { ...deliveryIds(sender, body), ...signing }),
  };
}

/**
 * The keyring of someone who knows the identifiers (Certificall's API key and Basic user name) but
 * none of the secrets: what they sign with is a forgery, in the genuine scheme.
 */
export function forgerOf(
  keys: Keyring,
  wrong = 'not-the-secret',
  illowPrivateKey: string | KeyObject = attackerIllowKey(),
): Keyring {
  return {
    ...keys,
    oxskyt: wrong,
    inkit: wrong,
    ovcode: wrong,
    certificallBearer: wrong,
    certificallSecret: wrong,
    basicPassword: wrong,
    github: wrong,
    stripe: wrong,
    standard: `whsec_${Buffer.from(wrong).toString('base64')}`,
    illowPrivateKey,
  };
}

let attacker: string | undefined;
/** An RSA key the receivers do not know, made once. */
function attackerIllowKey(): string {
  attacker ??= generateIllowKeyPair().privateKey;
  return attacker;
}

export interface Sample {
  sender: Sender;
  definition: BuiltInSender;
  path: string;
  /** The full event name deliveries of this sample (and of `vary(n)`) get. */
  event: string;
  /** The delivery the sender's definition documents. */
  body: object;
  /** The header its signature or token travels in, lower case (see credentialHeaderOf). */
  credentialHeader: string;
  /** A signed body that must fail the sender's DTO, and a field the 400 must name. */
  invalid: { body: unknown; field: string };
  sign(body: string | Buffer): Record<string, string>;
  /** Same scheme, wrong credential. */
  forge(body: string | Buffer): Record<string, string>;
  /** Variation of the sample that yields a different idempotency key. */
  vary(n: number): object;
  /** The id the reference app files vary(n)'s record under. */
  recordId(n: number): string;
  /** What the handler receives for vary(n), where normalization changes it. */
  expected?(n: number): object;
}

/** What the suites send as each sender beyond its documented sample: test knowledge, not the sender's. */
interface Variations {
  /** The type the test expects `vary(n)` to be named, for a sender whose payload names it. */
  type?: string;
  invalid: Sample['invalid'];
  vary(n: number): object;
  recordId(n: number): string;
  expected?(n: number): object;
}

const certificallCase = (n = 0) => ({
  cfRef: `CF-${1000 + n}`,
  reportId: `rep-${n}`,
  caseUrl: 'https://app.certificall.example/cases/CF-1000.pdf',
  createdAt: '2024-05-31T09:04:53.000Z',
  items: [
    {
      createdAt: '2024-05-31T09:01:00.000Z',
      cfRef: 'IT-1',
      description: 'Front of the building',
      geolocLatitude: '48.8566',
      geolocLongitude: '2.3522',
      imageUrl: 'https://app.certificall.example/items/IT-1.jpg',
      stepAction: 'Photography',
      data: 'front.jpg',
    },
  ],
});

const githubIssue = (n: number) => {
  const sample = definitionOf('github').sample.payload as { issue: object };
  return { ...sample, issue: { ...sample.issue, number: n, title: `Issue ${n}` } };
};
const stripeEvent = (n: number) => ({ ...definitionOf('stripe').sample.payload, id: `evt_${n}` });
const standardMessage = (n: number) => ({
  ...definitionOf('standard').sample.payload,
  data: { id: `contact-${n}`, type: 'contact' },
});

const VARIATIONS: { readonly [S in Sender]: Variations } = {
  oxskyt: {
    type: 'REPORT_GENERATED',
    invalid: { body: [1, 2, 3], field: 'object' },
    recordId: (n) => `rep_${n}`,
    vary: (n) => ({ id: `rep_${n}`, status: 'completed' }),
  },
  inkit: {
    type: 'DOCUMENT_CREATE_FINISHED',
    invalid: { body: { event_type: 'DOCUMENT_CREATE_FINISHED' }, field: 'resource_id' },
    recordId: (n) => `doc_${n}`,
    vary: (n) => ({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: `doc_${n}` }),
  },
  ovcode: {
    type: 'AUTHENTICATION_SUCCEEDED',
    invalid: { body: { reference: 'F-1', status_code: 'X' }, field: 'status_code' },
    recordId: (n) => `F-${n}`,
    vary: (n) => ({ reference: `F-${n}`, status_code: 'S' }),
  },
  certificall: {
    type: 'CASE_VALIDATED',
    invalid: {
      body: { ...certificallCase(), items: [{ ...certificallCase().items[0], stepAction: 'TELEPATHY' }] },
      field: 'items.0.stepAction',
    },
    recordId: (n) => `CF-${1000 + n}`,
    vary: (n) => certificallCase(n),
    expected: (n) => ({
      ...certificallCase(n),
      items: [{ ...certificallCase(n).items[0], stepAction: 'PHOTOGRAPHY' }],
    }),
  },
  illow: {
    invalid: { body: { companyId: 'c', siteId: 's', metadata: {} }, field: 'idempotencyKey' },
    recordId: (n) => `dsr-${n}`,
    vary: (n) => ({
      companyId: 'company-1',
      siteId: 'site-1',
      idempotencyKey: `idem-${n}`,
      metadata: { id: `dsr-${n}` },
    }),
  },
  github: {
    type: 'issues.opened',
    invalid: { body: { action: 42 }, field: 'action' },
    // The receiver files a GitHub delivery by its X-GitHub-Delivery.
    recordId: (n) => githubDeliveryOf(JSON.stringify(githubIssue(n))),
    vary: githubIssue,
  },
  stripe: {
    type: 'payment_intent.succeeded',
    invalid: {
      body: { ...definitionOf('stripe').sample.payload, id: undefined },
      field: 'id',
    },
    recordId: (n) => `evt_${n}`,
    vary: stripeEvent,
  },
  standard: {
    type: 'contact.created',
    invalid: { body: { ...definitionOf('standard').sample.payload, data: 'none' }, field: 'data' },
    recordId: (n) => standardMessageIdOf(JSON.stringify(standardMessage(n))),
    vary: standardMessage,
  },
};

function sampleOf(sender: Sender): Sample {
  const definition = definitionOf(sender);
  const { type, ...variations } = VARIATIONS[sender];
  const event = typedByRoute(sender) ? definition.sample.event : type;
  if (event === undefined) throw new Error(`test/support/senders.ts: no expected event type for "${sender}"`);
  return {
    sender,
    definition,
    path: routeOf(sender),
    event: `${sender}.${event}`,
    body: definition.sample.payload,
    credentialHeader: credentialHeaderOf(sender),
    ...variations,
    sign: (body) => signAs(sender, body, signingOf(sender)),
    forge: (body) => signAs(sender, body, signingOf(sender, forgerOf(keyring))),
  };
}

/** One per built-in sender, in the library's order. */
export const samples: Sample[] = SENDERS.map(sampleOf);

/** The reference receiver's variables that switch each sender on with the test credentials. */
const RECEIVER_SENDER_ENV: { readonly [S in Sender]: Readonly<Record<string, string>> } = {
  oxskyt: { OXSKYT_WEBHOOK_SECRET: credentials.oxskyt },
  inkit: { INKIT_WEBHOOK_SECRET: credentials.inkit },
  ovcode: { OVCODE_API_SECRET: credentials.ovcode },
  certificall: {
    CERTIFICALL_AUTH_TOKEN: credentials.certificallBearer,
    CERTIFICALL_API_KEY: credentials.certificallKey,
    CERTIFICALL_API_SECRET: credentials.certificallSecret,
    CERTIFICALL_BASIC_USERNAME: credentials.basicUser,
    CERTIFICALL_BASIC_PASSWORD: credentials.basicPassword,
  },
  illow: { ILLOW_PUBLIC_KEY: illowKeys.publicKey },
  github: { GITHUB_WEBHOOK_SECRET: credentials.github },
  stripe: { STRIPE_WEBHOOK_SECRET: credentials.stripe },
  standard: { STANDARD_WEBHOOKS_SECRET: credentials.standard },
};

/** The reference receiver's environment serving `senders` (every built-in by default) with the test credentials. */
export function receiverSenderEnv(senders: readonly Sender[] = SENDERS): Record<string, string> {
  return Object.assign({}, ...senders.map((sender) => RECEIVER_SENDER_ENV[sender]));
}
