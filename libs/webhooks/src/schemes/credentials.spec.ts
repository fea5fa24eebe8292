import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  bodyMatcher,
  compactJson,
  DEFAULT_JSON_FALLBACK_LIMIT,
  isCompactJson,
  jsonFallbackLimit,
  type Digester,
} from './credentials.js';
import { WebhookConfigurationError } from './scheme.errors.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const sha256: Digester = (message) => createHash('sha256').update(message).digest();

/** A digester that counts its calls: one per candidate message tried. */
function spy(): { digester: Digester; calls: Buffer[] } {
  const calls: Buffer[] = [];
  return {
    calls,
    digester: (message) => {
      calls.push(Buffer.from(message));
      return sha256(message);
    },
  };
}

/** A body of about `size` bytes, pretty-printed or compact, holding what a report holds. */
function report(size: number, pretty: boolean): string {
  const item = (i: number) => ({ id: `item-${i}`, score: 0.25, n: i, ok: true, note: 'caf\u00e9 / "q"' });
  const make = (count: number) =>
    JSON.stringify(
      { id: 'rep_1', items: Array.from({ length: count }, (_, i) => item(i)) },
      null,
      pretty ? 2 : undefined,
    );
  const perItem = make(2).length - make(1).length;
  let count = Math.ceil(size / perItem);
  while (make(count).length < size) count++;
  return make(count);
}

