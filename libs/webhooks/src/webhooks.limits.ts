import { WebhookConfigurationError } from './schemes/scheme.errors.js';

/** A bounded option: a positive integer, or the default when unset; fails at startup naming the option. */
export function positiveInteger(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new WebhookConfigurationError(option, 'must be a positive integer');
  }
  return value;
}

/** A dependency that did not answer in time: the caller answers for it (500, so the sender retries). */
export class WebhookTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'WebhookTimeoutError';
  }
}

/**
 * `promise`, or a WebhookTimeoutError once `ms` have passed; `onTimeout` then runs too (to abort
 * the call, where it takes a signal). Every dependency call of the library goes through it.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  onTimeout?: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new WebhookTimeoutError(what, ms));
      onTimeout?.();
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
