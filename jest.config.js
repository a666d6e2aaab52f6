// @ts-check
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];

// scripts/test.sh runs jest in parallel lanes (test/runner/lanes.ts), each in band with its own
// Asterisk, carrier and network namespace.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 60_000,
  slowTestThreshold: 30,
};
