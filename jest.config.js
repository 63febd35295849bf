/**
 * Two projects: unit tests (everything outside the process stubbed or captured) and integration
 * tests (*.itg.ts, real local clusters, each setting its own longer timeouts). ESM throughout:
 * the Kubernetes client is ESM-only. scripts/test.sh runs them one after the other, each with
 * its own coverage, so a file only integration reaches shows 0 % in the unit figures.
 */
const shared = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] }
}

export default {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['**/*.test.ts'] },
    { ...shared, displayName: 'integration', testMatch: ['**/*.itg.ts'] }
  ],
  // Integration files slowest first, so that the two workers of scripts/test.sh finish together.
  testSequencer: '<rootDir>/__tests__/helpers/slowest-first.mjs',
  // Every file of src/, imported by a test or not.
  collectCoverageFrom: ['src/**/*.ts', '!src/**/index.ts'],
  coverageReporters: ['text-summary', 'json-summary'],
  coverageDirectory: 'coverage',
  testTimeout: 20000,
  // The Azure storage client used by @actions/artifact keeps sockets that no API closes;
  // without this the run would wait on them after the last test.
  forceExit: true
}
