import { createHash } from 'node:crypto';
import {
  IllowWebhookDto,
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
  type HeaderBag,
  type Verifier,
} from './schemes/index.js';
import type { WebhookProvider } from './webhooks.constants.js';
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
  idempotencyKey(payload: Payload, rawBody: Buffer): string;
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

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
    // The report structure is not public, so only the bytes identify a delivery.
    idempotencyKey: (_payload, rawBody) => `oxskyt:${sha256Hex(rawBody)}`,
  },
  inkit: {
    id: 'inkit',
    createVerifier: (options, path) => createInkitVerifier(options as any, path),
    dto: InkitWebhookDto,
    eventType: (payload: InkitWebhookDto) => payload.event_type,
    idempotencyKey: (payload: InkitWebhookDto) => `inkit:${payload.event_type}:${payload.resource_id}`,
  },
  ovcode: {
    id: 'ovcode',
    createVerifier: (options, path) => createOvcodeVerifier(options as any, path),
    dto: OvcodeCallbackDto,
    fromHeaders: ovcodeFromHeaders,
    eventType: (payload: OvcodeCallbackDto) =>
      payload.status_code === 'S' ? 'AUTHENTICATION_SUCCEEDED' : 'AUTHENTICATION_FAILED',
    idempotencyKey: (payload: OvcodeCallbackDto) => `ovcode:${payload.reference}:${payload.status_code}`,
  },
  certificall: {
    id: 'certificall',
    createVerifier: (options, path) => createCertificallVerifier(options as any, path),
    dto: ShareCasesWithMetaDatasDto,
    eventType: () => 'CASE_VALIDATED',
    idempotencyKey: (payload: ShareCasesWithMetaDatasDto) =>
      `certificall:${payload.cfRef}:${payload.reportId}`,
  },
  illow: {
    id: 'illow',
    createVerifier: (options, path) => createIllowVerifier(options as any, path),
    dto: IllowWebhookDto,
    // illow sends no event type: one callback URL is registered per event.
    eventType: (_payload, routeEvent) => routeEvent as string,
    idempotencyKey: (payload: IllowWebhookDto) => `illow:${payload.idempotencyKey}`,
  },
};

/** Event names become emitter segments: no dots (they would add levels) and nothing exotic. */
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
