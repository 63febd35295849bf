/**
 * Runs the integration files slowest first, so that two workers finish together: the longest
 * file starting last would leave one worker idle for most of the run. Jest orders by the
 * durations it cached, but CI starts from a clean clone with no cache, where it orders by file
 * size, which says little about how long a file's clusters take. The figures are the seconds
 * each file took in CI on this machine (2 cores, two files at a time); a file not listed goes
 * first.
 */
import Sequencer from '@jest/test-sequencer'
import { basename } from 'node:path'

const SECONDS = {
  'kind-multinode.itg.ts': 639,
  'kind.itg.ts': 591,
  'broken-manifests.itg.ts': 409,
  'kubelet-node.itg.ts': 300,
  'faults.itg.ts': 236,
  'verify-local.itg.ts': 180,
  'act.itg.ts': 157,
  'action.itg.ts': 130,
  'data-availability.itg.ts': 134,
  'providers.itg.ts': 116,
  'local-cluster.itg.ts': 67,
  'interrupt.itg.ts': 52,
  'artifact-upload.itg.ts': 5
}

export default class SlowestFirst extends Sequencer {
  sort(tests) {
    const seconds = (test) => SECONDS[basename(test.path)] ?? Infinity
    return [...tests].sort((a, b) => seconds(b) - seconds(a))
  }
}
