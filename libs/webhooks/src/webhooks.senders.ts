import { createHash } from 'node:crypto';
import {
  IllowWebhookDto,
  InkitEventType,
  InkitWebhookDto,
  OvcodeCallbackDto,
  OxskytReportDto,
  ShareCasesWithMetaDatasDto,
} from './dto/index.js';
import {
  createCertificallVerifier,
  createIllowVerifier,
  createInkitVerifier,
  createOvcodeVerifier,
  createOxskytVerifier,
  readHeader,
  type Accepted,
  type HeaderBag,
  type Verifier,
} from './schemes/index.js';
import { compactJson } from './schemes/credentials.js';
import { DEFAULT_IDEMPOTENCY, type WebhookProvider } from './webhooks.constants.js';
import type { WebhookProvidersOptions } from './webhooks.options.js';

/** What the pipeline needs to know about one sender, beyond its signature scheme. */
export interface SenderDefinition<Payload extends object = any> {
  readonly id: WebhookProvider;
  createVerifier(
    options: NonNullable<WebhookProvidersOptions[WebhookProvider]>,
    optionPath: string,
  ): Verifier;
  readonly dto: new () => Payload;
  /** The plain payload from headers, when the sender puts it there; undefined means "read the JSON body". */
  fromHeaders?(headers: HeaderBag): Record<string, unknown> | undefined;
  eventType(payload: Payload, routeEvent: string | undefined): string;
  /**
   * The same for every retry of a delivery, and different for different deliveries: parts taken
   * from the payload go through keyPart, so no value can pass for a separator. `verification` is
   * what the verifier answered; undefined when the state was not made by a guard.
   */
  idempotencyKey(payload: Payload, rawBody: Buffer, verification?: Accepted): string;
  /**
   * De-duplication windows (ms) by event type, for types that can truly happen again under one
   * key; every other type keeps `idempotency.ttlMs`. The module's `idempotency.ttlByEvent` wins.
   */
  readonly ttlByEvent?: Readonly<Record<string, number>>;
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

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
const keyPart = (part: string): string =>
  KEY_SPECIAL.test(part) ? part.replace(KEY_SPECIALS, escapeKeyChar) : part;

/** The Inkit events that report an access, which may happen again for one resource at any time. */
const INKIT_REPEATABLE_EVENTS: readonly string[] = [
  InkitEventType.DocumentPdfAccess,
  InkitEventType.MagicLinkAccess,
  InkitEventType.MagicLinkAccessFailed,
  InkitEventType.RenderMetadataAccess,
];

/** OVCODE documents its fields under "Headers"; header names allow both `_` and `-` (proxies rewrite). */
const OVCODE_FIELDS = ['reference', 'status_code', 'cid', 'token_id', 'hash', 'file', 'timestamp'] as const;

function ovcodeFromHeaders(headers: HeaderBag): Record<string, unknown> | undefined {
  const read = (field: string) => {
    for (const name of [field, field.replace('_', '-')]) {
      const header = readHeader(headers, name);
      if (header.kind === 'value') return header.value;
    }
    return undefined;
  };
  if (read('reference') === undefined || read('status_code') === undefined) return undefined;
  const payload: Record<string, unknown> = {};
  for (const field of OVCODE_FIELDS) {
    const value = read(field);
    if (value !== undefined) payload[field] = value;
  }
  return payload;
}

export const SENDERS: { readonly [K in WebhookProvider]: SenderDefinition } = {
  oxskyt: {
    id: 'oxskyt',
    createVerifier: (options, path) => createOxskytVerifier(options as any, path),
    dto: OxskytReportDto,
    eventType: () => 'REPORT_GENERATED',
    // The report structure is not public, so only what was signed identifies a delivery: the
    // compact form when only it verified, else re-spaced copies of one signature would each run.
    // That form is rebuilt on this rare path only, as the verifier built it, not kept per delivery.
    idempotencyKey: (_payload, rawBody, verification) =>
      `oxskyt:${sha256Hex(verification?.viaFallback ? (compactJson(rawBody) ?? rawBody) : rawBody)}`,
  },
  inkit: {
    id: 'inkit',
    createVerifier: (options, path) => createInkitVerifier(options as any, path),
    dto: InkitWebhookDto,
    eventType: (payload: InkitWebhookDto) => payload.event_type,
    idempotencyKey: (payload: InkitWebhookDto) =>
      `inkit:${keyPart(payload.event_type)}:${keyPart(payload.resource_id)}`,
    ttlByEvent: Object.fromEntries(
      INKIT_REPEATABLE_EVENTS.map((type) => [type, DEFAULT_IDEMPOTENCY.repeatableEventTtlMs]),
    ),
  },
  ovcode: {
    id: 'ovcode',
    createVerifier: (options, path) => createOvcodeVerifier(options as any, path),
    dto: OvcodeCallbackDto,
    fromHeaders: ovcodeFromHeaders,
    eventType: (payload: OvcodeCallbackDto) =>
      payload.status_code === 'S' ? 'AUTHENTICATION_SUCCEEDED' : 'AUTHENTICATION_FAILED',
    idempotencyKey: (payload: OvcodeCallbackDto) =>
      `ovcode:${keyPart(payload.reference)}:${keyPart(payload.status_code)}`,
  },
  certificall: {
    id: 'certificall',
    createVerifier: (options, path) => createCertificallVerifier(options as any, path),
    dto: ShareCasesWithMetaDatasDto,
    eventType: () => 'CASE_VALIDATED',
    idempotencyKey: (payload: ShareCasesWithMetaDatasDto) =>
      `certificall:${keyPart(payload.cfRef)}:${keyPart(payload.reportId)}`,
  },
  illow: {
    id: 'illow',
    createVerifier: (options, path) => createIllowVerifier(options as any, path),
    dto: IllowWebhookDto,
    // illow sends no event type: one callback URL is registered per event.
    eventType: (_payload, routeEvent) => routeEvent as string,
    idempotencyKey: (payload: IllowWebhookDto) => `illow:${keyPart(payload.idempotencyKey)}`,
  },
};

/** Event names become emitter segments: no dots (they would add levels) and nothing exotic. */
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
