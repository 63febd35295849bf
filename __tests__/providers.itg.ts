/**
 * The verifier through the minikube provider, with the local cluster's stand-in for minikube's
 * commands first on PATH (minikube itself cannot run here: see the README). The kind provider
 * runs the real kind instead: kind.itg.ts and kind-multinode.itg.ts.
 */
import { describe, expect, it, beforeAll } from '@jest/globals'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { verify } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import {
  canRunLocalCluster,
  recordingLogger,
  LOCAL_CLUSTER,
  CLUSTERS_ROOT
} from './helpers/local-cluster.js'

const run = canRunLocalCluster() ? describe : describe.skip
const reportDir = (): string => mkdtempSync(join(tmpdir(), 'itg-report-'))
const MIN = 60_000

function expectNothingLeft(clusterName: string): void {
  expect(existsSync(join(CLUSTERS_ROOT, clusterName))).toBe(false)
}

run('verify through the minikube provider (its stand-in first on PATH)', () => {
  beforeAll(() => {
    process.env.ES_K8S_VERIFY_LOCAL_CLUSTER = LOCAL_CLUSTER
    process.env.PATH = `${resolve('local-cluster/bin')}:${process.env.PATH}`
  })

  it(
    'minikube: reads vm.max_map_count in the node, and fails when persistent identity is required but lost',
    async () => {
      const logger = recordingLogger()
      const report = await verify(
        parseOptions({
          provider: 'minikube',
          manifests: 'manifests/article-three-node',
          'require-persistent-identity': 'true',
          'report-dir': reportDir(),
          'cluster-name': 'itg-minikube'
        }),
        logger
      )
      // The node's kernel is this machine's, whose value is already enough (the raise is unit-tested).
      expect(logger.lines.join('\n')).toMatch(
        /vm\.max_map_count in the minikube node is (already \d+|\d+; raising it to 262144)/
      )
      expect(report.verdict).toBe('failed')
      expect(report.error?.phase).toBe('rejoin-1')
      expect(report.error?.message).toMatch(
        /rejoined with a new node ID .*not on a persistent volume/
      )
      expectNothingLeft('itg-minikube')
    },
    5 * MIN
  )
})
