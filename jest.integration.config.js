/** Integration tests: against the real local cluster (upstream control plane, real engines). */
import base from './jest.config.js'
export default {
  ...base,
  testMatch: ['**/*.itg.ts'],
  collectCoverage: false,
  testTimeout: 15 * 60 * 1000
}
