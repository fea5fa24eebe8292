import type { Accepted, HeaderBag, SignedHeaders, Verifier } from './schemes/scheme.types.js';
import { WebhookConfigurationError } from './schemes/scheme.errors.js';

/** What a sender's functions may read about the delivery beyond its payload. */
export interface WebhookDeliveryContext {
  /** The exact bytes that were verified. */
  readonly rawBody: Buffer;
  /** As received (lower-case names; an array where Node keeps repeats apart). */
  readonly headers: HeaderBag;
  /** What the verifier answered; how it matched can change what was signed (OxsKYT's fallback). */
  readonly verification: Accepted;
  /** The tenant whose credentials verified it, for a sender configured per tenant (`configurePerTenant`). */
  readonly tenant?: string;
}

/** How the CLI and the test signers find a sender's credentials. */
export interface WebhookSenderCliCredential {
  /** The environment variable read when the flag is not given (the reference receiver reads the same one). */
  readonly env: string;
  /** One line of help. */
  readonly help: string;
  /** Placeholder shown in the help. Default `<value>`. */
  readonly arg?: string;
  /** The value is a key: a PEM, or the path of a file holding one (never a comma-separated list). */
  readonly key?: boolean;
}

/** An option of the CLI that means something for this sender only. */
export interface WebhookSenderCliOption {
  readonly type: 'string' | 'boolean';
  readonly help: string;
  readonly arg?: string;
}

/** What the CLI hands a sender so it can build its signing input; messages never hold a value. */
export interface WebhookSenderCliInput {
  /** The credential's value, or a usage error naming its flag and variable. */
  need(flag: string): string;
  /** Where a credential came from, if it was given at all. */
  from(flag: string): 'flag' | 'env' | undefined;
  /** A sender-specific option's value. */
  option(name: string): string | boolean | undefined;
  /** A usage error (exit code 2) with this message. */
  usage(message: string): Error;
}

/** What `nestjs-webhooks send|sign <sender>` needs to sign as this sender. */
export interface WebhookSenderCli<Signing> {
  /** Credential flags (`--secret`), each with its environment variable. */
  readonly credentials: Readonly<Record<string, WebhookSenderCliCredential>>;
  /** Flags of this sender alone; given for another sender they are refused. */
  readonly options?: Readonly<Record<string, WebhookSenderCliOption>>;
  /** The signer's input from the flags and the environment. */
  signing(input: WebhookSenderCliInput): Signing;
  /**
   * Headers to send beside the signature, made from the body (OVCODE's fields as headers, when
   * the `as-headers` option is set); the body sent is then empty. Default: none.
   */
  asHeaders?(body: Buffer, input: WebhookSenderCliInput): Record<string, string> | undefined;
}

