// The core layers of src/: they know the feature contract (src/core/feature.ts), never a feature.
// Every other folder of src/ is a feature. Read by .dependency-cruiser.cjs and the registry test.
module.exports = {
  CORE_LAYERS: [
    'apply',
    'asterisk',
    'audit',
    'auth',
    'calldata',
    'cli',
    'core',
    'db',
    'destinations',
    'http',
    'jobs',
    'lib',
    'ops',
    'render',
    'web',
  ],
};
