import {
  SAMPLE_PAYLOADS,
  generateIllowKeyPair,
  signCertificall,
  signIllow,
  signInkit,
  signOvcode,
  signOxskyt,
} from 'nestjs-webhooks/testing';
import type { WebhookProvidersOptions } from 'nestjs-webhooks';

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
} as const;

export const providerOptions: WebhookProvidersOptions = {
  oxskyt: { secret: credentials.oxskyt },
  inkit: { secret: credentials.inkit },
  ovcode: { apiSecret: credentials.ovcode },
  certificall: {
    bearerToken: credentials.certificallBearer,
    hmac: { apiKey: credentials.certificallKey, apiSecret: credentials.certificallSecret },
    basic: { username: credentials.basicUser, password: credentials.basicPassword },
  },
  illow: { publicKey: illowKeys.publicKey },
};

export type Sender = 'oxskyt' | 'inkit' | 'ovcode' | 'certificall' | 'illow';

export interface Sample {
  sender: Sender;
  path: string;
  event: string;
  body: object;
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

export const samples: Sample[] = [
  {
    sender: 'oxskyt',
    path: '/webhooks/oxskyt',
    event: 'oxskyt.REPORT_GENERATED',
    body: { id: 'rep_1', status: 'completed', pdf: 'https://oxskyt.example/r/1.pdf' },
    invalid: { body: [1, 2, 3], field: 'object' },
    sign: (b) => signOxskyt(b, { secret: credentials.oxskyt }),
    forge: (b) => signOxskyt(b, { secret: 'not-the-secret' }),
    recordId: (n) => `rep_${n}`,
    vary: (n) => ({ id: `rep_${n}`, status: 'completed' }),
  },
  {
    sender: 'inkit',
    path: '/webhooks/inkit',
    event: 'inkit.DOCUMENT_CREATE_FINISHED',
    body: { event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: 'doc_2N0X2g4f3b1JJU75fqzDZs' },
    invalid: { body: { event_type: 'DOCUMENT_CREATE_FINISHED' }, field: 'resource_id' },
    sign: (b) => signInkit(b, { secret: credentials.inkit }),
    forge: (b) => signInkit(b, { secret: 'not-the-secret' }),
    recordId: (n) => `doc_${n}`,
    vary: (n) => ({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: `doc_${n}` }),
  },
  {
    sender: 'ovcode',
    path: '/webhooks/ovcode',
    event: 'ovcode.AUTHENTICATION_SUCCEEDED',
    body: SAMPLE_PAYLOADS.ovcode,
    invalid: { body: { reference: 'F-1', status_code: 'X' }, field: 'status_code' },
    sign: (b) => signOvcode(b, { apiSecret: credentials.ovcode }),
    forge: (b) => signOvcode(b, { apiSecret: 'not-the-token' }),
    recordId: (n) => `F-${n}`,
    vary: (n) => ({ reference: `F-${n}`, status_code: 'S' }),
  },
  {
    sender: 'certificall',
    path: '/webhooks/certificall',
    event: 'certificall.CASE_VALIDATED',
    body: certificallCase(),
    invalid: {
      body: { ...certificallCase(), items: [{ ...certificallCase().items[0], stepAction: 'TELEPATHY' }] },
      field: 'items.0.stepAction',
    },
    sign: (b) =>
      signCertificall(b, {
        method: 'hmac',
        apiKey: credentials.certificallKey,
        apiSecret: credentials.certificallSecret,
      }),
    forge: (b) =>
      signCertificall(b, { method: 'hmac', apiKey: credentials.certificallKey, apiSecret: 'not-the-secret' }),
    recordId: (n) => `CF-${1000 + n}`,
    vary: (n) => certificallCase(n),
    expected: (n) => ({
      ...certificallCase(n),
      items: [{ ...certificallCase(n).items[0], stepAction: 'PHOTOGRAPHY' }],
    }),
  },
  {
    sender: 'illow',
    path: '/webhooks/illow/DSR_CREATED',
    event: 'illow.DSR_CREATED',
    body: {
      companyId: 'company-1',
      siteId: 'site-1',
      idempotencyKey: 'idem-0001',
      metadata: {
        id: 'dsr-1',
        companyId: 'company-1',
        createdAt: '2024-05-31T09:04:53Z',
        dueDate: '2024-06-30',
        legislation: 'GDPR',
        requestStatus: 'PENDING',
      },
    },
    invalid: { body: { companyId: 'c', siteId: 's', metadata: {} }, field: 'idempotencyKey' },
    sign: (b) => signIllow(b, { privateKey: illowKeys.privateKey }),
    forge: (b) => signIllow(b, { privateKey: generateIllowKeyPair().privateKey }),
    recordId: (n) => `dsr-${n}`,
    vary: (n) => ({
      companyId: 'company-1',
      siteId: 'site-1',
      idempotencyKey: `idem-${n}`,
      metadata: { id: `dsr-${n}` },
    }),
  },
];

/** The header a sender's credential travels in, to strip for "missing" cases. */
export const credentialHeader: Record<Sender, string> = {
  oxskyt: 'x-signature',
  inkit: 'Inkit-Signature',
  ovcode: 'x-api-secret',
  certificall: 'Authorization',
  illow: 'illow-signature',
};
