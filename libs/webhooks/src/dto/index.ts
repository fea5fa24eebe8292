export { MAX_IDENTIFIER_LENGTH, IsBoundedIdentifier } from './identifier.js';
export * from './validate.js';
