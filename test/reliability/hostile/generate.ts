import { createHash, createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import {
  credentialHeaderOf,
  credentialHeadersOf,
  definitionOf,
  forgerOf,
  routeOf,
  SENDERS,
  signAs,
  signingOf,
  typedByRoute,
  type CertificallMethod,
  type Keyring,
  type Sender,
} from '../../support/senders.js';
import type { HeaderPairs } from './oracle.js';
import { Rng, seedFor } from './prng.js';

/**
 * The senders, their routes, the headers their credentials travel in, their documented samples and
 * their signers all come from the built-in definitions (test/support/senders.ts). What is written
 * here per sender is test knowledge: how its payloads vary, and how its credentials can be mangled.
 */
export const ROUTES = Object.fromEntries(SENDERS.map((sender) => [sender, routeOf(sender)])) as Record<
  Sender,
  string
>;

/** A payload whose identifying field starts with this makes the test's handler throw. */
export const MARKER = 'EXPLODE-';
/** Every request carries its sequence number, so the handler can tell which request reached it. */
export const SEQ_HEADER = 'X-Hostile-Seq';
export const BODY_LIMIT = 1024 * 1024;

export interface SigningKeys extends Keyring {
  /** A KeyObject rather than PEM, so the key is not parsed again for every signature. */
  illowPrivateKey: KeyObject;
  /** A key pair the receiver does not know: signatures with it are forgeries. */
  attackerPrivateKey: KeyObject;
}

/** Relative frequency of each kind of request. */
export const KIND_WEIGHTS = {
  control: 14,
  marker: 1,
  replay: 3,
  'content-type': 4,
  'header-case': 3,
  chunked: 2,
  'weird-header-names': 1,
  'body-bitflip': 8,
  'body-truncate': 4,
  'body-append': 5,
  'sig-bitflip': 8,
  'sig-encoding': 7,
  'header-rename': 3,
  missing: 3,
  forged: 5,
  repeated: 4,
  'cross-route': 3,
  'random-bytes': 7,
  'random-json': 4,
  'hostile-payload': 3,
  'invalid-utf8': 2,
  'deep-json': 0.7,
  'certificall-auth': 5,
  'sender-headers': 6,
  'long-credential': 1,
  'headers-near-limit': 0.6,
  'headers-over-limit': 0.6,
  'body-limit': 0.4,
  'path-variant': 1.5,
} as const;
export type Kind = keyof typeof KIND_WEIGHTS;
export const KINDS = Object.keys(KIND_WEIGHTS) as Kind[];

export interface HostileRequest {
  readonly seq: number;
  readonly kind: Kind;
  /** Finer label for the report: `sig-encoding/base64url`. */
  readonly variant: string;
  /** The sender whose route the path names (whose guard judges the request). */
  readonly sender: Sender;
  readonly path: string;
  readonly headers: [string, string][];
  readonly body: Buffer;
  readonly chunked: boolean;
  /** The handler is told to throw for this delivery. */
  readonly marker: boolean;
  /** The exact statuses this request may get, where its construction decides them. */
  readonly expect?: readonly number[];
  /** Statuses allowed on top of the defaults (routing variants, possible key collisions). */
  readonly extraAllowed?: readonly number[];
  /** Replays: sent only once this earlier request has been answered. */
  readonly waitFor?: number;
}

export interface Pools {
  readonly json: readonly string[];
  readonly text: readonly string[];
  readonly values: readonly unknown[];
}

/** Data pools drawn once with fast-check from the run's seed. */
export function createPools(seed: number): Pools {
  return {
    json: fc.sample(fc.json({ maxDepth: 3 }), { seed, numRuns: 400 }),
    text: fc.sample(fc.string({ unit: 'grapheme', maxLength: 30 }), { seed: seed + 1, numRuns: 400 }),
    values: fc.sample(fc.jsonValue({ maxDepth: 2 }), { seed: seed + 2, numRuns: 400 }),
  };
}

/** The kind of every request, drawn up front so replays can point at earlier controls. */
export function planKinds(seed: number, count: number): Kind[] {
  const rng = new Rng(seedFor(seed, -1));
  return Array.from({ length: count }, () => rng.weighted(KIND_WEIGHTS));
}

type Method = CertificallMethod;
const METHODS: readonly Method[] = ['bearer', 'basic', 'hmac', 'hmac-base64'];
/** The senders whose signature comes with headers of its own (event, delivery id, signing time). */
const HEADER_SENDERS = ['github', 'stripe', 'standard'] as const satisfies readonly Sender[];
type HeaderSender = (typeof HEADER_SENDERS)[number];

interface Delivery {
  sender: Sender;
  body: Buffer;
  /** Content type, credentials and (OVCODE) field headers; the sequence header is added last. */
  headers: [string, string][];
  /** The credential covers the body (false for OVCODE and Certificall bearer/basic). */
  bodyBound: boolean;
  /** OVCODE's fields travel as headers, so the body does not matter. */
  ovcodeHeaderMode: boolean;
  method?: Method;
  payload?: Record<string, unknown>;
}

const INKIT_EVENTS = [
  'DOCUMENT_CREATE_FINISHED',
  'MAIL_CREATE_FAILED',
  'FOLDER_CREATED',
  'SOME_FUTURE_EVENT',
];
const GITHUB_ACTIONS = ['opened', 'edited', 'closed', 'reopened', 'labeled', 'assigned'];
const STRIPE_TYPES = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'charge.refunded',
  'invoice.payment_failed',
  'issuing_card.shipping.updated',
  'some_future.event',
];
const STANDARD_TYPES = ['contact.created', 'contact.updated', 'invoice.paid', 'invoice.payment.failed'];
const STEP_ACTIONS = [
  'PHOTOGRAPHY',
  'Photography',
  'DATE_FIELD',
  'date field',
  'SIGNATURE',
  'TEXT',
  'select',
];

/** What a header value looks like on the wire when the text is sent as UTF-8 bytes. */
export const asWireBytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

/** The header that carries the sender's signature or token (lower case), from its definition. */
const CREDENTIAL_HEADER = Object.fromEntries(
  SENDERS.map((sender) => [sender, credentialHeaderOf(sender)]),
) as Record<Sender, string>;

/**
 * Where each sender's payloads carry the identifier this generator makes unique per request (and
 * marks for the handler to throw on), as a path of properties: the rest of a payload is its
 * documented sample, varied. GitHub and Standard Webhooks identify a delivery by a header, so their
 * identifier is that of the object the event is about.
 */
export const MARKER_FIELD: Readonly<Record<Sender, readonly string[]>> = {
  oxskyt: ['id'],
  inkit: ['resource_id'],
  ovcode: ['reference'],
  certificall: ['cfRef'],
  illow: ['idempotencyKey'],
  github: ['issue', 'node_id'],
  stripe: ['id'],
  standard: ['data', 'id'],
};
const IDENT_PREFIX: Readonly<Record<Sender, string>> = {
  oxskyt: 'rep',
  inkit: 'doc',
  ovcode: 'F',
  certificall: 'CF',
  illow: 'idem',
  github: 'I_kw',
  stripe: 'evt',
  standard: 'contact',
};

/**
 * The payload field that names (or, GitHub's `action`, refines) the event, where it is not
 * Inkit's `event_type`: what the `event-type` payloads put hostile names in.
 */
const EVENT_FIELD: Partial<Readonly<Record<Sender, string>>> = {
  github: 'action',
  stripe: 'type',
  standard: 'type',
};

