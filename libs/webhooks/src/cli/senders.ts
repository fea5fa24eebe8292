import { readFile } from 'node:fs/promises';
import {
  signCertificall,
  signIllow,
  signInkit,
  signOvcode,
  signOxskyt,
  type CertificallSigning,
  type SignedHeaders,
} from '../schemes/index.js';
import { WEBHOOK_PROVIDERS, type WebhookProvider } from '../webhooks.constants.js';

/** A mistake in how the tool was called: reported in one line, exit code 2. */
export class UsageError extends Error {}

export type CredentialFlag =
  'secret' | 'api-secret' | 'bearer-token' | 'api-key' | 'username' | 'password' | 'private-key';

/** Options that only mean something for one sender. */
export type ProviderFlag = 'event' | 'as-headers' | 'method' | 'encoding';

export interface SigningOptions {
  readonly method?: string;
  readonly encoding?: string;
}

interface ProviderSpec {
  /** Each credential flag, with the environment variable the receiver reads the same value from. */
  readonly credentials: Readonly<Partial<Record<CredentialFlag, string>>>;
  readonly flags: readonly ProviderFlag[];
  sign(body: Uint8Array, credentials: Credentials, options: SigningOptions): SignedHeaders;
}

export const PROVIDERS: Readonly<Record<WebhookProvider, ProviderSpec>> = {
  oxskyt: {
    credentials: { secret: 'OXSKYT_WEBHOOK_SECRET' },
    flags: [],
    sign: (body, credentials) => signOxskyt(body, { secret: credentials.need('secret') }),
  },
  inkit: {
    credentials: { secret: 'INKIT_WEBHOOK_SECRET' },
    flags: [],
    sign: (body, credentials) => signInkit(body, { secret: credentials.need('secret') }),
  },
  ovcode: {
    credentials: { 'api-secret': 'OVCODE_API_SECRET' },
    flags: ['as-headers'],
    sign: (body, credentials) => signOvcode(body, { apiSecret: credentials.need('api-secret') }),
  },
  certificall: {
    credentials: {
      'bearer-token': 'CERTIFICALL_AUTH_TOKEN',
      'api-key': 'CERTIFICALL_API_KEY',
      'api-secret': 'CERTIFICALL_API_SECRET',
      username: 'CERTIFICALL_BASIC_USERNAME',
      password: 'CERTIFICALL_BASIC_PASSWORD',
    },
    flags: ['method', 'encoding'],
    sign: (body, credentials, options) => signCertificall(body, certificallSigning(credentials, options)),
  },
  illow: {
    credentials: { 'private-key': 'ILLOW_PRIVATE_KEY' },
    flags: ['event'],
    sign: (body, credentials) => {
      const privateKey = credentials.need('private-key');
      try {
        return signIllow(body, { privateKey });
      } catch (error) {
        // A public key or a non-RSA PEM ends up here; the code says which without showing the key.
        throw new UsageError(`the illow private key cannot sign (${errorCode(error)})`);
      }
    },
  },
};

export function providerNamed(name: string | undefined): WebhookProvider {
  if (name !== undefined && (WEBHOOK_PROVIDERS as readonly string[]).includes(name)) {
    return name as WebhookProvider;
  }
  const expected = `expected one of ${WEBHOOK_PROVIDERS.join(', ')}`;
  throw new UsageError(
    name === undefined ? `missing provider (${expected})` : `unknown provider '${name}' (${expected})`,
  );
}

/** Refuses a sender-specific flag given for another sender, rather than silently ignoring it. */
export function checkFlagsApply(provider: WebhookProvider, given: readonly string[]): void {
  const own = new Set<string>([
    ...Object.keys(PROVIDERS[provider].credentials),
    ...PROVIDERS[provider].flags,
  ]);
  const specific = new Set<string>(
    Object.values(PROVIDERS).flatMap((spec) => [...Object.keys(spec.credentials), ...spec.flags]),
  );
  const stray = given.find((flag) => specific.has(flag) && !own.has(flag));
  if (stray !== undefined) throw new UsageError(`--${stray} does not apply to ${provider}`);
}

