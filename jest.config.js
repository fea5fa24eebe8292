// Native ESM Jest: swc strips types and emits legacy decorators with metadata,
// and the `.js` suffixes that NodeNext requires are mapped back to the sources.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2023',
          keepClassNames: true,
        },
        module: { type: 'es6' },
      },
    ],
  },
  moduleNameMapper: {
    '^nestjs-webhooks$': '<rootDir>/libs/webhooks/src/index.ts',
    '^nestjs-webhooks/testing$': '<rootDir>/libs/webhooks/src/testing/index.ts',
    '^nestjs-webhooks/bullmq$': '<rootDir>/libs/webhooks/src/bullmq/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30000,
  // The default report, then a closing list of what was skipped and what would run it.
  reporters: ['default', ['<rootDir>/test/support/skip-reporter.mjs', {}]],
};
