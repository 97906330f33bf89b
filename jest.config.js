/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // the sandbox package's own tests run in the same `npm test`
  roots: ['<rootDir>/test', '<rootDir>/packages/iamport-sandbox/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  // tests use the package's TypeScript sources, not its compiled entry (lib/index.js)
  moduleNameMapper: { '^iamport-sandbox$': '<rootDir>/packages/iamport-sandbox/src/index.ts' },
  // Temporal servers and workers take seconds to start; suites share one machine's two cores.
  testTimeout: 120_000,
  maxWorkers: 1,
  globalSetup: '<rootDir>/test/global-setup.js',
  setupFiles: ['<rootDir>/test/setup.ts'],
  reporters: ['default', '<rootDir>/test/reporters/summary-line.js'],
  verbose: true,
};
