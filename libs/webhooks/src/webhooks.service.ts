import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { validatePayload } from './dto/validate.js';
import type { Accepted, HeaderBag, Rejected } from './schemes/index.js';
import {
  REDACTED,
  WEBHOOK_DELIVERY,
  WEBHOOK_EVENT_ROOT,
  WEBHOOK_OUTCOME_ROOT,
} from './webhooks.constants.js';
import type { WebhookDeliveryOutcome, WebhookEvent, WebhookOutcomeKind } from './webhooks.event.js';
import {
  WebhookException,
  WebhookHandlerException,
  WebhookInFlightException,
  WebhookPayloadException,
  WebhookQueueException,
  WebhookStoreException,
  WebhookUnsupportedEncodingException,
} from './webhooks.exception.js';
import { WebhooksRegistry } from './webhooks.registry.js';
import {
  EVENT_TYPE_PATTERN,
  EVENT_TYPE_RULE,
  idempotencyKeyOf,
  type WebhookSender,
} from './webhooks.sender.js';
import { WebhookIdempotencyStore } from './webhooks.storage.js';
import { WebhookQueue, type QueuedWebhookDelivery, type WebhookHandledResult } from './webhooks.queue.js';
import { findLoneSurrogate, parseJsonExact } from './webhooks.json.js';
import { describeError } from './webhooks.log.js';
import { withTimeout } from './webhooks.limits.js';

/** One delivery as it arrived: when, and to which sender. */
export interface WebhookAttempt {
  /** Unique per HTTP delivery: a retry gets a new one. */
  readonly id: string;
  /** The id of the sender it was sent to, as in its route. */
  readonly sender: string;
  /** The tenant segment of its route, for a sender configured per tenant. */
  readonly tenant?: string;
  readonly receivedAt: Date;
  /** `performance.now()` at arrival, for the outcome's duration. */
  readonly startedAt: number;
}

/**
 * A delivery whose bytes verified, as the guard hands it forward (frozen): everything the
 * pipeline after it reads. `WebhooksService.deliveryOf(request)` finds it on the request.
 */
export interface VerifiedDelivery extends WebhookAttempt {
  readonly rawBody: Buffer;
  readonly headers: HeaderBag;
  /** How it verified: the key of a re-serialized body depends on it. */
  readonly verification: Accepted;
  /** The event named by the path, for a sender whose events come from the route. */
  readonly routeEvent?: string;
}

/** A sender a module serves (see WebhooksService.servedSenders). */
export interface WebhookServedSender {
  /** Its route segment and event prefix (`stripe`, or the id given to `.as(id)`). */
  readonly id: string;
  readonly definition: WebhookSender;
  /** Configured with `configurePerTenant`: its route takes a tenant segment first. */
  readonly perTenant: boolean;
}

/** What the pipeline has learned so far, for the outcome of a delivery that stops part way. */
interface Progress {
  event?: string;
  idempotencyKey?: string;
}

const MAX_CACHED_NAMES = 1_000;

const NO_FAILURES: readonly unknown[] = Object.freeze([]);
const noFailures = () => NO_FAILURES;
const oneFailure = (error: unknown): readonly unknown[] => [error];

/** Outcomes logged at debug only: the outcome events are their audit trail. */
const ROUTINE: ReadonlySet<WebhookOutcomeKind> = new Set(['accepted', 'duplicate', 'queued', 'processed']);

const replayNote = (outcome: WebhookDeliveryOutcome) =>
  outcome.replayOf === undefined ? '' : ` (a replay of ${outcome.replayOf})`;

/** Shared by every report that had nothing to wait for. */
const REPORTED: Promise<void> = Promise.resolve();

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function';

type OutcomeDetails = Omit<WebhookDeliveryOutcome, 'deliveryId' | 'sender' | 'receivedAt' | 'durationMs'>;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
/** `\u0000` in a JSON string, not preceded by an escaping backslash. */
const ESCAPED_NUL = /(?<!\\)(?:\\\\)*\\u0000/i;