/** A realistic delivery, shaped as the vendor documents it; it must pass the sender's DTO. */
export interface WebhookSenderSample {
  readonly payload: object;
  /** For senders whose event comes from the route: the one the sample belongs to. */
  readonly event?: string;
  /**
   * Headers the vendor sends with it besides what `sign` makes: where the event type travels
   * beside the body (GitHub's `X-GitHub-Event`). Default: none.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Everything the library knows about one sender. The built-ins are written with it, and so is
 * a user's own: `defineWebhookSender({ id: 'acme', ... })`, then `acme.configure(credentials)`
 * in `WebhooksModule.forRoot({ senders: [...] })`.
 */
export interface WebhookSenderSpec<
  Id extends string = string,
  Credentials = unknown,
  Payload extends object = object,
  Type extends string = string,
  Signing = Credentials,
> {
  /**
   * Route segment and event prefix: `POST /webhooks/<id>`, `@OnWebhook('<id>.<TYPE>')`, and the
   * first part of every idempotency key. Lower-case letters, digits and `-`, 1 to 40 characters.
   */
  readonly id: Id;
  /** The vendor's name as people write it (logs, help). Default: the id. */
  readonly title?: string;
  /**
   * Every header that carries a credential or a signature. Their values are always redacted in
   * `event.headers`, outcomes and logs, and a request carrying one has its exact bytes captured
   * even outside the module's routes (a user's own route behind this sender's guard).
   */
  readonly credentialHeaders: readonly string[];
  /**
   * Builds the verifier from the configured credentials, once, at startup. Throw a
   * `WebhookConfigurationError` naming `optionPath` (`senders.acme`) plus the field on bad
   * configuration. The verifier itself never throws: it answers a `VerifyResult`.
   */
  verifier(credentials: Credentials, optionPath: string): Verifier;
  /** Produces the headers the vendor sends for `body` (tests, the CLI, the demo). */
  sign(body: string | Uint8Array, signing: Signing): SignedHeaders;
  /** The payload as the vendor documents it, a class-validator DTO. Unknown fields are kept. */
  readonly dto: new () => Payload;
  /**
   * The event types the vendor documents: `@OnWebhook('<id>.<TYPE>')` is checked against them at
   * compile time. Others still arrive at run time (vendors add types). Default: any type.
   */
  readonly eventTypes?: readonly Type[];
  /**
   * The event type of a delivery: words of `[A-Za-z0-9_-]` joined by dots, 100 characters at most
   * (`DOCUMENT_CREATE_FINISHED`, `payment_intent.succeeded`). Each dot is a level for the event
   * emitter's wildcards: `@OnWebhook('stripe.payment_intent.*')`. `'route'`: the last path
   * segment, one callback URL per event (`POST /webhooks/illow/DSR_CREATED`).
   */
  readonly eventType: 'route' | ((payload: Payload, delivery: WebhookDeliveryContext) => string);
  /**
   * The same for every retry of one delivery, different for different deliveries. Return the
   * parts: each is percent-escaped where it holds `:` or `%`, joined with `:`, and prefixed with
   * the sender's id, so that no value can pass for a separator or for another sender's key.
   */
  idempotencyKey(payload: Payload, delivery: WebhookDeliveryContext): readonly string[];
  /**
   * De-duplication windows (ms) of event types that truly happen again under one key; every other
   * type keeps `idempotency.ttlMs`. The module's `idempotency.ttlByEvent` wins over these.
   */
  readonly ttlByEvent?: Readonly<Partial<Record<Type, number>>>;
  /**
   * The plain payload when the vendor sends it as headers (OVCODE documents both forms);
   * undefined means "read the JSON body". Default: always the body.
   */
  fromHeaders?(headers: HeaderBag): Record<string, unknown> | undefined;
  /** One documented delivery, for tests, the CLI's default body and the demo. */
  readonly sample: WebhookSenderSample;
  /** How the CLI signs as this sender. Default: the CLI cannot send this sender's deliveries. */
  readonly cli?: WebhookSenderCli<Signing>;
}

/**
 * Looks up a tenant's credentials in your own store, for a sender configured per tenant: a
 * class (an `@Injectable()` provided in any module, or made by the module with its dependencies
 * injected) or an object.
 */
export interface WebhookCredentialResolver<Credentials = unknown> {
  /**
   * The credentials of `tenant` (the path segment after the sender: `POST /webhooks/stripe/acme`),
   * or `undefined` when there is no such tenant (answered 404). Called at most once per tenant
   * while its answer is cached, whatever the number of deliveries waiting for it.
   */
  resolve(
    tenant: string,
    lookup: WebhookCredentialLookup,
  ): Credentials | undefined | Promise<Credentials | undefined>;
}

/** What a resolver is told besides the tenant. */
export interface WebhookCredentialLookup {
  /** The id of the sender the delivery came to (`stripe`, or `stripe-connect` for `stripeSender.as(...)`). */
  readonly sender: string;
  /**
   * Aborted when the lookup has waited `timeoutMs`: hand it to your store's client, so that a slow
   * store is not asked again by every retry while earlier lookups still hang.
   */
  readonly signal: AbortSignal;
}

/** A resolver as `configurePerTenant` takes it: the class (resolved through Nest's injector) or an instance. */
export type WebhookCredentialResolverRef<Credentials = unknown> =
  | (abstract new (...args: any[]) => WebhookCredentialResolver<Credentials>)
  | WebhookCredentialResolver<Credentials>;

export interface WebhookTenantOptions {
  /** How long a tenant's credentials, or the fact that it does not exist, are kept (ms). Default 60 s. */
  cacheTtlMs?: number;
  /** Most tenants kept at once, known and unknown together; the least recently used go first. Default 1,000. */
  maxTenants?: number;
  /** Longest wait for the resolver (ms): beyond it the delivery is answered 500 and retried by the sender. Default 5 s. */
  timeoutMs?: number;
}

/** A sender with its credentials, ready for `WebhooksModule.forRoot({ senders: [...] })`. */
export interface ConfiguredWebhookSender<Credentials = unknown> {
  /** The route segment and event prefix it is served under (the definition's id). */
  readonly id: string;
  readonly definition: WebhookSender<string, Credentials, object, string, unknown>;
  /** The credentials, for a sender with one account. */
  readonly credentials?: Credentials;
  /** For a sender configured per tenant: where its credentials come from, and how they are cached. */
  readonly perTenant?: {
    readonly resolver: WebhookCredentialResolverRef<Credentials>;
    readonly options: WebhookTenantOptions;
  };
}

/** A sender definition, made with `defineWebhookSender`. */
export interface WebhookSender<
  Id extends string = string,
  Credentials = any,
  Payload extends object = any,
  Type extends string = string,
  Signing = any,
> extends WebhookSenderSpec<Id, Credentials, Payload, Type, Signing> {
  /** The sender with its credentials, checked when the module starts (errors name `senders.<id>`). */
  configure(credentials: Credentials): ConfiguredWebhookSender<Credentials>;
  /**
   * The sender with credentials looked up per delivery, by the tenant segment of its route
   * (`POST /<prefix>/<id>/<tenant>`): several accounts behind one sender, secrets kept in your store.
   */
  configurePerTenant(
    resolver: WebhookCredentialResolverRef<Credentials>,
    options?: WebhookTenantOptions,
  ): ConfiguredWebhookSender<Credentials>;
  /**
   * The same sender under another id: its own route, event prefix and idempotency keys, its own
   * credentials (`stripeSender.as('stripe-connect')` beside `stripeSender`).
   */
  as<OtherId extends string>(
    id: OtherId,
    title?: string,
  ): WebhookSender<OtherId, Credentials, Payload, Type, Signing>;
}

/** Route segments: what Express and Fastify match literally, and what reads well in a URL. */
export const SENDER_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
/**
 * Event types become emitter segments: words joined by single dots (each dot a level for the
 * wildcards, as in Stripe's `payment_intent.succeeded`), nothing exotic, 100 characters at most.
 */
export const EVENT_TYPE_PATTERN = /^(?=.{1,100}$)[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
/** EVENT_TYPE_PATTERN in words, for messages. */
export const EVENT_TYPE_RULE = 'words of [A-Za-z0-9_-] joined by dots, 100 characters at most';

/**
 * Defines a sender: the one place that says how its deliveries are checked, read, named and
 * de-duplicated. Checked here, when the definition is made, so a mistake in it stops the import.
 */
export function defineWebhookSender<
  Id extends string,
  Credentials,
  Payload extends object,
  Type extends string = string,
  Signing = Credentials,
>(
  spec: WebhookSenderSpec<Id, Credentials, Payload, Type, Signing>,
): WebhookSender<Id, Credentials, Payload, Type, Signing> {
  const where = `defineWebhookSender(${JSON.stringify(spec?.id)})`;
  const fail = (field: string, message: string) =>
    new WebhookConfigurationError(`${where}.${field}`, message);
  if (typeof spec?.id !== 'string' || !SENDER_ID_PATTERN.test(spec.id)) {
    throw fail(
      'id',
      'must be lower-case letters, digits and "-", 1 to 40 characters, starting with a letter or digit',
    );
  }
  if (!Array.isArray(spec.credentialHeaders) || spec.credentialHeaders.length === 0) {
    throw fail(
      'credentialHeaders',
      'must name at least one header (what carries the credential is always redacted)',
    );
  }
  for (const header of spec.credentialHeaders) {
    if (typeof header !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(header)) {
      throw fail('credentialHeaders', `${JSON.stringify(header)} is not a header name`);
    }
  }
  for (const name of ['verifier', 'sign', 'idempotencyKey'] as const) {
    if (typeof spec[name] !== 'function') throw fail(name, 'must be a function');
  }
  if (typeof spec.dto !== 'function') throw fail('dto', 'must be a class (a class-validator DTO)');
  if (spec.eventType !== 'route' && typeof spec.eventType !== 'function') {
    throw fail('eventType', "must be 'route' or a function of the payload");
  }
  for (const type of [...(spec.eventTypes ?? []), ...Object.keys(spec.ttlByEvent ?? {})]) {
    if (!EVENT_TYPE_PATTERN.test(type))
      throw fail('eventTypes', `${JSON.stringify(type)} must be ${EVENT_TYPE_RULE}`);
  }
  if (typeof spec.sample?.payload !== 'object' || spec.sample.payload === null) {
    throw fail('sample.payload', 'must be an object');
  }
  if (
    spec.eventType === 'route' &&
    (spec.sample.event === undefined || !EVENT_TYPE_PATTERN.test(spec.sample.event))
  ) {
    throw fail(
      'sample.event',
      `is required when the event comes from the route, and must be ${EVENT_TYPE_RULE}`,
    );
  }
  if (spec.sample.headers !== undefined) {
    for (const [name, value] of Object.entries(spec.sample.headers)) {
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name) || typeof value !== 'string') {
        throw fail('sample.headers', `${JSON.stringify(name)} must be a header name with a string value`);
      }
    }
  }
  const credentialHeaders = Object.freeze(spec.credentialHeaders.map((name) => name.toLowerCase()));
  type Definition = ConfiguredWebhookSender<Credentials>['definition'];
  const sender: WebhookSender<Id, Credentials, Payload, Type, Signing> = Object.freeze({
    ...spec,
    credentialHeaders,
    configure(credentials: Credentials): ConfiguredWebhookSender<Credentials> {
      return Object.freeze({ id: spec.id, definition: sender as unknown as Definition, credentials });
    },
    configurePerTenant(
      resolver: WebhookCredentialResolverRef<Credentials>,
      options: WebhookTenantOptions = {},
    ): ConfiguredWebhookSender<Credentials> {
      return Object.freeze({
        id: spec.id,
        definition: sender as unknown as Definition,
        perTenant: Object.freeze({ resolver, options: Object.freeze({ ...options }) }),
      });
    },
    as<OtherId extends string>(id: OtherId, title?: string) {
      return defineWebhookSender<OtherId, Credentials, Payload, Type, Signing>({
        ...spec,
        id,
        title: title ?? id,
      });
    },
  });
  return sender;
}

