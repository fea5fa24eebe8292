import { defineWebhookSender, type WebhookSenderCliInput } from '../../webhooks.sender.js';
import { ShareCasesWithMetaDatasDto } from './certificall.dto.js';
import { CERTIFICALL_SAMPLE } from './certificall.sample.js';
import {
  CERTIFICALL_HEADERS,
  createCertificallVerifier,
  signCertificall,
  type CertificallCredentials,
  type CertificallSigning,
} from './certificall.scheme.js';

const METHODS = ['hmac', 'bearer', 'basic'] as const;
type Method = (typeof METHODS)[number];
const METHOD_CREDENTIALS: Readonly<Record<Method, readonly string[]>> = {
  hmac: ['api-key', 'api-secret'],
  bearer: ['bearer-token'],
  basic: ['username', 'password'],
};

function oneOf<T extends string>(
  input: WebhookSenderCliInput,
  flag: string,
  value: string,
  allowed: readonly T[],
): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw input.usage(`--${flag} must be one of ${allowed.join(', ')}`);
}

// A flag typed now says more than a variable left in the shell, so flags decide before the environment.
function methodOf(input: WebhookSenderCliInput): Method {
  const method = input.option('method');
  if (typeof method === 'string') return oneOf(input, 'method', method, METHODS);
  for (const from of ['flag', 'env'] as const) {
    const chosen = METHODS.find((m) => METHOD_CREDENTIALS[m].some((flag) => input.from(flag) === from));
    if (chosen !== undefined) return chosen;
  }
  throw input.usage(
    'certificall needs --api-key with --api-secret, --bearer-token, or --username with --password ' +
      '(or their environment variables)',
  );
}

function signing(input: WebhookSenderCliInput): CertificallSigning {
  const method = methodOf(input);
  const encoding = input.option('encoding');
  if (encoding !== undefined && method !== 'hmac')
    throw input.usage('--encoding applies to the hmac method only');
  switch (method) {
    case 'hmac':
      return {
        method,
        apiKey: input.need('api-key'),
        apiSecret: input.need('api-secret'),
        encoding: oneOf(input, 'encoding', typeof encoding === 'string' ? encoding : 'hex', [
          'hex',
          'base64',
        ] as const),
      };
    case 'bearer':
      return { method, bearerToken: input.need('bearer-token') };
    case 'basic':
      return { method, username: input.need('username'), password: input.need('password') };
  }
}

/** Certificall: Bearer, Basic or HMAC-SHA256 in `Authorization`, whichever was set up; one event. */
export const certificallSender = defineWebhookSender({
  id: 'certificall',
  title: 'Certificall',
  credentialHeaders: CERTIFICALL_HEADERS,
  verifier: (credentials: CertificallCredentials, optionPath) =>
    createCertificallVerifier(credentials, optionPath),
  sign: (body, input: CertificallSigning) => signCertificall(body, input),
  dto: ShareCasesWithMetaDatasDto,
  eventTypes: ['CASE_VALIDATED'],
  eventType: () => 'CASE_VALIDATED',
  idempotencyKey: (payload) => [payload.cfRef, payload.reportId],
  sample: CERTIFICALL_SAMPLE,
  cli: {
    credentials: {
      'bearer-token': { env: 'CERTIFICALL_AUTH_TOKEN', arg: '<token>', help: 'the bearer token' },
      'api-key': { env: 'CERTIFICALL_API_KEY', arg: '<key>', help: 'the HMAC API key (with --api-secret)' },
      'api-secret': { env: 'CERTIFICALL_API_SECRET', arg: '<secret>', help: 'the HMAC secret' },
      username: {
        env: 'CERTIFICALL_BASIC_USERNAME',
        arg: '<name>',
        help: 'the Basic username (with --password)',
      },
      password: { env: 'CERTIFICALL_BASIC_PASSWORD', arg: '<password>', help: 'the Basic password' },
    },
    options: {
      method: {
        type: 'string',
        arg: '<hmac|bearer|basic>',
        help: 'method to use (default: from the credentials given, in that order)',
      },
      encoding: {
        type: 'string',
        arg: '<hex|base64>',
        help: 'signature encoding of the hmac method (default hex)',
      },
    },
    signing,
  },
});
