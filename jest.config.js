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
  // A suite whose set-up fails can leave its in-process Switchboard half-started (ARI reconnect
  // timers, SIP sockets): the run must still end with its verdict instead of hanging until CI's
  // time limit. Each suite closes what it opened; this only bounds the damage of one that couldn't.
  forceExit: true,
};
