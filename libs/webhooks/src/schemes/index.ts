export * from './scheme.types.js';
export * from './scheme.errors.js';
export { readHeader, MAX_HEADER_LENGTH, type HeaderRead } from './headers.js';
export { DEFAULT_JSON_FALLBACK_LIMIT } from './credentials.js';
export * from './oxskyt.scheme.js';
export * from './inkit.scheme.js';
export * from './ovcode.scheme.js';
export * from './certificall.scheme.js';
export * from './illow.scheme.js';