/**
 * The pipeline after verification: read, validate, de-duplicate, dispatch, report. Kept out of
 * the controller so that users' own routes protected by the exported guards can run it too.
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger('Webhooks');
  private readonly segments = new Map<string, string[]>();

  constructor(
    private readonly registry: WebhooksRegistry,
    @Inject(WebhookIdempotencyStore) private readonly store: WebhookIdempotencyStore,
    @Optional() private readonly emitter?: EventEmitter2,
    @Optional() @Inject(WebhookQueue) private readonly queue?: WebhookQueue,
  ) {}

  /** A delivery to `sender` (and one of its tenants) arriving now. */
  begin(sender: string, tenant?: string): WebhookAttempt {
    return { id: randomUUID(), sender, tenant, receivedAt: new Date(), startedAt: performance.now() };
  }

  /**
   * The senders this module serves, in the order listed: each one's route id, its definition (DTO,
   * credential headers, events) and whether its credentials are looked up per tenant. For what an
   * app derives from them: API docs, a dashboard's filters.
   */
  servedSenders(): readonly WebhookServedSender[] {
    return this.registry.configured().map((id) => {
      const served = this.registry.get(id)!;
      return { id, definition: served.definition, perTenant: served.tenants !== undefined };
    });
  }

  /** The verified delivery a webhook guard left on this request, if one did. */
  deliveryOf(request: object): VerifiedDelivery | undefined {
    return (request as Record<symbol, VerifiedDelivery | undefined>)[WEBHOOK_DELIVERY];
  }

  async rejectVerification(attempt: WebhookAttempt, result: Rejected, headers?: HeaderBag): Promise<void> {
    await this.report(
      attempt,
      'rejected',
      {
        outcome: 'rejected',
        status: result.reason === 'unavailable' ? 500 : 401,
        reason: result.reason,
        message: result.message,
      },
      headers,
    );
  }

  /** The guards' 415 for an encoded body (see isIdentityEncoding), reported like any rejection. */
  async rejectEncoding(attempt: WebhookAttempt, headers?: HeaderBag): Promise<never> {
    const error = new WebhookUnsupportedEncodingException();
    const { message } = error.getResponse() as { message: string };
    await this.report(
      attempt,
      'rejected',
      { outcome: 'rejected', status: error.getStatus(), reason: error.reason, message },
      headers,
    );
    throw error;
  }

  /**
   * Everything after verification, in order: read, validate, name, de-duplicate, dispatch, report.
   * Resolves when the handlers are done, or rejects with a WebhookException.
   */
  process(delivery: VerifiedDelivery | undefined): Promise<void> {
    if (delivery === undefined) {
      return Promise.reject(
        new Error('nestjs-webhooks: process() needs a delivery verified by a webhook guard on this route'),
      );
    }
    const progress: Progress = {};
    // A then() rather than an async wrapper around run(): one promise fewer per delivery.
    return this.run(delivery, progress).then(undefined, (caught: unknown) =>
      this.fail(delivery, progress, caught),
    );
  }

  private async fail(delivery: VerifiedDelivery, progress: Progress, caught: unknown): Promise<never> {
    const error = caught instanceof WebhookException ? caught : this.storeFailure(delivery, caught);
    const kind: WebhookOutcomeKind =
      error instanceof WebhookHandlerException ||
      error instanceof WebhookStoreException ||
      error instanceof WebhookQueueException
        ? 'failed'
        : 'rejected';
    const body = error.getResponse() as { message: string | string[] };
    await this.report(
      delivery,
      kind,
      {
        outcome: kind,
        status: error.getStatus(),
        reason: error.reason,
        message: Array.isArray(body.message) ? body.message.join('; ') : body.message,
        event: progress.event,
        idempotencyKey: progress.idempotencyKey,
        rawBody: delivery.rawBody,
      },
      delivery.headers,
    );
    throw error;
  }

  /**
   * Anything else that throws here is the idempotency store (or a sender's own function) failing:
   * answered 500 so the sender retries, and reported like any other outcome.
   */
  private storeFailure(delivery: WebhookAttempt, error: unknown): WebhookException {
    const { message, trace } = describeError(error);
    this.logger.error(`Delivery ${delivery.id} could not be processed: ${message}`, trace);
    return new WebhookStoreException();
  }

  private async run(delivery: VerifiedDelivery, progress: Progress): Promise<void> {
    const sender = this.registry.get(delivery.sender);
    if (!sender) throw new Error(`nestjs-webhooks: sender "${delivery.sender}" is not configured`);
    const { definition } = sender;

    const payload = this.payloadOf(definition, delivery.headers, delivery.rawBody);

    const type =
      definition.eventType === 'route' ? delivery.routeEvent : definition.eventType(payload, delivery);
    if (typeof type !== 'string' || !EVENT_TYPE_PATTERN.test(type)) {
      throw new WebhookPayloadException('invalid-payload', `event type must be ${EVENT_TYPE_RULE}`);
    }
    const name = `${delivery.sender}.${type}`;
    progress.event = name;
    const parts = definition.idempotencyKey(payload, delivery);
    // Each tenant its own namespace: two accounts of one vendor may number their deliveries alike.
    const key = idempotencyKeyOf(
      delivery.sender,
      delivery.tenant === undefined ? parts : [delivery.tenant, ...parts],
    );
    progress.idempotencyKey = key;

    if (this.registry.processing === 'queue') return this.enqueue(delivery, name, type, key);

    const claim = await this.store.claim(key, delivery.id, this.registry.leaseMs);
    if (claim === 'processed') {
      await this.report(
        delivery,
        'duplicate',
        { outcome: 'duplicate', status: 200, event: name, idempotencyKey: key, rawBody: delivery.rawBody },
        delivery.headers,
      );
      return;
    }
    if (claim === 'in-flight') throw new WebhookInFlightException();

    const event: WebhookEvent = {
      id: delivery.id,
      sender: delivery.sender,
      tenant: delivery.tenant,
      name,
      type,
      payload,
      idempotencyKey: key,
      receivedAt: delivery.receivedAt,
      headers: this.redactHeaders(delivery.headers),
      rawBody: delivery.rawBody,
    };
    const dispatched = this.dispatch(`${WEBHOOK_EVENT_ROOT}.${name}`, event);
    // Not awaited when every handler was synchronous: each await is a turn of the microtask queue.
    const failures = Array.isArray(dispatched) ? dispatched : await dispatched;
    if (failures.length > 0) {
      await this.store.release(key, delivery.id);
      throw this.handlersFailed(name, delivery.id, failures);
    }
    await this.store.complete(key, delivery.id, this.registry.ttlFor(delivery.sender, name));
    // The event's headers, already redacted: the same object, not a second pass over them.
    await this.report(delivery, 'accepted', {
      outcome: 'accepted',
      status: 200,
      event: name,
      idempotencyKey: key,
      rawBody: delivery.rawBody,
      headers: event.headers,
    });
  }

  /**
   * Queue mode's end of the request path: the delivery handed to the queue, and 200 answered once
   * the queue holds it (a duplicate while the first is still queued, likewise). A queue that cannot
   * take it within `queueTimeoutMs` answers 500, so the sender retries.
   */
  private async enqueue(delivery: VerifiedDelivery, name: string, type: string, key: string): Promise<void> {
    const queue = this.queue;
    if (queue === undefined) {
      throw new Error(
        "nestjs-webhooks: processing is 'queue' but no WebhookQueue is provided (import WebhooksBullmqModule from 'nestjs-webhooks/bullmq')",
      );
    }
    const queued: QueuedWebhookDelivery = {
      id: delivery.id,
      sender: delivery.sender,
      ...(delivery.tenant === undefined ? {} : { tenant: delivery.tenant }),
      receivedAt: delivery.receivedAt.toISOString(),
      rawBody: delivery.rawBody.toString('base64'),
      headers: this.redactHeaders(delivery.headers),
      event: name,
      type,
      idempotencyKey: key,
      ...(delivery.routeEvent === undefined ? {} : { routeEvent: delivery.routeEvent }),
    };
    let result: Awaited<ReturnType<WebhookQueue['enqueue']>>;
    try {
      result = await withTimeout(queue.enqueue(queued), this.registry.queueTimeoutMs, 'the queue');
    } catch (error) {
      const { message, trace } = describeError(error);
      this.logger.error(`Delivery ${delivery.id} could not be queued: ${message}`, trace);
      throw new WebhookQueueException();
    }
    await this.report(delivery, result === 'queued' ? 'queued' : 'duplicate', {
      outcome: result === 'queued' ? 'queued' : 'duplicate',
      status: 200,
      event: name,
      idempotencyKey: key,
      rawBody: delivery.rawBody,
      headers: queued.headers,
    });
  }

  /**
   * A worker's attempt at a queued delivery: the payload read and validated again from the bytes,
   * the key claimed, the handlers run, the key completed, as the inline path does. Resolves with
   * what happened; rejects with a WebhookHandlerException when a handler failed (the key released,
   * so the queue's next attempt runs them again), with a WebhookInFlightException while another
   * worker holds the key, and with a WebhookPayloadException when the bytes no longer pass the DTO
   * (no attempt can change that). `attempt` counts from 1; the last failing one is reported dead.
   */
  async handleQueued(
    queued: QueuedWebhookDelivery,
    attempt: { readonly attempt: number; readonly attempts: number },
  ): Promise<WebhookHandledResult> {
    const sender = this.registry.get(queued.sender);
    const attemptInfo: WebhookAttempt = {
      id: queued.id,
      sender: queued.sender,
      tenant: queued.tenant,
      receivedAt: new Date(queued.receivedAt),
      startedAt: performance.now(),
    };
    const rawBody = Buffer.from(queued.rawBody, 'base64');
    const details = {
      event: queued.event,
      idempotencyKey: queued.idempotencyKey,
      rawBody,
      // Redacted when the delivery was queued.
      headers: queued.headers,
      ...attempt,
      ...(queued.replayOf === undefined ? {} : { replayOf: queued.replayOf }),
    };
    const last = attempt.attempt >= attempt.attempts;
    try {
      if (!sender) throw new Error(`nestjs-webhooks: sender "${queued.sender}" is not configured`);
      const payload = this.payloadOf(sender.definition, queued.headers, rawBody);
      const replay = queued.replayOf !== undefined;
      const owner = queued.id;
      const claim = await this.store.claim(queued.idempotencyKey, owner, this.registry.leaseMs);
      if (claim === 'in-flight') throw new WebhookInFlightException();
      // A replay of a processed delivery runs again on purpose, and leaves the mark as it is; a
      // replay of a dead one (its key released) holds the key and marks it like any delivery.
      if (claim === 'processed' && !replay) {
        await this.report(attemptInfo, 'duplicate', { outcome: 'duplicate', status: 200, ...details });
        return 'duplicate';
      }
      const holdsKey = claim === 'claimed';
      const event: WebhookEvent = {
        id: queued.id,
        sender: queued.sender,
        tenant: queued.tenant,
        name: queued.event,
        type: queued.type,
        payload,
        idempotencyKey: queued.idempotencyKey,
        receivedAt: attemptInfo.receivedAt,
        headers: queued.headers,
        rawBody,
      };
      const dispatched = this.dispatch(`${WEBHOOK_EVENT_ROOT}.${queued.event}`, event);
      const failures = Array.isArray(dispatched) ? dispatched : await dispatched;
      if (failures.length > 0) {
        if (holdsKey) await this.store.release(queued.idempotencyKey, owner);
        throw this.handlersFailed(queued.event, queued.id, failures);
      }
      if (holdsKey) {
        await this.store.complete(
          queued.idempotencyKey,
          owner,
          this.registry.ttlFor(queued.sender, queued.event),
        );
      }
      await this.report(attemptInfo, 'processed', { outcome: 'processed', status: 200, ...details });
      return replay ? 'replayed' : 'processed';
    } catch (caught) {
      const error = caught instanceof WebhookException ? caught : this.storeFailure(attemptInfo, caught);
      const dead = last || error instanceof WebhookPayloadException;
      const body = error.getResponse() as { message: string | string[] };
      await this.report(attemptInfo, dead ? 'dead' : 'retrying', {
        outcome: dead ? 'dead' : 'retrying',
        status: error.getStatus(),
        reason: error.reason,
        message: Array.isArray(body.message) ? body.message.join('; ') : body.message,
        ...details,
      });
      throw error;
    }
  }

  /** The validated payload, from the headers where the sender sends it so, else the JSON body; 400 otherwise. */
  private payloadOf(definition: WebhookSender, headers: HeaderBag, rawBody: Buffer): object {
    const plain = definition.fromHeaders?.(headers) ?? this.parseJson(rawBody);
    const validated = validatePayload(definition.dto, plain);
    if (!validated.ok) throw new WebhookPayloadException('invalid-payload', validated.errors);
    return validated.value;
  }

  /** Logs each failure, bounded (a handler's error may quote the payload: see describeError), for the 500. */
  private handlersFailed(
    name: string,
    deliveryId: string,
    failures: readonly unknown[],
  ): WebhookHandlerException {
    for (const failure of failures) {
      const { message, trace } = describeError(failure);
      this.logger.error(`Handler for ${name} (delivery ${deliveryId}) failed: ${message}`, trace);
    }
    return new WebhookHandlerException();
  }

  /** Headers as handlers and outcomes see them, credentials redacted (see WebhooksRegistry.redactedHeaders). */
  redactHeaders(headers: HeaderBag): Record<string, string> {
    return redactHeaders(headers, this.registry.redactedHeaders);
  }

  private parseJson(rawBody: Buffer): unknown {
    let text: string;
    try {
      text = utf8.decode(rawBody);
    } catch {
      throw new WebhookPayloadException('invalid-body', 'Body is not valid UTF-8');
    }
    let parsed: unknown;
    try {
      // Integers beyond 2^53 arrive as strings of their exact digits rather than rounded.
      parsed = parseJsonExact(text);
    } catch {
      throw new WebhookPayloadException('invalid-body', 'Body is not valid JSON');
    }
    // No vendor sends U+0000, and most stores (PostgreSQL text and jsonb among them) cannot hold
    // it: a 400 now beats a handler's 500 on every retry. Raw NUL bytes are already invalid JSON.
    // The plain search first: it is far cheaper than the regex, which it spares almost every body.
    if (text.includes('\\u0000') && ESCAPED_NUL.test(text)) {
      throw new WebhookPayloadException('invalid-body', 'Body contains U+0000, which is refused');
    }
    // Likewise an unpaired surrogate: jsonb refuses it, and text silently stores U+FFFD instead,
    // so what was signed is not what is kept. Named by its path, since the sender must fix it.
    const surrogate = findLoneSurrogate(text, parsed);
    if (surrogate !== undefined) {
      throw new WebhookPayloadException(
        'invalid-body',
        `${surrogate} holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), which is refused`,
      );
    }
    return parsed;
  }

  /**
   * Runs every matching handler and waits for all of them, even when one fails early
   * (EventEmitter2's emitAsync would settle at the first rejection, with others still running).
   * The failures, at once when no handler returned a promise, else once all have settled.
   */
  private dispatch(eventName: string, event: WebhookEvent): readonly unknown[] | Promise<readonly unknown[]> {
    const listeners = this.listenersOf(eventName);
    if (listeners.length === 0) return NO_FAILURES;
    let failures: unknown[] | undefined;
    let pending: PromiseLike<unknown>[] | undefined;
    // All started before any is awaited, as emit would; a synchronous throw is a failure like any.
    for (const listener of listeners) {
      try {
        const result = (listener as (e: WebhookEvent) => unknown).call(this.emitter, event);
        if (isThenable(result)) (pending ??= []).push(result);
      } catch (error) {
        (failures ??= []).push(error);
      }
    }
    if (pending === undefined) return failures ?? NO_FAILURES;
    // One pending handler and no failure yet (the usual case): no allSettled, no closure.
    if (pending.length === 1 && failures === undefined) {
      return Promise.resolve(pending[0]).then(noFailures, oneFailure);
    }
    return Promise.allSettled(pending).then((results) => {
      const all = failures ?? [];
      for (const result of results) if (result.status === 'rejected') all.push(result.reason);
      return all;
    });
  }

  /**
   * The emitter's current listeners, looked up on every call (handlers may be added at any time).
   * A wildcard emitter splits each name on every lookup; it takes the segments as an array too,
   * so they are split once per name (a bounded cache: names come from verified payloads).
   */
  private listenersOf(name: string): ReturnType<EventEmitter2['listeners']> {
    const emitter = this.emitter;
    if (!emitter) return [];
    const { wildcard, delimiter = '.' } = emitter as { wildcard?: boolean; delimiter?: string };
    if (!wildcard) return emitter.listeners(name);
    let segments = this.segments.get(name);
    if (segments === undefined) {
      if (this.segments.size >= MAX_CACHED_NAMES) this.segments.clear();
      segments = name.split(delimiter);
      this.segments.set(name, segments);
    }
    return emitter.listeners(segments);
  }

  /**
   * Logs the outcome and emits it; a failing outcome listener never changes the reply. `rawHeaders`,
   * the request's as received, go out redacted, and only when someone listens (per delivery);
   * headers already redacted (an event's, a queued delivery's) go in `details.headers` as they are.
   */
  report(
    attempt: WebhookAttempt,
    kind: WebhookOutcomeKind,
    details: OutcomeDetails,
    rawHeaders?: HeaderBag,
  ): Promise<void> {
    const routine = ROUTINE.has(kind);
    const listeners = this.listenersOf(`${WEBHOOK_OUTCOME_ROOT}.${kind}`);
    // Per delivery: with nothing to log and nobody listening, the outcome is not even built.
    if (listeners.length === 0 && routine && !Logger.isLevelEnabled('debug')) return REPORTED;
    const outcome: WebhookDeliveryOutcome = {
      deliveryId: attempt.id,
      sender: attempt.sender,
      tenant: attempt.tenant,
      receivedAt: attempt.receivedAt,
      durationMs: Math.round((performance.now() - attempt.startedAt) * 1000) / 1000,
      ...details,
      ...(rawHeaders === undefined || listeners.length === 0
        ? {}
        : { headers: this.redactHeaders(rawHeaders) }),
    };
    this.log(outcome);
    if (listeners.length === 0) return REPORTED;
    return Promise.allSettled(
      listeners.map(async (listener) => (listener as (o: WebhookDeliveryOutcome) => unknown)(outcome)),
    ).then((results) => {
      for (const result of results) {
        if (result.status === 'rejected') {
          const { message, trace } = describeError(result.reason);
          this.logger.error(
            `An outcome listener failed for delivery ${outcome.deliveryId}: ${message}`,
            trace,
          );
        }
      }
    });
  }

  /**
   * Accepted and duplicate deliveries are routine, so they log at debug (the outcome events are
   * the audit trail), and their line is only built when debug is on: this runs per delivery.
   */
  private log(outcome: WebhookDeliveryOutcome): void {
    const routine = ROUTINE.has(outcome.outcome);
    if (routine && !Logger.isLevelEnabled('debug')) return;
    const what = `${outcome.sender} ${outcome.event ?? ''} delivery ${outcome.deliveryId}`.replace('  ', ' ');
    const tail = `-> ${outcome.status} in ${outcome.durationMs} ms`;
    switch (outcome.outcome) {
      case 'accepted':
        this.logger.debug(`Accepted ${what} ${tail}`);
        break;
      case 'duplicate':
        this.logger.debug(`Duplicate ${what} (${outcome.idempotencyKey}) ${tail}`);
        break;
      case 'rejected':
        this.logger.warn(`Rejected ${what}: ${outcome.reason}: ${outcome.message} ${tail}`);
        break;
      case 'failed':
        this.logger.error(`Failed ${what}: ${outcome.message} ${tail}`);
        break;
      case 'queued':
        this.logger.debug(`Queued ${what} (${outcome.idempotencyKey}) ${tail}`);
        break;
      case 'processed':
        this.logger.debug(
          `Processed ${what}${replayNote(outcome)} on attempt ${outcome.attempt} in ${outcome.durationMs} ms`,
        );
        break;
      case 'retrying':
        this.logger.warn(
          `Retrying ${what}${replayNote(outcome)}: attempt ${outcome.attempt} of ${outcome.attempts} failed: ${outcome.reason}: ${outcome.message}`,
        );
        break;
      case 'dead':
        this.logger.error(
          `Dead ${what}${replayNote(outcome)} after attempt ${outcome.attempt} of ${outcome.attempts}: ${outcome.reason}: ${outcome.message}; kept for a replay`,
        );
        break;
    }
  }
}

// Runs for every delivery on headersDistinct (a dictionary of one-element arrays): for...in and
// no join for a single value make it about three times cheaper than entries() and join().
export function redactHeaders(headers: HeaderBag, redacted: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (redacted.has(lower)) out[lower] = REDACTED;
    else if (typeof value === 'string') out[lower] = value;
    else out[lower] = value.length === 1 ? value[0] : value.join(', ');
  }
  return out;
}
