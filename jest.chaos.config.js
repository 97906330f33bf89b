/** `npm run test:chaos`: the end-to-end chaos suite on the local stack's real processes (not part of `npm test`). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/chaos'],
  testMatch: ['**/*.chaos.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: { '^iamport-sandbox$': '<rootDir>/packages/iamport-sandbox/src/index.ts' },
  // The suite runs several billing cycles while processes are killed and restarted; it bounds its own phases.
  testTimeout: 20 * 60_000,
  maxWorkers: 1,
  globalSetup: '<rootDir>/test/global-setup.js',
  reporters: ['default', '<rootDir>/test/reporters/summary-line.js'],
  verbose: true,
};
