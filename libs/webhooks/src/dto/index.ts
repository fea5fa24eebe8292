export * from './certificall.dto.js';
export * from './illow.dto.js';
export * from './inkit.dto.js';
export * from './ovcode.dto.js';
export * from './oxskyt.dto.js';
export * from './validate.js';
