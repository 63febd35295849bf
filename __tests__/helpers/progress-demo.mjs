// Drives the CLI's logger as a wait does (compiled by tsc into lib/), for the terminal test.
import { ConsoleLogger } from '../../lib/src/cli/console-logger.js'
import { LiveStatus } from '../../lib/src/cli/live-status.js'

const live = process.stdout.isTTY ? new LiveStatus(process.stdout) : undefined
const logger = new ConsoleLogger(
  false,
  process.argv.includes('--quiet'),
  undefined,
  undefined,
  live
)
const sleep = (ms) => new Promise((r) => globalThis.setTimeout(r, ms))
await logger.group('Form: green with 3 nodes', async () => {
  logger.progress('waiting 1s for green: pods 1/3 Ready')
  await sleep(350)
  logger.progress('waiting 2s for green: pods 2/3 Ready')
  await sleep(350)
  logger.result('✓ Form: green with 3 nodes (0.7s)')
})
