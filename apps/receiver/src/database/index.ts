export * from './database.js';
export * from './database.errors.js';
export * from './database.module.js';
export * from './records.js';
export * from './records.repository.js';
export * from './schema.js';