/** The value at `sender`'s MARKER_FIELD in a payload, if there is one. */
export function markerIdOf(sender: Sender, payload: unknown): unknown {
  let at: unknown = payload;
  for (const key of MARKER_FIELD[sender]) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** `payload` with `value` at `path`, each object on the way copied. */
function withPath(
  payload: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const [key, ...rest] = path;
  if (key === undefined) return payload;
  const inner = payload[key];
  const next =
    rest.length === 0
      ? value
      : withPath(
          typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : {},
          rest,
          value,
        );
  return { ...payload, [key]: next };
}

export class RequestFactory {
  /** An ed25519 key the receivers do not know (none of them is configured with a public key). */
  private readonly attackerEd25519 = generateKeyPairSync('ed25519').privateKey;

  constructor(
    private readonly seed: number,
    private readonly keys: SigningKeys,
    private readonly pools: Pools,
    private readonly plan: readonly Kind[],
  ) {}

  build(seq: number): HostileRequest {
    const kind = this.plan[seq];
    const rng = new Rng(seedFor(this.seed, seq));
    const sender =
      kind === 'certificall-auth'
        ? 'certificall'
        : kind === 'sender-headers'
          ? rng.pick(HEADER_SENDERS)
          : rng.pick(SENDERS);
    const made = this.make(kind, seq, sender, rng);
    const headers = [...made.headers, [SEQ_HEADER, String(seq)] as [string, string]];
    return {
      seq,
      kind,
      variant: made.variant ? `${kind}/${made.variant}` : kind,
      sender: made.sender ?? sender,
      path: made.path ?? ROUTES[made.sender ?? sender],
      headers,
      body: made.body,
      chunked: made.chunked ?? false,
      marker: made.marker ?? false,
      expect: made.expect,
      extraAllowed: made.extraAllowed,
      waitFor: made.waitFor,
    };
  }

  /** A valid delivery for `sender`, outside the plan (liveness checks). */
  control(seq: number, sender: Sender): HostileRequest {
    const rng = new Rng(seedFor(this.seed, seq));
    const d = this.delivery(rng, seq, sender);
    return {
      seq,
      kind: 'control',
      variant: 'control',
      sender,
      path: ROUTES[sender],
      headers: [...d.headers, [SEQ_HEADER, String(seq)]],
      body: d.body,
      chunked: false,
      marker: false,
      expect: [200],
    };
  }

  private make(kind: Kind, seq: number, sender: Sender, rng: Rng): Made {
    switch (kind) {
      case 'control':
        return this.fromDelivery(this.delivery(rng, seq, sender), { expect: [200] });
      case 'marker':
        return this.fromDelivery(this.delivery(rng, seq, sender, { marker: true }), {
          marker: true,
          expect: [500],
        });
      case 'replay':
        return this.replay(seq, rng);
      case 'content-type':
        return this.contentType(this.delivery(rng, seq, sender), rng);
      case 'header-case': {
        const d = this.delivery(rng, seq, sender);
        return {
          body: d.body,
          headers: d.headers.map(([name, value]) => [randomCase(name, rng), value]),
          expect: [200],
        };
      }
      case 'chunked':
        return this.fromDelivery(this.delivery(rng, seq, sender), { chunked: true, expect: [200] });
      case 'weird-header-names': {
        const d = this.delivery(rng, seq, sender);
        const weird: [string, string][] = [
          ['__proto__', '{"polluted":true}'],
          ['constructor', 'prototype'],
          ['toString', 'x'],
          ['hasOwnProperty', 'y'],
          ['valueOf', '1'],
        ];
        return {
          body: d.body,
          headers: [...d.headers, ...weird.filter(() => rng.chance(0.7))],
          expect: [200],
        };
      }
      case 'body-bitflip':
        return this.mutateBody(this.delivery(rng, seq, sender), rng, 'bitflip');
      case 'body-truncate':
        return this.mutateBody(this.delivery(rng, seq, sender), rng, 'truncate');
      case 'body-append':
        return this.mutateBody(this.delivery(rng, seq, sender), rng, 'append');
      case 'sig-bitflip':
        return this.sigBitflip(this.delivery(rng, seq, sender), rng);
      case 'sig-encoding':
        return this.sigEncoding(this.delivery(rng, seq, sender), rng);
      case 'header-rename':
        return this.headerRename(this.delivery(rng, seq, sender), rng);
      case 'missing': {
        const d = this.delivery(rng, seq, sender);
        // Sometimes the headers that go with it too (Certificall's X-Api-Key).
        const drop = new Set(rng.chance(0.5) ? credentialHeadersOf(sender) : [CREDENTIAL_HEADER[sender]]);
        return {
          body: d.body,
          headers: d.headers.filter(([name]) => !drop.has(name.toLowerCase())),
          expect: [401],
        };
      }
      case 'forged': {
        const d = this.delivery(rng, seq, sender);
        return {
          body: d.body,
          headers: this.replaceCredentials(d, this.forge(sender, d.body, rng, d.method)),
          expect: [401],
        };
      }
      case 'repeated':
        return this.repeated(this.delivery(rng, seq, sender), rng);
      case 'cross-route': {
        const origin = rng.pick(SENDERS.filter((s) => s !== sender));
        const d = this.delivery(rng, seq, origin);
        return { body: d.body, headers: d.headers, sender, variant: `${origin}->${sender}`, expect: [401] };
      }
      case 'random-bytes':
        return this.randomBytes(sender, rng);
      case 'random-json': {
        const body = Buffer.from(rng.pick(this.pools.json), 'utf8');
        const genuine = rng.chance(0.5);
        const creds = genuine ? this.sign(sender, body, rng) : this.forge(sender, body, rng);
        return {
          body,
          headers: [['Content-Type', 'application/json'], ...creds],
          variant: genuine ? 'signed' : 'forged',
          extraAllowed: [409],
        };
      }
      case 'hostile-payload':
        return this.hostilePayload(seq, sender, rng);
      case 'invalid-utf8':
        return this.invalidUtf8(seq, sender, rng);
      case 'deep-json':
        return this.deepJson(seq, sender, rng);
      case 'certificall-auth':
        return this.certificallAuth(seq, rng);
      case 'sender-headers':
        return this.senderHeaders(seq, sender as HeaderSender, rng);
      case 'long-credential':
        return this.longCredential(this.delivery(rng, seq, sender), rng);
      case 'headers-near-limit':
        return this.headersNearLimit(this.delivery(rng, seq, sender), rng);
      case 'headers-over-limit':
        return this.headersOverLimit(this.delivery(rng, seq, sender), rng);
      case 'body-limit':
        return this.bodyLimit(seq, sender, rng);
      case 'path-variant':
        return this.pathVariant(this.delivery(rng, seq, sender), rng);
    }
  }

  // ---------------------------------------------------------------- deliveries

  /** A genuine delivery with a payload unique to this request (sequence number and a nonce). */
  private delivery(
    rng: Rng,
    seq: number,
    sender: Sender,
    options: { marker?: boolean; payload?: Record<string, unknown>; ovcodeHeaders?: boolean } = {},
  ): Delivery {
    const nonce = rng.hex(4);
    const ident = (prefix: string) => `${options.marker ? MARKER : ''}${prefix}-${seq}-${nonce}`;
    if (
      sender === 'ovcode' &&
      (options.ovcodeHeaders ?? (options.payload === undefined && rng.chance(0.4)))
    ) {
      const fields: [string, string][] = [
        ['reference', ident('F')],
        [rng.pick(['status_code', 'status-code', 'Status_Code']), rng.pick(['S', 'F'])],
      ];
      if (rng.chance(0.5)) fields.push([rng.pick(['token_id', 'token-id']), String(rng.int(1_000_000))]);
      if (rng.chance(0.3)) fields.push(['timestamp', '2024-05-31 09:04:53.0']);
      const body = rng.pick([
        Buffer.alloc(0),
        Buffer.from('{}'),
        Buffer.from(rng.pick(this.pools.text), 'utf8'),
      ]);
      const type: [string, string][] = rng.chance(0.5) ? [['Content-Type', 'text/plain']] : [];
      return {
        sender,
        body,
        headers: [...type, ...this.sign(sender, body, rng), ...fields],
        bodyBound: false,
        ovcodeHeaderMode: true,
      };
    }
    const payload = options.payload ?? this.payload(sender, rng, ident, seq);
    const body = Buffer.from(this.encode(payload, rng), 'utf8');
    const method = sender === 'certificall' ? rng.pick(METHODS) : undefined;
    const type = rng.chance(0.85) ? 'application/json' : 'application/json; charset=utf-8';
    return {
      sender,
      body,
      headers: [['Content-Type', type], ...this.sign(sender, body, rng, method)],
      bodyBound: sender !== 'ovcode' && !(method === 'bearer' || method === 'basic'),
      ovcodeHeaderMode: false,
      method,
      payload,
    };
  }

  /**
   * The sender's documented sample (its definition's), varied as the vendor's deliveries vary, with
   * an identifier unique to this request in its MARKER_FIELD.
   */
  private payload(
    sender: Sender,
    rng: Rng,
    ident: (prefix: string) => string,
    seq: number,
  ): Record<string, unknown> {
    const sample = structuredClone(definitionOf(sender).sample.payload) as Record<string, any>;
    return withPath(
      { ...sample, ...this.variation(sender, sample, rng, seq) },
      MARKER_FIELD[sender],
      ident(IDENT_PREFIX[sender]),
    );
  }

  private variation(
    sender: Sender,
    sample: Record<string, any>,
    rng: Rng,
    seq: number,
  ): Record<string, unknown> {
    const note = rng.pick(this.pools.text);
    switch (sender) {
      case 'oxskyt':
        return { status: rng.pick(['completed', 'GENERATED']), score: rng.int(1000), note };
      case 'inkit':
        return { event_type: rng.pick(INKIT_EVENTS), note };
      case 'ovcode':
        return {
          status_code: rng.pick(['S', 'F']),
          cid: `Qm${rng.hex(16)}`,
          token_id: rng.int(1_000_000),
          hash: rng.hex(32),
          file: `https://ovcode.example/files/${seq}.pdf`,
        };
      case 'certificall':
        return {
          reportId: `report-${seq}`,
          caseUrl: `https://app.certificall.example/cases/${seq}.pdf`,
          items: Array.from({ length: rng.range(1, 3) }, (_, i) => ({
            ...sample.items[0],
            cfRef: `IT-${seq}-${i}`,
            description: note,
            stepAction: rng.pick(STEP_ACTIONS),
          })),
        };
      case 'illow':
        return {
          companyId: `company-${rng.hex(3)}`,
          metadata: { ...sample.metadata, id: `dsr-${seq}`, requestStatus: note },
        };
      case 'github':
        return {
          action: rng.pick(GITHUB_ACTIONS),
          issue: { ...sample.issue, id: rng.int(1_000_000_000), number: seq, title: note },
          // Deliveries to a GitHub App carry its installation, a user's own hooks do not.
          ...(rng.chance(0.3)
            ? { installation: { id: rng.range(1, 99_999_999), node_id: `MDIz${rng.hex(6)}` } }
            : {}),
        };
      case 'stripe':
        return {
          type: rng.pick(STRIPE_TYPES),
          created: 1_680_800_510 + rng.int(100_000_000),
          livemode: rng.chance(0.2),
          data: {
            object: { ...sample.data.object, amount: rng.int(1_000_000), description: note },
            ...(rng.chance(0.3) ? { previous_attributes: { description: null } } : {}),
          },
          ...(rng.chance(0.3) ? { request: { id: null, idempotency_key: null } } : {}),
          ...(rng.chance(0.2) ? { account: `acct_${rng.hex(8)}` } : {}),
        };
      case 'standard':
        return {
          type: rng.pick(STANDARD_TYPES),
          timestamp: new Date(Date.UTC(2022, 10, 3) + rng.int(1e11)).toISOString(),
          data: { ...sample.data, note },
        };
    }
  }

  private encode(payload: unknown, rng: Rng): string {
    const roll = rng.next();
    if (roll < 0.7) return JSON.stringify(payload);
    if (roll < 0.9) return JSON.stringify(payload, null, 2);
    return JSON.stringify(payload, null, '\t').replaceAll('\n', '\r\n');
  }

  /** What the real sender would send for these bytes (its definition's signer), header names in either case. */
  private sign(sender: Sender, body: Buffer, rng: Rng, method?: Method): [string, string][] {
    const signed = signAs(sender, body, signingOf(sender, this.keys, this.methodOf(sender, rng, method)));
    return Object.entries(signed).map(([name, value]) => [
      rng.chance(0.5) ? name.toLowerCase() : name,
      value,
    ]);
  }

  /** What the real sender would send for these bytes when it signs with more than its keys (a time, an id). */
  private signWith(sender: Sender, body: Buffer, extra: object): [string, string][] {
    return Object.entries(signAs(sender, body, { ...signingOf(sender, this.keys), ...extra } as never));
  }

  /** The same scheme with a credential the receiver does not hold (the identifiers are known). */
  private forge(sender: Sender, body: Buffer, rng: Rng, method?: Method): [string, string][] {
    const forger = forgerOf(this.keys, `not-the-secret-${rng.hex(3)}`, this.keys.attackerPrivateKey);
    return Object.entries(
      signAs(sender, body, signingOf(sender, forger, this.methodOf(sender, rng, method))),
    );
  }

  /** Certificall signs with whichever method its webhook was set up with: any of them, unless told. */
  private methodOf(sender: Sender, rng: Rng, method?: Method): Method | undefined {
    return method ?? (sender === 'certificall' ? rng.pick(METHODS) : undefined);
  }

  private fromDelivery(d: Delivery, extra: Partial<Made> = {}): Made {
    return { body: d.body, headers: d.headers, ...extra };
  }

  private replaceCredentials(d: Delivery, credentials: [string, string][]): [string, string][] {
    const replaced = new Set(credentials.map(([name]) => name.toLowerCase()));
    replaced.add(CREDENTIAL_HEADER[d.sender]);
    return [...d.headers.filter(([name]) => !replaced.has(name.toLowerCase())), ...credentials];
  }

  private setCredential(d: Delivery, value: string, name?: string): [string, string][] {
    const wanted = CREDENTIAL_HEADER[d.sender];
    return d.headers.map(([key, old]) => (key.toLowerCase() === wanted ? [name ?? key, value] : [key, old]));
  }

  private credentialOf(d: Delivery): string {
    const wanted = CREDENTIAL_HEADER[d.sender];
    return d.headers.find(([key]) => key.toLowerCase() === wanted)![1];
  }

  // ---------------------------------------------------------------- kinds

  private replay(seq: number, rng: Rng): Made {
    const earlier: number[] = [];
    for (let i = seq - 1; i >= 0 && earlier.length < 64; i--) if (this.plan[i] === 'control') earlier.push(i);
    if (earlier.length === 0) {
      const d = this.delivery(rng, seq, rng.pick(SENDERS));
      // To this delivery's own route: the sender planned for the request may be another one.
      return this.fromDelivery(d, { sender: d.sender, expect: [200], variant: 'no-target' });
    }
    const target = this.build(rng.pick(earlier));
    return {
      sender: target.sender,
      body: target.body,
      headers: target.headers.filter(([name]) => name !== SEQ_HEADER),
      // The original has been answered first, so the replay is a duplicate: 200, handlers not run.
      expect: [200],
      waitFor: target.seq,
    };
  }

  private contentType(d: Delivery, rng: Rng): Made {
    const types: (string | null | string[])[] = [
      null,
      '',
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/xml',
      'application/octet-stream',
      'application/vnd.api+json',
      'application/json, text/plain',
      'APPLICATION/JSON',
      'application/json; charset="utf-8"',
      '*/*',
      'application/jsonp',
      asWireBytes('application/json; charset=ü'),
      ['application/json', 'text/plain'],
    ];
    const type = rng.pick(types);
    const rest = d.headers.filter(([name]) => name.toLowerCase() !== 'content-type');
    const added: [string, string][] =
      type === null
        ? []
        : Array.isArray(type)
          ? type.map((t) => ['Content-Type', t])
          : [['Content-Type', type]];
    return { body: d.body, headers: [...added, ...rest], expect: [200], variant: JSON.stringify(type) };
  }

  private mutateBody(d: Delivery, rng: Rng, how: 'bitflip' | 'truncate' | 'append'): Made {
    let body: Buffer;
    let variant: string = how;
    if (how === 'bitflip') {
      body = Buffer.from(d.body.length > 0 ? d.body : Buffer.from(' '));
      const flips = rng.range(1, 3);
      for (let i = 0; i < flips; i++) {
        const at = rng.int(body.length);
        body[at] ^= 1 << rng.int(8);
      }
    } else if (how === 'truncate') {
      body = d.body.subarray(0, rng.int(Math.max(d.body.length, 1)));
    } else {
      const tails = [
        () => rng.bytes(rng.range(1, 64)),
        () => Buffer.from(rng.pick([' ', '\n', '\r\n', '\t', '   \n'])),
        () => Buffer.from('{}'),
        () => Buffer.from(',"admin":true}'),
        () => Buffer.from([0]),
        () => d.body,
      ];
      const pick = rng.int(tails.length);
      variant = `append-${pick}`;
      body = Buffer.concat([d.body, tails[pick]()]);
    }
    return { body, headers: d.headers, variant: `${variant}${d.bodyBound ? '' : '-unbound'}` };
  }

  private sigBitflip(d: Delivery, rng: Rng): Made {
    const value = this.credentialOf(d);
    // Change the credential part only, keeping the scheme word (Certificall's), the prefix (GitHub's
    // `sha256=`), the timestamp (Stripe's) or the version (Standard Webhooks'), so the check
    // reaches the comparison.
    const start = signatureStart(d.sender, value);
    const at = rng.range(start, value.length - 1);
    const alphabet = /^[0-9a-f]+$/i.test(value.slice(start))
      ? '0123456789abcdef'
      : 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const current = value[at];
    const choices = [...alphabet].filter((c) => c.toLowerCase() !== current.toLowerCase());
    const mutated = value.slice(0, at) + rng.pick(choices) + value.slice(at + 1);
    const headers = this.setCredential(d, mutated);
    // Certificall HMAC also names its key: sometimes flip that header instead.
    if (d.method?.startsWith('hmac') && rng.chance(0.2)) {
      return {
        body: d.body,
        headers: d.headers.map(([k, v]) => (k.toLowerCase() === 'x-api-key' ? [k, `${v}x`] : [k, v])),
        expect: [401],
        variant: 'api-key',
      };
    }
    return { body: d.body, headers, expect: [401], variant: d.method ?? d.sender };
  }

  private sigEncoding(d: Delivery, rng: Rng): Made {
    const value = this.credentialOf(d);
    let variants: [string, string, number][];
    if (d.sender === 'oxskyt' || d.sender === 'inkit') {
      variants = hexVariants(value, rng);
    } else if (d.sender === 'ovcode') {
      variants = tokenVariants(value);
    } else if (d.sender === 'illow') {
      variants = base64Variants(value, 'illow');
    } else if (d.sender === 'github') {
      variants = githubVariants(value, rng);
    } else if (d.sender === 'stripe') {
      variants = stripeVariants(value, rng);
    } else if (d.sender === 'standard') {
      variants = standardVariants(value, rng);
    } else {
      const space = value.indexOf(' ');
      const scheme = value.slice(0, space);
      const credentials = value.slice(space + 1);
      if (d.method === 'bearer') {
        variants = [
          ['scheme-lower', `bearer ${credentials}`, 200],
          ['scheme-upper', `BEARER ${credentials}`, 200],
          ['tab', `Bearer\t${credentials}`, 200],
          ['spaces', `Bearer    ${credentials}`, 200],
          ['outer-whitespace', `  Bearer ${credentials}  `, 200],
          ['no-space', `Bearer${credentials}`, 401],
          ['twice', `Bearer ${credentials} ${credentials}`, 401],
          ['quoted', `Bearer "${credentials}"`, 401],
          ['base64', `Bearer ${Buffer.from(credentials).toString('base64')}`, 401],
          [
            'homoglyph',
            asWireBytes(`Bearer ${credentials.replace(/[ae]/, (c) => (c === 'a' ? 'а' : 'е'))}`),
            401,
          ],
        ];
      } else if (d.method === 'basic') {
        const pair = Buffer.from(credentials, 'base64');
        const url = pair.toString('base64url');
        variants = [
          ['scheme-lower', `basic ${credentials}`, 200],
          ['outer-whitespace', ` Basic ${credentials}\t`, 200],
          ['unpadded', `Basic ${credentials.replace(/=+$/, '')}`, credentials.endsWith('=') ? 401 : 200],
          ['base64url', `Basic ${url}`, url === credentials ? 200 : 401],
          ['inner-space', `Basic ${credentials.slice(0, 4)} ${credentials.slice(4)}`, 401],
          ['hex', `Basic ${pair.toString('hex')}`, 401],
          ['plain', `Basic ${pair.toString('utf8')}`, 401],
        ];
      } else {
        const colon = credentials.lastIndexOf(':');
        const key = credentials.slice(0, colon);
        const signature = credentials.slice(colon + 1);
        // Outer whitespace belongs around the whole header value here, not after the colon.
        variants = base64Variants(signature, 'certificall').map(([name, encoded, status]) =>
          name === 'outer-whitespace'
            ? [name, ` ${scheme} ${key}:${encoded.trim()}\t`, status]
            : [name, `${scheme} ${key}:${encoded}`, status],
        );
      }
    }
    const [name, encoded, status] = rng.pick(variants);
    return {
      body: d.body,
      headers: this.setCredential(d, encoded),
      expect: [status],
      variant: `${d.method ?? d.sender}/${name}`,
    };
  }

  private headerRename(d: Delivery, rng: Rng): Made {
    const names: Record<Sender, string[]> = {
      oxskyt: ['X-Signature-256', 'X_Signature', 'Signature', 'X-Signatures', 'X-Sig', 'Inkit-Signature'],
      inkit: ['Inkit_Signature', 'X-Inkit-Signature', 'Inkit-Signature-256', 'Signature', 'X-Signature'],
      ovcode: ['x_api_secret', 'x-api-secrets', 'X-Api-Key', 'api-secret', 'X-Api-Secret-'],
      certificall: ['Authorisation', 'X-Authorization', 'Proxy-Authorization', 'Authorization-Token'],
      illow: ['Illow_Signature', 'X-Illow-Signature', 'Illow-Signatures', 'Signature', 'X-Signature'],
      // The legacy X-Hub-Signature is GitHub's own name, but for SHA-1: never a place for the SHA-256.
      github: ['X-Hub-Signature', 'X-Hub-Signature-512', 'X-Hub-Signature_256', 'Hub-Signature-256'],
      stripe: [
        'Stripe_Signature',
        'X-Stripe-Signature',
        'Stripe-Signatures',
        'Signature',
        'Webhook-Signature',
      ],
      standard: [
        'webhook_signature',
        'Webhook-Signatures',
        'X-Webhook-Signature',
        'Signature',
        'Stripe-Signature',
      ],
    };
    if (d.method?.startsWith('hmac') && rng.chance(0.3)) {
      const name = rng.pick(['X-API_KEY', 'Api-Key', 'X-Api-Keys']);
      return {
        body: d.body,
        headers: d.headers.map(([k, v]) => (k.toLowerCase() === 'x-api-key' ? [name, v] : [k, v])),
        expect: [401],
        variant: name,
      };
    }
    const name = rng.pick(names[d.sender]);
    return {
      body: d.body,
      headers: this.setCredential(d, this.credentialOf(d), name),
      expect: [401],
      variant: name,
    };
  }

  private repeated(d: Delivery, rng: Rng): Made {
    const genuine = this.credentialOf(d);
    const forged = this.forge(d.sender, d.body, rng, d.method).find(
      ([k]) => k.toLowerCase() === CREDENTIAL_HEADER[d.sender],
    )![1];
    const name = d.headers.find(([k]) => k.toLowerCase() === CREDENTIAL_HEADER[d.sender])![0];
    const variants: [string, string[]][] = [
      ['genuine+forged', [genuine, forged]],
      ['forged+genuine', [forged, genuine]],
      ['genuine+genuine', [genuine, genuine]],
      ['genuine+empty', [genuine, '']],
      ['garbage+genuine', ['garbage', genuine]],
      ['genuine x3', [genuine, genuine, genuine]],
    ];
    if (d.method?.startsWith('hmac') && rng.chance(0.3)) {
      const key = this.keys.certificallKey;
      const headers = [...d.headers, ['X-Api-Key', rng.pick([key, `${key}-other`])] as [string, string]];
      return { body: d.body, headers, expect: [401], variant: 'x-api-key' };
    }
    const [variant, values] = rng.pick(variants);
    const caseSplit = rng.chance(0.3);
    const others = d.headers.filter(([k]) => k.toLowerCase() !== CREDENTIAL_HEADER[d.sender]);
    const repeats = values.map(
      (value, i) => [caseSplit && i % 2 ? name.toUpperCase() : name, value] as [string, string],
    );
    return { body: d.body, headers: [...others, ...repeats], expect: [401], variant };
  }

  private randomBytes(sender: Sender, rng: Rng): Made {
    const body = rng.bytes(rng.int(4096));
    if (rng.chance(0.3)) body[0] = 0x7b; // '{'
    const type: [string, string][] = rng.chance(0.7)
      ? [['Content-Type', rng.pick(['application/json', 'application/octet-stream', 'text/plain'])]]
      : [];
    const choice = rng.int(6);
    const creds: (() => [string, string][])[] = [
      () => [],
      () => [[CREDENTIAL_HEADER[sender], rng.hex(32)]],
      () => [[CREDENTIAL_HEADER[sender], rng.bytes(rng.pick([32, 128, 256])).toString('base64')]],
      () => this.sign(sender, body, rng),
      () => this.forge(sender, body, rng),
      () => this.sign(sender, rng.bytes(32), rng),
    ];
    return {
      body,
      headers: [...type, ...creds[choice]()],
      variant: ['none', 'random-hex', 'random-base64', 'signed', 'forged', 'signed-other'][choice],
      extraAllowed: [409],
    };
  }

  private hostilePayload(seq: number, sender: Sender, rng: Rng): Made {
    const nonce = rng.hex(4);
    const base = this.payload(sender, rng, (prefix) => `${prefix}-${seq}-${nonce}`, seq);
    const keys = Object.keys(base);
    const field = rng.pick(keys);
    const mutations: [string, () => string][] = [
      ['pool-value', () => JSON.stringify({ ...base, [field]: rng.pick(this.pools.values) })],
      ['long-string', () => JSON.stringify({ ...base, [field]: 'x'.repeat(rng.range(10_000, 200_000)) })],
      [
        'proto-key',
        () => `{"__proto__":{"polluted":"yes","event_type":"X"},${JSON.stringify(base).slice(1)}`,
      ],
      [
        'constructor-key',
        () => `{"constructor":{"prototype":{"polluted":"yes"}},${JSON.stringify(base).slice(1)}`,
      ],
      ['duplicate-key', () => `{"${field}":"first",${JSON.stringify(base).slice(1)}`],
      [
        'duplicate-key-last',
        () =>
          `${JSON.stringify(base).slice(0, -1)},"${field}":${JSON.stringify(rng.pick(this.pools.values))}}`,
      ],
      [
        'numbers',
        () =>
          JSON.stringify(base).replace(
            /^\{/,
            `{"big":12345678901234567890123,"inf":1e400,"neg0":-0,"tiny":1e-400,`,
          ),
      ],
      [
        'escapes',
        () =>
          JSON.stringify({ ...base, [field]: 'a\u0000b' }).replace(
            'a\\u0000b',
            'a\\u0000\\ud800\\udfff\\uDC00b',
          ),
      ],
      [
        'event-type',
        () =>
          JSON.stringify({
            ...base,
            [EVENT_FIELD[sender] ?? 'event_type']: rng.pick([
              'a.b',
              '../x',
              '**',
              'x'.repeat(101),
              '',
              'webhooks.delivery.accepted',
              '__proto__',
            ]),
          }),
      ],
      [
        'many-items',
        () =>
          JSON.stringify({
            ...base,
            items: Array.from({ length: 500 }, () => (base.items as unknown[] | undefined)?.[0] ?? {}),
          }),
      ],
      ['null-fields', () => JSON.stringify(Object.fromEntries(keys.map((k) => [k, null])))],
      ['array-fields', () => JSON.stringify({ ...base, [field]: [base[field]] })],
    ];
    const [variant, make] = rng.pick(mutations);
    const body = Buffer.from(make(), 'utf8');
    const method = sender === 'certificall' ? rng.pick(METHODS) : undefined;
    return {
      body,
      headers: [['Content-Type', 'application/json'], ...this.sign(sender, body, rng, method)],
      variant,
      extraAllowed: [409],
    };
  }

  private invalidUtf8(seq: number, sender: Sender, rng: Rng): Made {
    const nonce = rng.hex(4);
    const base = this.payload(sender, rng, (prefix) => `${prefix}-${seq}-${nonce}`, seq);
    const text = JSON.stringify(base);
    const variants: [string, () => Buffer, number][] = [
      ['bom', () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 200],
      ['utf16le', () => Buffer.from(text, 'utf16le'), 400],
      ['latin1', () => Buffer.from(text.replace(/"([^"]*)"/, '"é$1"'), 'latin1'), 400],
      ...(
        [
          ['lone-ff', [0xff]],
          ['bad-continuation', [0xc3, 0x28]],
          ['surrogate', [0xed, 0xa0, 0x80]],
          ['overlong', [0xc0, 0xaf]],
          ['above-max', [0xf4, 0x90, 0x80, 0x80]],
          ['truncated-sequence', [0xe2, 0x82]],
          ['bare-continuation', [0x80]],
        ] as [string, number[]][]
      ).map(([name, bytes]): [string, () => Buffer, number] => [
        name,
        () => {
          const at = text.indexOf('"', text.indexOf(':') + 1) + 1;
          return Buffer.concat([
            Buffer.from(text.slice(0, at)),
            Buffer.from(bytes),
            Buffer.from(text.slice(at)),
          ]);
        },
        400,
      ]),
    ];
    const [variant, make, status] = rng.pick(variants);
    const body = make();
    // OVCODE's JSON body mode: the token does not cover the body, but the body is what is parsed.
    return {
      body,
      headers: [['Content-Type', 'application/json'], ...this.sign(sender, body, rng)],
      variant,
      expect: [status],
    };
  }

  private deepJson(seq: number, sender: Sender, rng: Rng): Made {
    const depth = rng.pick([1_000, 3_000, 10_000, 50_000, 100_000]);
    const shape = rng.pick(['array', 'in-field', 'objects'] as const);
    const nonce = rng.hex(4);
    const base = JSON.stringify(this.payload(sender, rng, (prefix) => `${prefix}-${seq}-${nonce}`, seq));
    let text: string;
    if (shape === 'array') text = '['.repeat(depth) + ']'.repeat(depth);
    else if (shape === 'in-field')
      text = `${base.slice(0, -1)},"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    else text = `${base.slice(0, -1)},"deep":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const body = Buffer.from(text, 'utf8');
    const forged = rng.chance(0.15);
    const creds = forged ? this.forge(sender, body, rng) : this.sign(sender, body, rng);
    return {
      body,
      headers: [['Content-Type', 'application/json'], ...creds],
      variant: `${shape}-${depth}${forged ? '-forged' : ''}`,
      expect: forged ? [401] : shape === 'array' ? [400] : [200, 400],
    };
  }

  private certificallAuth(seq: number, rng: Rng): Made {
    const k = this.keys;
    const d = this.delivery(rng, seq, 'certificall');
    const body = d.body;
    const hmacHex = signAs('certificall', body, signingOf('certificall', k, 'hmac'))
      .Authorization!.split(':')
      .pop()!;
    const basic = (pair: string) => `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    const pretty = JSON.stringify(JSON.parse(body.toString('utf8')), null, 2);
    type Variant = [string, [string, string][], number, Buffer?];
    const variants: Variant[] = [
      ['hmac-missing-api-key', [['Authorization', `HMAC-SHA256 ${k.certificallKey}:${hmacHex}`]], 401],
      [
        'hmac-wrong-api-key',
        [
          ['Authorization', `HMAC-SHA256 ${k.certificallKey}:${hmacHex}`],
          ['X-Api-Key', `${k.certificallKey}-2`],
        ],
        401,
      ],
      [
        'hmac-api-key-case',
        [
          ['Authorization', `HMAC-SHA256 ${k.certificallKey}:${hmacHex}`],
          ['X-Api-Key', k.certificallKey.toUpperCase()],
        ],
        401,
      ],
      [
        'hmac-api-key-ows',
        [
          ['Authorization', `HMAC-SHA256 ${k.certificallKey}:${hmacHex}`],
          ['X-Api-Key', ` ${k.certificallKey}\t`],
        ],
        200,
      ],
      [
        'hmac-space-split',
        [
          ['Authorization', `HMAC-SHA256 ${k.certificallKey} ${hmacHex}`],
          ['X-Api-Key', k.certificallKey],
        ],
        401,
      ],
      [
        'hmac-no-key',
        [
          ['Authorization', `HMAC-SHA256 :${hmacHex}`],
          ['X-Api-Key', k.certificallKey],
        ],
        401,
      ],
      ['hmac-no-key-no-header', [['Authorization', `HMAC-SHA256 :${hmacHex}`]], 401],
      [
        'hmac-no-signature',
        [
          ['Authorization', `HMAC-SHA256 ${k.certificallKey}:`],
          ['X-Api-Key', k.certificallKey],
        ],
        401,
      ],
      [
        'hmac-double-colon',
        [
          ['Authorization', `HMAC-SHA256 ${k.certificallKey}::${hmacHex}`],
          ['X-Api-Key', k.certificallKey],
        ],
        401,
      ],
      [
        'hmac-double-colon-key',
        [
          ['Authorization', `HMAC-SHA256 ${k.certificallKey}::${hmacHex}`],
          ['X-Api-Key', `${k.certificallKey}:`],
        ],
        401,
      ],
      [
        'hmac-signature-only',
        [
          ['Authorization', `HMAC-SHA256 ${hmacHex}`],
          ['X-Api-Key', k.certificallKey],
        ],
        401,
      ],
      [
        'hmac-trailing-field',
        [
          ['Authorization', `HMAC-SHA256 ${k.certificallKey}:${hmacHex}:x`],
          ['X-Api-Key', k.certificallKey],
        ],
        401,
      ],
      [
        'hmac-scheme-lower',
        [
          ['Authorization', `hmac-sha256 ${k.certificallKey}:${hmacHex}`],
          ['X-Api-Key', k.certificallKey],
        ],
        200,
      ],
      [
        'hmac-scheme-only',
        [
          ['Authorization', 'HMAC-SHA256'],
          ['X-Api-Key', k.certificallKey],
        ],
        401,
      ],
      [
        'hmac-sha1',
        [
          ['Authorization', `HMAC-SHA1 ${k.certificallKey}:${hmacHex}`],
          ['X-Api-Key', k.certificallKey],
        ],
        401,
      ],
      ['hmac-other-body', [...signCertificallPairs(Buffer.from('{}'), k)], 401],
      [
        'hmac-compact-of-pretty',
        [...signCertificallPairs(Buffer.from(JSON.stringify(JSON.parse(pretty))), k)],
        200,
        Buffer.from(pretty),
      ],
      [
        'hmac-key-in-authorization-only',
        [
          ['Authorization', `HMAC-SHA256 ${k.certificallKey}:${hmacHex}`],
          ['X-Api-Key', ''],
        ],
        401,
      ],
      ['basic-valid', [['Authorization', basic(`${k.basicUser}:${k.basicPassword}`)]], 200],
      ['basic-wrong-password', [['Authorization', basic(`${k.basicUser}:${k.basicPassword}x`)]], 401],
      [
        'basic-password-prefix',
        [['Authorization', basic(`${k.basicUser}:${k.basicPassword.slice(0, -1)}`)]],
        401,
      ],
      ['basic-wrong-user', [['Authorization', basic(`${k.basicUser}x:${k.basicPassword}`)]], 401],
      ['basic-no-colon', [['Authorization', basic(`${k.basicUser}${k.basicPassword}`)]], 401],
      ['basic-empty-password', [['Authorization', basic(`${k.basicUser}:`)]], 401],
      ['basic-empty-user', [['Authorization', basic(`:${k.basicPassword}`)]], 401],
      ['basic-extra-colon', [['Authorization', basic(`${k.basicUser}:${k.basicPassword}:x`)]], 401],
      ['basic-swapped', [['Authorization', basic(`${k.basicPassword}:${k.basicUser}`)]], 401],
      [
        'basic-invalid-utf8',
        [['Authorization', `Basic ${Buffer.from([0xff, 0x3a, 0xfe]).toString('base64')}`]],
        401,
      ],
      ['basic-scheme-only', [['Authorization', 'Basic']], 401],
      ['basic-empty-credentials', [['Authorization', 'Basic ']], 401],
      ['basic-garbage', [['Authorization', 'Basic !!!!']], 401],
      ['bearer-valid', [['Authorization', `Bearer ${k.certificallBearer}`]], 200],
      ['bearer-wrong', [['Authorization', `Bearer ${k.certificallBearer}x`]], 401],
      ['bearer-prefix', [['Authorization', `Bearer ${k.certificallBearer.slice(0, -1)}`]], 401],
      ['bearer-basic-password', [['Authorization', `Bearer ${k.basicPassword}`]], 401],
      ['bearer-api-secret', [['Authorization', `Bearer ${k.certificallSecret}`]], 401],
      ['bearer-empty', [['Authorization', 'Bearer ']], 401],
      ['scheme-digest', [['Authorization', `Digest username="${k.basicUser}", response="${hmacHex}"`]], 401],
      ['scheme-token', [['Authorization', `Token ${k.certificallBearer}`]], 401],
      ['scheme-negotiate', [['Authorization', 'Negotiate YIIB']], 401],
      ['scheme-bearer-dash', [['Authorization', `Bearer-x ${k.certificallBearer}`]], 401],
      ['scheme-latin1', [['Authorization', `Bëarer ${k.certificallBearer}`]], 401],
      ['empty-authorization', [['Authorization', '']], 401],
      ['token-in-api-key', [['X-Api-Key', k.certificallBearer]], 401],
      ['token-in-proxy-authorization', [['Proxy-Authorization', `Bearer ${k.certificallBearer}`]], 401],
    ];
    const [variant, headers, status, replacement] = rng.pick(variants);
    return {
      body: replacement ?? body,
      headers: [['Content-Type', 'application/json'], ...headers],
      variant,
      expect: [status],
    };
  }

  /**
   * What travels beside a signature: GitHub's event and delivery headers (not signed: a bad one is
   * a bad request, 400, once the signature holds), the signing time of Stripe and Standard Webhooks
   * (signed, and refused beyond five minutes either way), Standard Webhooks' id (signed), and keys
   * derived the way the other of those two derives them (Stripe uses the `whsec_` text whole,
   * Standard Webhooks the bytes its base64 holds).
   */
  private senderHeaders(seq: number, sender: HeaderSender, rng: Rng): Made {
    const d = this.delivery(rng, seq, sender);
    const now = Math.floor(Date.now() / 1000);
    // Far enough inside or outside the five minutes that the time a request takes cannot move it across.
    const times: [string, number, number][] = [
      ['fresh-past', now - rng.range(0, 280), 200],
      ['fresh-future', now + rng.range(1, 280), 200],
      ['stale', now - rng.range(320, 30 * 86_400), 401],
      ['future', now + rng.range(320, 10_000_000), 401],
      ['epoch', 0, 401],
      ['milliseconds', Date.now(), 401],
    ];
    const without = (...names: string[]) => {
      const dropped = names.map((name) => name.toLowerCase());
      return d.headers.filter(([name]) => !dropped.includes(name.toLowerCase()));
    };
    const valueOf = (name: string) => d.headers.find(([key]) => key.toLowerCase() === name)![1];
    const replaced = (name: string, ...values: string[]): [string, string][] => [
      ...without(name),
      ...values.map((value) => [name, value] as [string, string]),
    ];
    type Variant = [string, () => [string, string][], number];
    let variants: Variant[];
    if (sender === 'github') {
      const delivery = valueOf('x-github-delivery');
      const sha1 = (secret: string) => `sha1=${createHmac('sha1', secret).update(d.body).digest('hex')}`;
      const forged256 = this.forge('github', d.body, rng).find(([k]) => k === 'X-Hub-Signature-256')!;
      variants = [
        ['event-missing', () => without('x-github-event'), 400],
        ['event-capitalized', () => replaced('X-GitHub-Event', 'Issues'), 400],
        ['event-dotted', () => replaced('X-GitHub-Event', 'issues.opened'), 400],
        ['event-long', () => replaced('X-GitHub-Event', 'a'.repeat(rng.range(61, 300))), 400],
        ['event-repeated', () => replaced('X-GitHub-Event', 'issues', 'issues'), 400],
        ['event-other', () => replaced('X-GitHub-Event', rng.pick(['push', 'pull_request', 'ping'])), 200],
        ['delivery-missing', () => without('x-github-delivery'), 400],
        ['delivery-repeated', () => replaced('X-GitHub-Delivery', delivery, delivery), 400],
        [
          'delivery-long',
          () => replaced('X-GitHub-Delivery', `${delivery}-${'0'.repeat(rng.range(70, 400))}`),
          400,
        ],
        // The SHA-1 header, however genuine, is never enough on its own, and never in the way.
        [
          'sha1-only',
          () => [
            ...without('x-hub-signature-256', 'x-hub-signature'),
            ['X-Hub-Signature', sha1(this.keys.github)],
          ],
          401,
        ],
        [
          'sha1-forged-beside-genuine',
          () => [...d.headers, ['X-Hub-Signature', sha1('not-the-secret')]],
          200,
        ],
        [
          'sha1-genuine-beside-forged',
          () => [...without('x-hub-signature-256'), forged256, ['X-Hub-Signature', sha1(this.keys.github)]],
          401,
        ],
      ];
    } else if (sender === 'stripe') {
      const header = valueOf('stripe-signature');
      const t = /^t=(\d+),/.exec(header)![1]!;
      const rest = header.slice(header.indexOf(','));
      // HMAC-SHA256 of `<t>.<body>` under the bytes behind `whsec_`: the Standard Webhooks way, not Stripe's.
      const decodedKey = Buffer.from(this.keys.stripe.replace(/^whsec_/, ''), 'base64');
      const underDecodedKey = createHmac('sha256', decodedKey).update(`${now}.`).update(d.body).digest('hex');
      variants = [
        ...times.map(([name, at, status]): Variant => [
          name,
          () => [...without('stripe-signature'), ...this.signWith('stripe', d.body, { timestamp: at })],
          status,
        ]),
        ['leading-zero', () => replaced('Stripe-Signature', `t=0${t}${rest}`), 401],
        ['plus-sign', () => replaced('Stripe-Signature', `t=+${t}${rest}`), 401],
        ['fraction', () => replaced('Stripe-Signature', `t=${t}.0${rest}`), 401],
        ['shifted', () => replaced('Stripe-Signature', `t=${Number(t) + rng.pick([-1, 1])}${rest}`), 401],
        ['timestamp-removed', () => replaced('Stripe-Signature', rest.slice(1)), 401],
        ['key-base64-decoded', () => replaced('Stripe-Signature', `t=${now},v1=${underDecodedKey}`), 401],
      ];
    } else {
      const id = valueOf('webhook-id');
      const timestamp = valueOf('webhook-timestamp');
      const signature = valueOf('webhook-signature');
      // HMAC-SHA256 under the `whsec_` text itself, as Stripe keys it: not this scheme's key.
      const underText = createHmac('sha256', this.keys.standard)
        .update(`${id}.${timestamp}.`)
        .update(d.body)
        .digest('base64');
      variants = [
        ...times.map(([name, at, status]): Variant => [
          name,
          () => [
            ...without('webhook-id', 'webhook-timestamp', 'webhook-signature'),
            ...this.signWith('standard', d.body, { timestamp: at }),
          ],
          status,
        ]),
        [
          'timestamp-shifted',
          () => replaced('webhook-timestamp', String(Number(timestamp) + rng.pick([-1, 1]))),
          401,
        ],
        ['timestamp-leading-zero', () => replaced('webhook-timestamp', `0${timestamp}`), 401],
        ['timestamp-missing', () => without('webhook-timestamp'), 401],
        ['timestamp-repeated', () => replaced('webhook-timestamp', timestamp, timestamp), 401],
        ['id-changed', () => replaced('webhook-id', `${id}x`), 401],
        ['id-missing', () => without('webhook-id'), 401],
        ['id-repeated', () => replaced('webhook-id', id, id), 401],
        // The signed content still splits one way: the timestamp is digits only.
        [
          'id-dotted',
          () => [
            ...without('webhook-id', 'webhook-timestamp', 'webhook-signature'),
            ...this.signWith('standard', d.body, { id: `msg.${seq}.${rng.hex(4)}.` }),
          ],
          200,
        ],
        [
          'id-long',
          () => [
            ...without('webhook-id', 'webhook-timestamp', 'webhook-signature'),
            ...this.signWith('standard', d.body, { id: `msg_${seq}_${'m'.repeat(rng.range(256, 2000))}` }),
          ],
          401,
        ],
        ['key-whsec-text', () => replaced('webhook-signature', `v1,${underText}`), 401],
        [
          'ed25519-unknown-key',
          () => [
            ...without('webhook-id', 'webhook-timestamp', 'webhook-signature'),
            ...Object.entries(signAs('standard', d.body, { id, privateKey: this.attackerEd25519 })),
          ],
          401,
        ],
        [
          'ed25519-beside-genuine',
          () => replaced('webhook-signature', `v1a,${rng.bytes(64).toString('base64')} ${signature}`),
          200,
        ],
      ];
    }
    const [variant, headers, status] = rng.pick(variants);
    return { body: d.body, headers: headers(), variant, expect: [status] };
  }

  private longCredential(d: Delivery, rng: Rng): Made {
    const value = this.credentialOf(d);
    const extra = rng.range(4_100, 12_000);
    if (rng.chance(0.25)) {
      // Outer whitespace is stripped by Node's parser: what reaches the scheme is the genuine value.
      return {
        body: d.body,
        headers: this.setCredential(d, value + ' '.repeat(extra)),
        expect: [200],
        variant: 'ows-padded',
      };
    }
    return {
      body: d.body,
      headers: this.setCredential(d, value + 'a'.repeat(extra)),
      expect: [401],
      variant: 'padded',
    };
  }

  private headersNearLimit(d: Delivery, rng: Rng): Made {
    if (rng.chance(0.5)) {
      return {
        body: d.body,
        headers: [...d.headers, ['X-Padding', 'p'.repeat(rng.range(12_000, 15_500))]],
        expect: [200],
        variant: 'one-big',
      };
    }
    const many = Array.from({ length: 700 }, (_, i) => [`X-F-${i}`, rng.hex(2)] as [string, string]);
    return { body: d.body, headers: [...d.headers, ...many], expect: [200], variant: 'many' };
  }

  private headersOverLimit(d: Delivery, rng: Rng): Made {
    const roll = rng.int(3);
    if (roll === 0) {
      return {
        body: d.body,
        headers: [...d.headers, ['X-Padding', 'p'.repeat(rng.range(16_500, 64_000))]],
        expect: [431],
        variant: 'one-big',
      };
    }
    if (roll === 1) {
      const many = Array.from({ length: 1_500 }, (_, i) => [`X-F-${i}`, rng.hex(4)] as [string, string]);
      return { body: d.body, headers: [...d.headers, ...many], expect: [431], variant: 'many' };
    }
    const value = this.credentialOf(d);
    return {
      body: d.body,
      headers: this.setCredential(d, value + 'a'.repeat(rng.range(17_000, 30_000))),
      expect: [431],
      variant: 'credential',
    };
  }

  private bodyLimit(seq: number, sender: Sender, rng: Rng): Made {
    const nonce = rng.hex(4);
    const base = this.payload(
      sender === 'ovcode' ? 'ovcode' : sender,
      rng,
      (prefix) => `${prefix}-${seq}-${nonce}`,
      seq,
    );
    const variant = rng.pick(['exact-limit', 'limit+1', 'over', 'over-chunked', 'over-unsigned'] as const);
    const size =
      variant === 'exact-limit'
        ? BODY_LIMIT
        : variant === 'limit+1'
          ? BODY_LIMIT + 1
          : BODY_LIMIT + rng.range(1, 512 * 1024);
    const skeleton = JSON.stringify({ ...base, pad: '' });
    const padding = 'x'.repeat(size - Buffer.byteLength(skeleton, 'utf8'));
    const body = Buffer.from(`${skeleton.slice(0, -2)}${padding}"}`, 'utf8');
    const creds = variant === 'over-unsigned' ? [] : this.sign(sender, body, rng);
    return {
      body,
      headers: [['Content-Type', 'application/json'], ...creds],
      chunked: variant === 'over-chunked',
      variant,
      expect: variant === 'exact-limit' ? [200] : [413],
    };
  }

  private pathVariant(d: Delivery, rng: Rng): Made {
    const path = ROUTES[d.sender];
    const common: [string, string][] = [
      ['trailing-slash', `${path}/`],
      ['query', `${path}?a=1&b=%ZZ&c`],
      ['upper', path.toUpperCase()],
      ['mixed-case', path.replace('/webhooks/', '/WebHooks/')],
      ['double-slash', path.replace('/webhooks/', '/webhooks//')],
      ['encoded-letter', `/webhooks/%${path.charCodeAt(10).toString(16)}${path.slice(11)}`],
      ['dot-segment', path.replace('/webhooks/', '/webhooks/./')],
      ['unknown-sender', '/webhooks/unknown'],
      ['prefix-only', '/webhooks/'],
    ];
    // A sender whose events come from the route (illow): the event segment too.
    const route = `/webhooks/${d.sender}`;
    const event = definitionOf(d.sender).sample.event ?? '';
    const dotted = event.includes('_') ? event.toLowerCase().replace('_', '.') : `${event}.x`;
    const byRoute: [string, string][] = [
      ['other-event', `${route}/OTHER_${event}`],
      ['dotted-event', `${route}/${dotted}`],
      ['long-event', `${route}/${'A'.repeat(101)}`],
      ['bad-escape', `${route}/%E0%A4%A`],
      ['nul-event', `${route}/%00`],
      ['extra-segment', `${route}/${event}/x`],
      ['empty-event', `${route}/`],
      ['wildcard-event', `${route}/**`],
    ];
    const [variant, chosen] = rng.pick(typedByRoute(d.sender) ? [...common, ...byRoute, ...byRoute] : common);
    return { body: d.body, headers: d.headers, path: chosen, variant, extraAllowed: [400, 404] };
  }
}

interface Made {
  body: Buffer;
  headers: [string, string][];
  sender?: Sender;
  path?: string;
  variant?: string;
  chunked?: boolean;
  marker?: boolean;
  expect?: readonly number[];
  extraAllowed?: readonly number[];
  waitFor?: number;
}

function signCertificallPairs(body: Buffer, k: SigningKeys): [string, string][] {
  return Object.entries(signAs('certificall', body, signingOf('certificall', k, 'hmac')));
}

function randomCase(name: string, rng: Rng): string {
  return [...name].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
}

function replaceOne(text: string, at: number, by: string): string {
  return text.slice(0, at) + by + text.slice(at + 1);
}

/** Encodings of a hex digest (OxsKYT, Inkit), with the status each must get. */
function hexVariants(hex: string, rng: Rng): [string, string, number][] {
  const bytes = Buffer.from(hex, 'hex');
  const digit = hex.search(/[0-9]/);
  const mixed = [...hex].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c)).join('');
  return [
    ['upper', hex.toUpperCase(), 200],
    ['mixed-case', mixed, 200],
    ['outer-whitespace', ` \t${hex}  `, 200],
    ['base64', bytes.toString('base64'), 401],
    ['base64url', bytes.toString('base64url'), 401],
    ['prefixed', `sha256=${hex}`, 401],
    ['0x', `0x${hex}`, 401],
    ['inner-space', `${hex.slice(0, 32)} ${hex.slice(32)}`, 401],
    [
      'arabic-digit',
      replaceOne(hex, digit, asWireBytes(String.fromCharCode(0x0660 + Number(hex[digit])))),
      401,
    ],
    [
      'fullwidth-digit',
      replaceOne(hex, digit, asWireBytes(String.fromCharCode(0xff10 + Number(hex[digit])))),
      401,
    ],
    ['superscript-digit', replaceOne(hex, digit, '\u00b3'), 401],
    ['truncated', hex.slice(0, 63), 401],
    ['extended', `${hex}0`, 401],
    ['doubled', hex + hex, 401],
    ['list', `${hex}, ${hex}`, 401],
    ['empty', '', 401],
    ['quoted', `"${hex}"`, 401],
  ];
}

/** Encodings of a base64 signature (illow's RSA signature, Certificall's HMAC). */
function base64Variants(b64: string, sender: 'illow' | 'certificall'): [string, string, number][] {
  const bytes = Buffer.from(b64, /^[0-9a-f]{64}$/i.test(b64) ? 'hex' : 'base64');
  const std = bytes.toString('base64');
  const url = bytes.toString('base64url');
  const hex = bytes.toString('hex');
  const digit = hex.search(/[0-9]/);
  // Certificall accepts the HMAC as hex or base64 (the vendor does not say which); illow sends base64.
  const hexStatus = sender === 'certificall' ? 200 : 401;
  return [
    ['base64', std, sender === 'certificall' || b64 === std ? 200 : 401],
    ['hex', hex, hexStatus],
    ['hex-upper', hex.toUpperCase(), hexStatus],
    ['base64url', url, url === std ? 200 : 401],
    ['unpadded', std.replace(/=+$/, ''), std.endsWith('=') ? 401 : 200],
    ['inner-space', `${std.slice(0, 8)} ${std.slice(8)}`, 401],
    ['outer-whitespace', ` ${std}\t`, 200],
    ['truncated', std.slice(0, -4), 401],
    ['doubled', std + std, 401],
    ['base64-of-hex-text', Buffer.from(hex).toString('base64'), 401],
    [
      'arabic-digit-hex',
      replaceOne(hex, digit, asWireBytes(String.fromCharCode(0x0660 + Number(hex[digit])))),
      401,
    ],
    ['spaced-lines', std.replace(/(.{16})/g, '$1 ').trim(), 401],
  ];
}

/** Where the signature itself starts in the credential header's value. */
function signatureStart(sender: Sender, value: string): number {
  switch (sender) {
    case 'certificall':
      return value.indexOf(' ') + 1;
    case 'github':
      return value.startsWith('sha256=') ? 'sha256='.length : 0;
    case 'stripe':
      return value.indexOf('v1=') + 'v1='.length;
    case 'standard':
      return value.indexOf(',') + 1;
    default:
      return 0;
  }
}

/** Encodings of GitHub's `sha256=<hex>`, with the status each must get. */
function githubVariants(value: string, rng: Rng): [string, string, number][] {
  const hex = value.slice('sha256='.length);
  return [
    ...hexVariants(hex, rng).map(([name, encoded, status]): [string, string, number] =>
      // Outer whitespace around the whole value (stripped by the server), not after the prefix.
      name === 'outer-whitespace' ? [name, ` \t${value}  `, status] : [name, `sha256=${encoded}`, status],
    ),
    ['prefix-upper', `SHA256=${hex}`, 401],
    ['no-prefix', hex, 401],
    ['sha1-prefix', `sha1=${hex}`, 401],
    ['colon', `sha256:${hex}`, 401],
    ['space-after-prefix', `sha256= ${hex}`, 401],
  ];
}

/** Variants of Stripe's `t=<unix>,v1=<hex>`, with the status each must get. */
function stripeVariants(value: string, rng: Rng): [string, string, number][] {
  const comma = value.indexOf(',');
  const t = value.slice(0, comma);
  const hex = value.slice(value.indexOf('v1=') + 'v1='.length);
  const other = () => rng.hex(32);
  return [
    ...hexVariants(hex, rng).map(([name, encoded, status]): [string, string, number] =>
      name === 'outer-whitespace' ? [name, ` \t${value}  `, status] : [name, `${t},v1=${encoded}`, status],
    ),
    // Stripe's header is a set of items: any order, one v1 per active secret, a v0 in test mode.
    ['v1-first', `v1=${hex},${t}`, 200],
    ['forged-then-genuine', `${t},v1=${other()},v1=${hex}`, 200],
    ['genuine-then-forged', `${t},v1=${hex},v1=${other()}`, 200],
    ['with-v0', `${t},v1=${hex},v0=${other()}`, 200],
    ['unknown-item', `${t},v1=${hex},x=${other()}`, 200],
    ['v0-only', `${t},v0=${hex}`, 401],
    ['upper-key', `${t},V1=${hex}`, 401],
    ['no-timestamp', `v1=${hex}`, 401],
    ['two-timestamps', `${t},${t},v1=${hex}`, 401],
    ['space-after-comma', `${t}, v1=${hex}`, 401],
    ['semicolon', `${t};v1=${hex}`, 401],
    ['bare-item', `${t},v1=${hex},x`, 401],
    ['too-many-items', `${t},${Array.from({ length: 20 }, () => `v0=${other()}`).join(',')},v1=${hex}`, 401],
  ];
}

/** Variants of a Standard Webhooks `v1,<base64>` signature list, with the status each must get. */
function standardVariants(value: string, rng: Rng): [string, string, number][] {
  const b64 = value.slice('v1,'.length);
  const bytes = Buffer.from(b64, 'base64');
  const other = () => `v1,${rng.bytes(32).toString('base64')}`;
  return [
    ['outer-whitespace', ` ${value}\t`, 200],
    // Space-separated, any of them may match; other versions are a later specification's.
    ['forged-then-genuine', `${other()} ${value}`, 200],
    ['genuine-then-forged', `${value} ${other()}`, 200],
    ['double-space', `${other()}  ${value}`, 200],
    ['several', `${Array.from({ length: 5 }, other).join(' ')} ${value}`, 200],
    ['unknown-version-beside', `v2,${rng.bytes(32).toString('base64')} ${value}`, 200],
    ['too-many', `${Array.from({ length: 40 }, other).join(' ')} ${value}`, 401],
    ['unknown-version-only', `v2,${b64}`, 401],
    ['upper-version', `V1,${b64}`, 401],
    ['no-comma', `v1 ${b64}`, 401],
    ['empty-signature', 'v1,', 401],
    ['tab-separated', `${other()}\t${value}`, 401],
    ['comma-separated', `${other()},${value}`, 401],
    ['base64url', `v1,${bytes.toString('base64url')}`, 401],
    ['unpadded', `v1,${b64.replace(/=+$/, '')}`, 401],
    ['hex', `v1,${bytes.toString('hex')}`, 401],
    ['inner-space', `v1,${b64.slice(0, 8)} ${b64.slice(8)}`, 401],
    ['truncated', `v1,${b64.slice(0, -4)}`, 401],
    ['doubled', `v1,${b64}${b64}`, 401],
  ];
}

/** Variants of OVCODE's static token. */
function tokenVariants(token: string): [string, string, number][] {
  return [
    ['outer-whitespace', `  ${token}\t`, 200],
    ['upper', token.toUpperCase(), token.toUpperCase() === token ? 200 : 401],
    ['inner-space', `${token.slice(0, 5)} ${token.slice(5)}`, 401],
    ['base64', Buffer.from(token).toString('base64'), 401],
    ['quoted', `"${token}"`, 401],
    ['homoglyph', asWireBytes(token.replace(/[oe]/, (c) => (c === 'o' ? 'о' : 'е'))), 401],
    ['bearer-prefixed', `Bearer ${token}`, 401],
    ['truncated', token.slice(0, -1), 401],
    ['extended', `${token}x`, 401],
    ['latin1-suffixed', `${token}\u00e9`, 401],
    ['empty', '', 401],
  ];
}

/** sha256 of a body, first 32 bits: enough to tell whether the handler saw the bytes that were sent. */
export function bodyTag(body: Buffer): number {
  return createHash('sha256').update(body).digest().readUInt32BE(0);
}

export type { HeaderPairs };
