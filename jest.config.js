/** Unit tests: ESM (the Kubernetes client is ESM-only), everything outside the process mocked. */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts', '**/*.itg.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  collectCoverageFrom: ['src/**/*.ts', '!src/**/index.ts'],
  coverageReporters: ['text-summary', 'text', 'json-summary'],
  coverageDirectory: 'coverage',
  // Integration tests (*.itg.ts) run whole clusters; each sets its own longer timeouts.
  testTimeout: 20000,
  // The Azure storage client used by @actions/artifact keeps sockets that no API closes;
  // without this the run would wait on them after the last test.
  forceExit: true
}
