export * from './certificall.dto.js';
export { MAX_IDENTIFIER_LENGTH } from './identifier.js';
export * from './illow.dto.js';
export * from './inkit.dto.js';
export * from './ovcode.dto.js';
export * from './oxskyt.dto.js';
export * from './validate.js';