describe('isCompactJson', () => {
  it.each([
    '{"a":1}',
    '[]',
    '{"a":[1,-2,0,0.5,-0.25,123456789012345,0.000001,1.5,100],"b":true,"c":null,"d":"x"}',
    '{"s":"quote \\" backslash \\\\ controls \\b\\f\\n\\r\\t","t":"caf\u00e9 \ud83d\ude00 / ok"}',
    '"just a string"',
    '42',
  ])('says %s is its own compact form', (text) => {
    expect(isCompactJson(bytes(text))).toBe(true);
    expect(compactJson(bytes(text))).toBeUndefined();
  });

  it.each([
    ['a space between tokens', '{"a": 1}'],
    ['a newline', '{"a":1}\n'],
    ['a tab', '[1,\t2]'],
    ['a carriage return', '[1,\r2]'],
    ['an escaped slash', '{"u":"a\\/b"}'],
    ['a \\u escape', '{"e":"caf\\u00e9"}'],
    ['an escaped surrogate pair', '{"e":"\\ud83d\\ude00"}'],
    ['a trailing fraction zero', '[1.50]'],
    ['a zero fraction', '[1.0]'],
    ['an exponent', '[1e3]'],
    ['an upper-case exponent', '[1E3]'],
    ['minus zero', '[-0]'],
    ['a value under 1e-6', '[0.0000001]'],
    ['16 significant digits', '[1234567890123456]'],
    ['a long decimal', '[0.1234567890123456]'],
  ])('says a body with %s may re-serialize differently', (_what, text) => {
    expect(isCompactJson(bytes(text))).toBe(false);
  });

  it('never calls a body compact that JSON.stringify would write otherwise (generated)', () => {
    // Re-spellings a sender's serializer may produce: whitespace, escapes, other number forms.
    const respell = (value: unknown, rng: () => number): string => {
      const space = () => (rng() < 0.2 ? ' ' : '');
      if (typeof value === 'number') {
        const forms = [String(value), value.toExponential(), value.toPrecision(17), `${value}.0`];
        const form = forms[Math.floor(rng() * forms.length)]!;
        return Number.isFinite(Number(form)) && Number(form) === value ? form : String(value);
      }
      if (typeof value === 'string') {
        let out = '"';
        for (const char of value) {
          const code = char.codePointAt(0)!;
          if (rng() < 0.2 && code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
          else if (char === '/' && rng() < 0.5) out += '\\/';
          else out += JSON.stringify(char).slice(1, -1);
        }
        return `${out}"`;
      }
      if (Array.isArray(value)) return `[${space()}${value.map((v) => respell(v, rng)).join(`,${space()}`)}]`;
      if (value !== null && typeof value === 'object') {
        const members = Object.entries(value).map(
          ([k, v]) => `${respell(k, rng)}:${space()}${respell(v, rng)}`,
        );
        return `{${members.join(`,${space()}`)}}`;
      }
      return JSON.stringify(value);
    };
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        let state = seed >>> 0 || 1;
        const rng = () => (state = (state * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32;
        const text = respell(value, rng);
        if (isCompactJson(bytes(text))) expect(JSON.stringify(JSON.parse(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('calls the JSON.stringify form of ordinary values compact (so the fallback is spared)', () => {
    // Numbers of up to 15 significant digits, as JavaScript writes them without an exponent.
    const ordinary = (value: unknown): unknown => {
      if (typeof value === 'number') return Math.abs(value) < 1e12 ? Math.round(value * 100) / 100 : 42;
      if (Array.isArray(value)) return value.map(ordinary);
      if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, ordinary(v)]));
      }
      return value;
    };
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
        const text = JSON.stringify(ordinary(value));
        // Control characters are the one thing JSON.stringify writes as \u escapes.
        if (!text.includes('\\u')) expect(isCompactJson(bytes(text))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a 1 MiB body in one pass, without decoding it', () => {
    const text = report(1024 * 1024, false);
    expect(isCompactJson(bytes(text))).toBe(true);
  });
});

describe('bodyMatcher with the JSON fallback', () => {
  const match = bodyMatcher({ jsonFallback: true });
  const signed = (text: string) => sha256(bytes(text));

  it('tries the fallback, and accepts, for a re-spaced body under the limit', () => {
    const pretty = report(20_000, true);
    const { digester, calls } = spy();
    const result = match([digester], bytes(pretty), signed(JSON.stringify(JSON.parse(pretty))));
    expect(result).toEqual({ ok: true, viaFallback: true });
    expect(calls.map((call) => call.length)).toEqual([bytes(pretty).length, expect.any(Number)]);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('does not parse a forged body that is already compact', () => {
    const compact = report(200_000, false);
    const parse = jest.spyOn(JSON, 'parse');
    const { digester, calls } = spy();
    expect(match([digester], bytes(compact), signed('{"other":1}'))).toMatchObject({ reason: 'mismatch' });
    expect(parse).not.toHaveBeenCalled();
    expect(calls).toHaveLength(1);
  });

  it('does not try the fallback for a compact body, even where only it would have matched', () => {
    // A duplicate key: the one difference the byte scan cannot see, and no serializer writes.
    const text = '{"a":1,"a":2}';
    const { digester, calls } = spy();
    expect(match([digester], bytes(text), signed('{"a":2}'))).toMatchObject({ reason: 'mismatch' });
    expect(calls).toHaveLength(1);
  });

  it('does not try the fallback beyond the limit, and refuses there what only it would accept', () => {
    const pretty = report(DEFAULT_JSON_FALLBACK_LIMIT + 1, true);
    expect(bytes(pretty).length).toBeGreaterThan(DEFAULT_JSON_FALLBACK_LIMIT);
    const signature = signed(JSON.stringify(JSON.parse(pretty)));
    const parse = jest.spyOn(JSON, 'parse');
    const { digester, calls } = spy();
    expect(match([digester], bytes(pretty), signature)).toMatchObject({ reason: 'mismatch' });
    expect(parse).not.toHaveBeenCalled();
    expect(calls).toHaveLength(1);
    parse.mockRestore();
    // The same body is accepted where the limit allows it.
    const generous = bodyMatcher({ jsonFallback: true, fallbackLimit: 2 * DEFAULT_JSON_FALLBACK_LIMIT });
    expect(generous([sha256], bytes(pretty), signature)).toEqual({ ok: true, viaFallback: true });
  });

  it('takes the limit inclusively, and 0 turns the fallback off', () => {
    const pretty = '{ "a": 1 }';
    const signature = signed('{"a":1}');
    const at = bodyMatcher({ jsonFallback: true, fallbackLimit: bytes(pretty).length });
    expect(at([sha256], bytes(pretty), signature)).toMatchObject({ ok: true, viaFallback: true });
    const below = bodyMatcher({ jsonFallback: true, fallbackLimit: bytes(pretty).length - 1 });
    expect(below([sha256], bytes(pretty), signature)).toMatchObject({ reason: 'mismatch' });
    const off = bodyMatcher({ jsonFallback: true, fallbackLimit: 0 });
    expect(off([sha256], bytes(pretty), signature)).toMatchObject({ reason: 'mismatch' });
  });

  it('still matches the raw bytes of any size first', () => {
    const pretty = report(DEFAULT_JSON_FALLBACK_LIMIT * 2, true);
    expect(match([sha256], bytes(pretty), signed(pretty))).toEqual({ ok: true });
  });
});

describe('jsonFallbackLimit', () => {
  it('defaults to 256 KiB and takes any byte count, 0 included', () => {
    expect(DEFAULT_JSON_FALLBACK_LIMIT).toBe(256 * 1024);
    expect(jsonFallbackLimit('x.jsonFallbackLimit', undefined)).toBe(DEFAULT_JSON_FALLBACK_LIMIT);
    expect(jsonFallbackLimit('x.jsonFallbackLimit', 0)).toBe(0);
    expect(jsonFallbackLimit('x.jsonFallbackLimit', 2 ** 20)).toBe(2 ** 20);
  });

  it.each([[-1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY], ['1024']])(
    'refuses %p naming the option',
    (value) => {
      const read = () => jsonFallbackLimit('oxskyt.jsonFallbackLimit', value as number);
      expect(read).toThrow(WebhookConfigurationError);
      expect(read).toThrow('"oxskyt.jsonFallbackLimit"');
    },
  );
});
