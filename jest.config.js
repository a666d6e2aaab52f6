// @ts-check
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];

// One run, in band: the Asterisk-backed suites share one Asterisk and its config directory.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // ari-client keeps swagger objects on the global scope; jest's soft delete of them only warns.
  testEnvironmentOptions: { globalsCleanup: 'off' },
  transform: { '^.+\\.ts$': swc },
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 60_000,
  slowTestThreshold: 30,
  // The run must end with its verdict, not hang until CI's time limit, when something an
  // in-process Switchboard or a SIP helper opened outlives its suite (seen after the full run,
  // not found in any suite alone). Each suite still closes what it opened.
  forceExit: true,
};
