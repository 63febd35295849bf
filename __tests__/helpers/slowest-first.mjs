/**
 * Runs the integration files slowest first, so that two workers finish together: the longest
 * file starting last would leave one worker idle for most of the run. Jest orders by the
 * durations it cached, but CI starts from a clean clone with no cache, where it orders by file
 * size, which says little about how long a file's clusters take. The figures are the seconds
 * each file took in CI on this machine (2 cores, two files at a time; the kind and act files
 * estimated from runs by hand); a file not listed goes first.
 */
import Sequencer from '@jest/test-sequencer'
import { basename } from 'node:path'

const SECONDS = {
  'kind-multinode.itg.ts': 800,
  'kind.itg.ts': 700,
  'broken-manifests.itg.ts': 311,
  'verify-local.itg.ts': 300,
  'kubelet-node.itg.ts': 215,
  'act.itg.ts': 200,
  'faults.itg.ts': 191,
  'action.itg.ts': 140,
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
