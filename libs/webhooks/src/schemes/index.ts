export * from './scheme.types.js';
export * from './scheme.errors.js';
export { readHeader, requiredHeader, MAX_HEADER_LENGTH, type HeaderRead } from './headers.js';
export { DEFAULT_JSON_FALLBACK_LIMIT } from './credentials.js';
export { timestampCheck, DEFAULT_TIMESTAMP_TOLERANCE_SECONDS, type TimestampOptions } from './timestamp.js';
