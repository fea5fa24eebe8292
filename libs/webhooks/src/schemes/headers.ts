import { rejected, type HeaderBag, type Rejected } from './scheme.types.js';

/**
 * Longest header value a scheme will look at. The longest legitimate one is an RSA-4096
 * signature in base64 (684 chars); anything far beyond is hostile and is refused before any
 * decoding or hashing work is spent on it.
 */
export const MAX_HEADER_LENGTH = 4096;

export type HeaderRead =
  | { readonly kind: 'absent' }
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'invalid'; readonly why: 'repeated' | 'too long' };

/**
 * Reads one header by name, case-insensitively. A header sent twice is refused rather than
 * joined: Node joins unknown repeated headers with ", ", which would otherwise turn two
 * signatures into one malformed one, or let a forged copy ride next to a genuine one.
 */
export function readHeader(headers: HeaderBag, name: string): HeaderRead {
  const wanted = name.toLowerCase();
  let found: string | readonly string[] | undefined = headers[wanted];
  if (found === undefined) {
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === wanted) {
        found = headers[key];
        break;
      }
    }
  }
  if (found === undefined) return { kind: 'absent' };
  if (Array.isArray(found)) {
    if (found.length === 0) return { kind: 'absent' };
    if (found.length > 1) return { kind: 'invalid', why: 'repeated' };
    found = found[0] as string;
  }
  const value = (found as string).trim();
  if (value.length > MAX_HEADER_LENGTH) return { kind: 'invalid', why: 'too long' };
  if (value === '') return { kind: 'absent' };
  return { kind: 'value', value };
}

/** Reads the header's value, or gives the rejection every scheme gives when it is absent or abusive. */
export type RequiredHeader = (headers: HeaderBag) => string | Rejected;

/**
 * A reader for one header, prepared when the verifier is built: it runs for every delivery, so
 * the lower-cased name and the rejections (the same each time) are made once, not per call.
 */
export function requiredHeader(name: string): RequiredHeader {
  const wanted = name.toLowerCase();
  const missing = Object.freeze(rejected('missing', `${name} header is missing`));
  const repeated = Object.freeze(rejected('malformed', `${name} header is repeated`));
  const tooLong = Object.freeze(rejected('malformed', `${name} header is too long`));
  return (headers) => {
    // Node's names are already lower case; the full read only for a bag built some other way.
    let found = headers[wanted];
    if (found === undefined) {
      const read = readHeader(headers, wanted);
      if (read.kind === 'value') return read.value;
      return read.kind === 'absent' ? missing : read.why === 'repeated' ? repeated : tooLong;
    }
    if (typeof found !== 'string') {
      if (found.length !== 1) return found.length === 0 ? missing : repeated;
      found = found[0] as string;
    }
    const value = found.trim();
    if (value.length > MAX_HEADER_LENGTH) return tooLong;
    return value === '' ? missing : value;
  };
}
