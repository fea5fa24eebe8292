import { WebhookConfigurationError } from './scheme.errors.js';
import { rejected, type Rejected } from './scheme.types.js';

/** Stripe's default, and the Standard Webhooks specification's: five minutes either way. */
export const DEFAULT_TIMESTAMP_TOLERANCE_SECONDS = 300;

/** How a signed timestamp is checked against this server's clock. */
export interface TimestampOptions {
  /**
   * Largest distance, in seconds, between the signed timestamp and now, in either direction; a
   * delivery beyond it is refused 401 with the reason `timestamp`. Default 300 (5 minutes).
   */
  tolerance?: number;
  /** Now, in ms since the epoch. Default `Date.now`; set it to check recorded deliveries or test vectors. */
  clock?: () => number;
}

/** Unix seconds as vendors write them: digits only, no sign, no fraction, at most 12 of them. */
const UNIX_SECONDS = /^\d{1,12}$/;

/**
 * A check of a signed Unix timestamp, prepared once per verifier: `undefined` when it is within the
 * tolerance, else the rejection. Checked before the signature: a replayed old delivery costs no
 * HMAC, and its reason (`timestamp`, not `mismatch`) tells the operator a clock or a replay is at
 * fault, not the secret. Messages never show the server's time.
 */
export function timestampCheck(
  option: string,
  header: string,
  { tolerance = DEFAULT_TIMESTAMP_TOLERANCE_SECONDS, clock = Date.now }: TimestampOptions = {},
): (value: string) => Rejected | undefined {
  if (!Number.isSafeInteger(tolerance) || tolerance <= 0) {
    throw new WebhookConfigurationError(`${option}.tolerance`, 'must be a positive whole number of seconds');
  }
  if (typeof clock !== 'function') {
    throw new WebhookConfigurationError(`${option}.clock`, 'must be a function returning ms since the epoch');
  }
  const malformed = Object.freeze(rejected('malformed', `${header} timestamp must be Unix seconds`));
  const tooOld = Object.freeze(
    rejected('timestamp', `${header} timestamp is older than the ${tolerance} s tolerance`),
  );
  const tooNew = Object.freeze(
    rejected('timestamp', `${header} timestamp is more than ${tolerance} s in the future`),
  );
  return (value) => {
    if (!UNIX_SECONDS.test(value)) return malformed;
    const distance = Math.floor(clock() / 1000) - Number(value);
    if (distance > tolerance) return tooOld;
    if (distance < -tolerance) return tooNew;
    return undefined;
  };
}
