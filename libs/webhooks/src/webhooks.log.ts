/**
 * What the library logs of an error it did not make (a handler's, an outcome listener's, the
 * store's). Such messages may embed the payload: a database driver's error quotes the query's
 * parameters, so one failed insert of a 900 KB body made a 900 KB log line, twice per retry, and
 * put the sender's data in the logs. So only the start of each message is kept, the `cause`
 * chain likewise, and the stack's frames without the message it starts with.
 */

/** Enough for a driver's error to say what failed (its query's first words, a constraint name). */
export const MAX_MESSAGE_LOGGED = 300;
const MAX_NAME_LOGGED = 100;
const MAX_CAUSES = 3;
const MAX_FRAMES = 10;
const MAX_FRAME_LENGTH = 200;
const FRAME = /^\s+at /;

export interface LoggedError {
  /** The message's start, for the log line itself. */
  readonly message: string;
  /** The name and message's start, each cause's, then the stack frames: Nest's "trace" argument. */
  readonly trace: string;
}

/** The first `max` characters, never cutting through a surrogate pair. */
function head(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/g;
const escapeControl = (char: string) =>
  char === '\n' ? '\\n' : `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;

/**
 * At most `max` characters on one line: a message's line breaks are escaped, so text from a
 * payload cannot start log lines of its own (a forged frame, a forged entry).
 */
function bounded(text: string, max: number): string {
  const cut = head(text, max);
  const escaped = cut.replace(CONTROL, escapeControl);
  const shown = head(escaped, max);
  return cut === text && shown === escaped ? shown : `${shown}... (${text.length} characters)`;
}

/** Reading a thrown value may itself throw (a getter, a toString): never here. */
function read<T>(get: () => T, fallback: T): T {
  try {
    return get();
  } catch {
    return fallback;
  }
}

function headline(value: unknown): { name: string; message: string } {
  if (value instanceof Error) {
    return {
      name: bounded(
        read(() => String(value.name), 'Error'),
        MAX_NAME_LOGGED,
      ),
      message: read(() => String(value.message), ''),
    };
  }
  return { name: 'Thrown', message: read(() => String(value), '[unprintable]') };
}

/**
 * The stack's frames only. V8 starts a stack with "name: message" as they were at construction,
 * so that prefix is cut when it is there; otherwise the frames are taken from the end, where they
 * are, stopping at the first line that is not one (a message may hold lines that look like frames
 * only before them).
 */
function framesOf(error: Error, name: string, message: string): string[] {
  const stack = read(() => error.stack, undefined);
  if (typeof stack !== 'string') return [];
  const header = message === '' ? name : `${name}: ${message}`;
  const body = stack.startsWith(header) ? stack.slice(header.length) : stack;
  const lines = body.split('\n');
  const frames: string[] = [];
  for (let at = lines.length - 1; at >= 0 && FRAME.test(lines[at]!); at--) frames.push(lines[at]!);
  frames.reverse();
  const kept = frames.slice(0, MAX_FRAMES).map((line) => bounded(line, MAX_FRAME_LENGTH));
  if (frames.length > MAX_FRAMES) kept.push(`    ... ${frames.length - MAX_FRAMES} more frames`);
  return kept;
}

/** A thrown value, bounded for a log line: a few KB at most, whatever it carried. */
export function describeError(thrown: unknown): LoggedError {
  const { name, message } = headline(thrown);
  const lines = [`${name}: ${bounded(message, MAX_MESSAGE_LOGGED)}`];
  if (thrown instanceof Error) lines.push(...framesOf(thrown, name, message));
  let cause = thrown instanceof Error ? read(() => thrown.cause, undefined) : undefined;
  for (let depth = 0; cause !== undefined && cause !== null; depth++) {
    if (depth === MAX_CAUSES) {
      lines.push('[cause] ... (more causes left out)');
      break;
    }
    const next = headline(cause);
    lines.push(`[cause] ${next.name}: ${bounded(next.message, MAX_MESSAGE_LOGGED)}`);
    const current: unknown = cause;
    cause = current instanceof Error ? read(() => current.cause, undefined) : undefined;
  }
  return { message: bounded(message, MAX_MESSAGE_LOGGED), trace: lines.join('\n') };
}
