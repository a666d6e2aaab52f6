// The layering rules of docs/architecture.md, checked by `npm test` (scripts/test.sh).
// Core layers know the feature contract (src/core/feature.ts), never a feature; features reach
// each other only through the other feature's index.ts; nothing imports in a circle.
const { CORE_LAYERS } = require('./scripts/layers.cjs');
const CORE = `(${CORE_LAYERS.join('|')})`;
const FEATURE = `^src/(?!${CORE}/)[^/]+/`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: the modules cannot be understood, tested or loaded one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-no-feature',
      severity: 'error',
      comment: 'A core layer (or config/deps) imports a feature: compose through src/features.ts instead.',
      from: { path: [`^src/${CORE}/`, '^src/(config|deps)\\.ts$'], pathNot: '^src/cli/' },
      to: { path: FEATURE },
    },
    {
      name: 'feature-through-index',
      severity: 'error',
      comment: "A feature imports another feature's internals: import from that feature's index.ts.",
      from: { path: '^src/([^/]+)/', pathNot: `^src/${CORE}/` },
      to: { path: FEATURE, pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['\\.test\\.ts$', '^test/', '^bench/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Types merged into DesiredState by `declare module` are not imports of render/state's users.
    detectProcessBuiltinModuleCalls: false,
  },
};