export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}`);
}

interface Found {
  readonly value: string;
  readonly from: 'flag' | 'env';
}

/** A sender's credentials, each from its flag or else its environment variable. Messages never hold a value. */
export class Credentials {
  private constructor(
    private readonly provider: WebhookProvider,
    private readonly found: ReadonlyMap<CredentialFlag, Found>,
  ) {}

  static async resolve(
    provider: WebhookProvider,
    flags: Readonly<Record<string, unknown>>,
    env: NodeJS.ProcessEnv,
  ): Promise<Credentials> {
    const found = new Map<CredentialFlag, Found>();
    for (const [flag, name] of Object.entries(PROVIDERS[provider].credentials) as [
      CredentialFlag,
      string,
    ][]) {
      const given = flags[flag];
      const credential: Found | undefined =
        typeof given === 'string'
          ? { value: given, from: 'flag' }
          : fromEnvironment(env[name], flag === 'private-key');
      if (credential === undefined) continue;
      found.set(
        flag,
        flag === 'private-key' ? { ...credential, value: await readKey(credential, name) } : credential,
      );
    }
    return new Credentials(provider, found);
  }

  from(flag: CredentialFlag): Found['from'] | undefined {
    return this.found.get(flag)?.from;
  }

  need(flag: CredentialFlag): string {
    const credential = this.found.get(flag);
    if (credential !== undefined) return credential.value;
    throw new UsageError(`${this.provider} needs --${flag} or ${PROVIDERS[this.provider].credentials[flag]}`);
  }
}

// The receiver reads rotation lists ("new,old") from the same variables; a sender signs with one.
// A key is a PEM or a path, never a list, and a path may hold a comma.
function fromEnvironment(raw: string | undefined, whole: boolean): Found | undefined {
  const value = whole
    ? raw?.trim()
    : raw
        ?.split(',')
        .map((item) => item.trim())
        .find(Boolean);
  return value ? { value, from: 'env' } : undefined;
}

async function readKey({ value, from }: Found, variable: string): Promise<string> {
  // PEM kept in an environment variable often arrives with literal "\n" for its line breaks.
  if (value.includes('-----BEGIN')) return value.replaceAll('\\n', '\n');
  try {
    return await readFile(value, 'utf8');
  } catch (error) {
    // The variable's content is not echoed: it may be key material that merely lacks a PEM header.
    const what = from === 'flag' ? `'${value}'` : `named by ${variable}`;
    throw new UsageError(`cannot read the private key file ${what} (${errorCode(error)})`);
  }
}

export const errorCode = (error: unknown): string =>
  (error as { code?: string })?.code ?? (error instanceof Error ? error.message : String(error));

const METHODS = ['hmac', 'bearer', 'basic'] as const;
type Method = (typeof METHODS)[number];
const METHOD_CREDENTIALS: Readonly<Record<Method, readonly CredentialFlag[]>> = {
  hmac: ['api-key', 'api-secret'],
  bearer: ['bearer-token'],
  basic: ['username', 'password'],
};

// A flag typed now says more than a variable left in the shell, so flags decide before the environment.
function certificallMethod(credentials: Credentials, method: string | undefined): Method {
  if (method !== undefined) return oneOf('--method', method, METHODS);
  for (const from of ['flag', 'env'] as const) {
    const chosen = METHODS.find((m) => METHOD_CREDENTIALS[m].some((flag) => credentials.from(flag) === from));
    if (chosen !== undefined) return chosen;
  }
  throw new UsageError(
    'certificall needs --api-key with --api-secret, --bearer-token, or --username with --password ' +
      '(or their environment variables)',
  );
}

function certificallSigning(credentials: Credentials, options: SigningOptions): CertificallSigning {
  const method = certificallMethod(credentials, options.method);
  if (options.encoding !== undefined && method !== 'hmac') {
    throw new UsageError('--encoding applies to the hmac method only');
  }
  switch (method) {
    case 'hmac':
      return {
        method,
        apiKey: credentials.need('api-key'),
        apiSecret: credentials.need('api-secret'),
        encoding: oneOf('--encoding', options.encoding ?? 'hex', ['hex', 'base64'] as const),
      };
    case 'bearer':
      return { method, bearerToken: credentials.need('bearer-token') };
    case 'basic':
      return { method, username: credentials.need('username'), password: credentials.need('password') };
  }
}
