import { describe, expect, it } from '@jest/globals';
import { describeError, MAX_MESSAGE_LOGGED } from './webhooks.log.js';

const PAYLOAD = 'p'.repeat(900_000);

/** What a database driver throws: the query's parameters in the message, the server's error as the cause. */
function driverError(): Error {
  const cause = Object.assign(new Error(`invalid input syntax: ${PAYLOAD}`), { name: 'DatabaseError' });
  const error = new Error(`Failed query: insert into "records" values ($1)\nparams: ${PAYLOAD}`, { cause });
  error.name = 'DrizzleQueryError';
  return error;
}

describe('describeError', () => {
  it('keeps a few KB of an error whose message and cause carry a 900 KB payload', () => {
    const { message, trace } = describeError(driverError());
    expect(message.length).toBeLessThan(MAX_MESSAGE_LOGGED + 40);
    expect(message.startsWith('Failed query: insert into "records" values ($1)')).toBe(true);
    expect(message).toMatch(
      /^Failed query: insert into "records" values \(\$1\)\\nparams: p+\.\.\. \(\d{6} characters\)$/,
    );
    expect(trace.length).toBeLessThan(4_000);
    const lines = trace.split('\n');
    expect(lines[0]!.startsWith('DrizzleQueryError: Failed query:')).toBe(true);
    expect(lines.some((line) => line.startsWith('    at '))).toBe(true);
    expect(lines.at(-1)!.startsWith('[cause] DatabaseError: invalid input syntax: ppp')).toBe(true);
  });

  it('leaves a short error whole, with its frames', () => {
    const error = new TypeError('x is not a function');
    const { message, trace } = describeError(error);
    expect(message).toBe('x is not a function');
    expect(trace.split('\n')[0]).toBe('TypeError: x is not a function');
    expect(trace).toContain('webhooks.log.spec');
  });

  it('takes the frames from the stack without the message it starts with, even a multi-line one', () => {
    const error = new Error(`line one\n    at fake (payload.js:1:1)\n${'q'.repeat(10_000)}`);
    const { message, trace } = describeError(error);
    // The message stays on its line: text from a payload cannot pass for a frame or a log entry.
    expect(message.startsWith('line one\\n    at fake (payload.js:1:1)\\nqqq')).toBe(true);
    expect(trace.split('\n').filter((line) => line.includes('fake'))).toEqual([
      expect.stringMatching(/^Error: line one\\n {4}at fake/),
    ]);
    expect(trace).toContain('webhooks.log.spec');
    expect(trace.length).toBeLessThan(4_000);
  });

  it('bounds the frames of a stack it cannot match, taking only frame lines from its end', () => {
    const error = new Error('short');
    error.stack = `something else\n${'r'.repeat(50_000)}\n${'    at f (x.js:1:1)\n'.repeat(500)}    at last (y.js:2:2)`;
    const { trace } = describeError(error);
    expect(trace).not.toContain('rrrr');
    expect(trace).toContain('more frames');
    expect(trace.length).toBeLessThan(4_000);
  });

  it('follows at most three causes, and stops at a cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const { trace } = describeError(b);
    expect(trace.split('\n').filter((line) => line.startsWith('[cause]'))).toEqual([
      '[cause] Error: a',
      '[cause] Error: b',
      '[cause] Error: a',
      '[cause] ... (more causes left out)',
    ]);
  });

  it('describes what is not an Error, a huge string included, and never throws', () => {
    expect(describeError(PAYLOAD).message.length).toBeLessThan(MAX_MESSAGE_LOGGED + 40);
    expect(describeError(42)).toEqual({ message: '42', trace: 'Thrown: 42' });
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };
    expect(describeError(hostile)).toEqual({ message: '[unprintable]', trace: 'Thrown: [unprintable]' });
    const getter = new Error('m');
    Object.defineProperty(getter, 'stack', {
      get() {
        throw new Error('no stack');
      },
    });
    expect(describeError(getter).message).toBe('m');
  });

  it('does not cut through a surrogate pair', () => {
    const message = `${'a'.repeat(MAX_MESSAGE_LOGGED - 1)}😀${'b'.repeat(10)}`;
    const { message: logged } = describeError(new Error(message));
    expect(logged.startsWith('a'.repeat(MAX_MESSAGE_LOGGED - 1) + '...')).toBe(true);
    expect((logged as string & { isWellFormed(): boolean }).isWellFormed()).toBe(true);
  });
});
