import type { LoggerService } from '@nestjs/common';
import { inspect } from 'node:util';

/** Where a captured string came from: reported with each leak. */
export type Channel = 'response' | 'log' | 'stdio' | 'outcome' | 'event' | 'api' | 'db';

/** Everything observable from outside the process, as text, per channel. */
export class Corpus {
  private readonly texts = new Map<Channel, string[]>();

  add(channel: Channel, value: unknown): void {
    const list = this.texts.get(channel) ?? [];
    list.push(render(value));
    this.texts.set(channel, list);
  }

  entries(channel: Channel): readonly string[] {
    return this.texts.get(channel) ?? [];
  }

  size(channel: Channel): number {
    return this.entries(channel).length;
  }

  *all(): Iterable<[Channel, string]> {
    for (const [channel, list] of this.texts) for (const text of list) yield [channel, text];
  }
}

/**
 * Text of anything captured: Buffers as their UTF-8 text, errors with their stack and cause,
 * objects deeply (non-enumerable and symbol keys included, via util.inspect) and as JSON.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Error) {
    return `${value.name}: ${value.message}\n${value.stack ?? ''}\n${inspect(value, { depth: 6, showHidden: true })}`;
  }
  let json = '';
  try {
    json = JSON.stringify(value, (_key, v: unknown) => {
      if (
        v &&
        typeof v === 'object' &&
        (v as { type?: string }).type === 'Buffer' &&
        Array.isArray((v as { data?: unknown }).data)
      ) {
        return Buffer.from((v as { data: number[] }).data).toString('utf8');
      }
      return typeof v === 'bigint' ? v.toString() : v;
    });
  } catch {
    // circular: inspect below covers it
  }
  return `${json}\n${inspect(value, { depth: 8, showHidden: true, maxArrayLength: 1000, maxStringLength: Infinity, breakLength: Infinity })}`;
}

/** Records every level, with every argument (context, stack, objects), into the corpus. */
export class CapturingLogger implements LoggerService {
  constructor(private readonly corpus: Corpus) {}

  private record(level: string, message: unknown, rest: unknown[]): void {
    this.corpus.add('log', `${level} ${render(message)} ${rest.map(render).join(' ')}`);
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.record('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.record('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.record('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.record('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.record('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.record('fatal', message, rest);
  }
}

/**
 * Copies whatever reaches stdout, stderr and the console into the corpus (still passing it on),
 * for output that bypasses the Nest logger. Returns the function that undoes it.
 */
export function teeStdio(corpus: Corpus): () => void {
  const restore: (() => void)[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      corpus.add('stdio', typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array));
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof stream.write;
    restore.push(() => (stream.write = original));
  }
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  for (const method of methods) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      corpus.add('stdio', args.map(render).join(' '));
      original.apply(console, args);
    };
    restore.push(() => (console[method] = original));
  }
  return () => restore.forEach((undo) => undo());
}

export interface Forbidden {
  readonly label: string;
  readonly value: string;
  /** Hex is matched in any case. */
  readonly anyCase?: boolean;
}

/** Every forbidden value found anywhere in the corpus, with the channel and some context. */
export function findLeaks(corpus: Corpus, forbidden: readonly Forbidden[]): string[] {
  const leaks: string[] = [];
  const wanted = forbidden.filter((f) => f.value.length >= 8);
  for (const [channel, text] of corpus.all()) {
    const lower = text.toLowerCase();
    for (const f of wanted) {
      const at = f.anyCase ? lower.indexOf(f.value.toLowerCase()) : text.indexOf(f.value);
      if (at !== -1) {
        const context = text.slice(Math.max(0, at - 80), at + f.value.length + 40).replace(/\s+/g, ' ');
        leaks.push(`${f.label} in ${channel}: …${context}…`);
      }
    }
  }
  return [...new Set(leaks)];
}
