import { readHeader } from '../../schemes/headers.js';
import type { HeaderBag } from '../../schemes/scheme.types.js';
import { defineWebhookSender } from '../../webhooks.sender.js';
import { OvcodeCallbackDto } from './ovcode.dto.js';
import { OVCODE_SAMPLE } from './ovcode.sample.js';
import { createOvcodeVerifier, OVCODE_HEADER, signOvcode, type OvcodeCredentials } from './ovcode.scheme.js';

/** OVCODE documents its fields under "Headers"; header names allow both `_` and `-` (proxies rewrite). */
const FIELDS = ['reference', 'status_code', 'cid', 'token_id', 'hash', 'file', 'timestamp'] as const;

function fromHeaders(headers: HeaderBag): Record<string, unknown> | undefined {
  const read = (field: string) => {
    for (const name of [field, field.replace('_', '-')]) {
      const header = readHeader(headers, name);
      if (header.kind === 'value') return header.value;
    }
    return undefined;
  };
  if (read('reference') === undefined || read('status_code') === undefined) return undefined;
  const payload: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = read(field);
    if (value !== undefined) payload[field] = value;
  }
  return payload;
}

/** The body's fields as headers, strings as they are and anything else as JSON. */
function fieldsAsHeaders(body: Buffer): Record<string, string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  return Object.fromEntries(
    Object.entries(parsed).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );
}

/** OVCODE: a static token in `x-api-secret`; the fields come as JSON or as headers. */
export const ovcodeSender = defineWebhookSender({
  id: 'ovcode',
  title: 'OVCODE',
  credentialHeaders: [OVCODE_HEADER],
  verifier: (credentials: OvcodeCredentials, optionPath) => createOvcodeVerifier(credentials, optionPath),
  sign: (body, signing: { apiSecret: string }) => signOvcode(body, signing),
  dto: OvcodeCallbackDto,
  eventTypes: ['AUTHENTICATION_SUCCEEDED', 'AUTHENTICATION_FAILED'],
  eventType: (payload) =>
    payload.status_code === 'S' ? 'AUTHENTICATION_SUCCEEDED' : 'AUTHENTICATION_FAILED',
  idempotencyKey: (payload) => [payload.reference, payload.status_code],
  fromHeaders,
  sample: OVCODE_SAMPLE,
  cli: {
    credentials: {
      'api-secret': { env: 'OVCODE_API_SECRET', arg: '<secret>', help: 'the x-api-secret token' },
    },
    options: {
      'as-headers': { type: 'boolean', help: "send the body's fields as headers, with an empty body" },
    },
    signing: (input) => ({ apiSecret: input.need('api-secret') }),
    asHeaders: (body, input) => {
      if (!input.option('as-headers')) return undefined;
      const fields = fieldsAsHeaders(body);
      if (fields === undefined) throw input.usage('--as-headers needs a JSON object body');
      return fields;
    },
  },
});
