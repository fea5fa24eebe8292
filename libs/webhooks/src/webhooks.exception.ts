import { HttpException, HttpStatus } from '@nestjs/common';
import type { Rejected } from './schemes/index.js';
import type { WebhookOutcomeReason } from './webhooks.event.js';

/**
 * Every refusal of the pipeline carries its outcome reason, so the outcome event and the log
 * line say why without parsing messages. Bodies follow Nest's `{ statusCode, error, message }`.
 */
export class WebhookException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly reason: WebhookOutcomeReason,
    message: string | string[],
  ) {
    const error = STATUS_TEXT[status] ?? 'Error';
    super({ statusCode: status, error, message, reason }, status);
  }
}

const STATUS_TEXT: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

/** 401 for anything the sender got wrong; 500 when the check itself cannot run here. */
export class WebhookVerificationException extends WebhookException {
  constructor(result: Rejected) {
    super(
      result.reason === 'unavailable' ? HttpStatus.INTERNAL_SERVER_ERROR : HttpStatus.UNAUTHORIZED,
      result.reason,
      result.message,
    );
  }
}

/** 400: signed, but not a JSON object where one is due, or not the documented shape. */
export class WebhookPayloadException extends WebhookException {
  constructor(reason: 'invalid-body' | 'invalid-payload', message: string | string[]) {
    super(HttpStatus.BAD_REQUEST, reason, message);
  }
}

/** 409: the same delivery is being processed right now; the sender should retry later. */
export class WebhookInFlightException extends WebhookException {
  constructor() {
    super(HttpStatus.CONFLICT, 'in-flight', 'This delivery is already being processed; retry later');
  }
}

/** 500: a handler threw. The delivery stays unprocessed, so the sender's retry runs it again. */
export class WebhookHandlerException extends WebhookException {
  constructor() {
    super(
      HttpStatus.INTERNAL_SERVER_ERROR,
      'handler-error',
      'A webhook handler failed; the delivery was not marked processed',
    );
  }
}

export class WebhookPayloadTooLargeException extends WebhookException {
  constructor(limit: number) {
    super(HttpStatus.PAYLOAD_TOO_LARGE, 'too-large', `Body exceeds the limit of ${limit} bytes`);
  }
}

/**
 * 415: the body arrives with a Content-Encoding (gzip, deflate...). No vendor documents
 * compression, and a signature covers the bytes as sent, so it is refused before any work.
 */
export class WebhookUnsupportedEncodingException extends WebhookException {
  constructor() {
    super(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'unsupported-encoding',
      'Content-Encoding is not supported: send the body as is (identity)',
    );
  }
}

/** 500: the idempotency store failed; nothing was marked, so the sender's retry is processed. */
export class WebhookStoreException extends WebhookException {
  constructor() {
    super(
      HttpStatus.INTERNAL_SERVER_ERROR,
      'store-unavailable',
      'The delivery could not be processed right now; retry later',
    );
  }
}

/** 500: the queue did not take the delivery (queue mode); nothing was queued, so the sender's retry is. */
export class WebhookQueueException extends WebhookException {
  constructor() {
    super(
      HttpStatus.INTERNAL_SERVER_ERROR,
      'queue-unavailable',
      'The delivery could not be queued right now; retry later',
    );
  }
}