// `%` is escaped too, so an escape sent as text cannot pass for one made here. Lone surrogates as
// well: UTF-8 (Redis, a database column) turns every one of them into U+FFFD, one key for all.
// The test is a prefilter (any surrogate, paired or not; cheaper than a `u` regex on every part);
// the replace, in unicode mode, touches lone surrogates only and leaves paired ones (emoji) be.
const KEY_SPECIAL = /[%:\uD800-\uDFFF]/;
const KEY_SPECIALS = /[%:]|\p{Cs}/gu;
const escapeKeyChar = (char: string) =>
  char === '%' ? '%25' : char === ':' ? '%3A' : `%u${char.charCodeAt(0).toString(16).toUpperCase()}`;

/**
 * One part of a composite key, percent-escaped where it holds `:` or `%`, so that parts joined
 * with `:` read back one way only. Plain ids, nearly all of them, come out unchanged: keys
 * already in a store before this escaping still match their retries.
 */
export const keyPart = (part: string): string =>
  KEY_SPECIAL.test(part) ? part.replace(KEY_SPECIALS, escapeKeyChar) : part;

/** `<id>:<part>:<part>`, each part escaped. */
export function idempotencyKeyOf(id: string, parts: readonly string[]): string {
  let key = id;
  for (const part of parts) key += `:${keyPart(String(part))}`;
  return key;
}
