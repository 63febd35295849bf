/**
 * Data and service through every disruption, on the real local cluster: the ways manifests lose
 * data or service, and how the verdict says so. (That the reference manifests keep every
 * acknowledged write through failover, full restart and rolling upgrade is proven by their runs in
 * verify-local.itg.ts.) The tests share one cluster, each run in a namespace of its own (the
 * existing provider): these verdicts do not depend on a fresh cluster.
 */
import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { verify } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import type { Report } from '../src/engine/report.js'
import {
  canRunLocalCluster,
  recordingLogger,
  editedManifests,
  useSharedCluster
} from './helpers/local-cluster.js'

const run = canRunLocalCluster() ? describe : describe.skip
const MIN = 60_000

run('data and availability on the local cluster', () => {
  const cluster = useSharedCluster('itg-data')

  async function verifyOn(raw: Record<string, string>): Promise<Report> {
    const dir = mkdtempSync(join(tmpdir(), 'itg-report-'))
    try {
      const report = await verify(
        parseOptions({
          provider: 'existing',
          kubeconfig: cluster.kubeconfig,
          'report-dir': dir,
          ...raw
        }),
        recordingLogger()
      )
      // What report.json says is what the run returned.
      expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).verdict).toBe(
        report.verdict
      )
      return report
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  // The article's manifests losing every document in a full restart: on the real kind (kind.itg.ts).

  it(
    'a real loss: an index without replicas whose primaries sat on the killed pod stops the failover at the first red',
    async () => {
      const report = await verifyOn({
        manifests: 'manifests/article-three-node',
        'seed-replicas': '0'
      })
      expect(report.verdict).toBe('failed')
      expect(report.error?.message).toMatch(
        /^The cluster went red during failover-1 \(max-red is 0s, so any red fails\)/
      )
      expect(report.disruptions[0].availability!.health.redMs).toBeGreaterThan(0)
    },
    4 * MIN
  )

  it(
    'a StatefulSet with updateStrategy OnDelete never rolls out: the rolling upgrade says so',
    async () => {
      const manifests = editedManifests('manifests/elasticsearch', [
        [
          '  podManagementPolicy: Parallel',
          '  podManagementPolicy: Parallel\n  updateStrategy:\n    type: OnDelete'
        ]
      ])
      try {
        const report = await verifyOn({
          manifests,
          scenario: 'rolling-upgrade'
        })
        expect(report.verdict).toBe('failed')
        expect(report.error?.phase).toBe('rolling-upgrade')
        expect(report.error?.message).toMatch(
          /updateStrategy OnDelete: the controller never replaces a running pod/
        )
      } finally {
        rmSync(manifests, { recursive: true, force: true })
      }
    },
    4 * MIN
  )

  it(
    'two master-eligible nodes with the data path off the volume: the verdict quotes the election requirement and says why it never heals',
    async () => {
      const manifests = editedManifests('manifests/article-three-node', [
        ['replicas: 3', 'replicas: 2'],
        [
          /es-cluster-0\.es-cluster,es-cluster-1\.es-cluster,es-cluster-2\.es-cluster/g,
          'es-cluster-0.es-cluster,es-cluster-1.es-cluster'
        ]
      ])
      try {
        const report = await verifyOn({
          manifests,
          'failover-timeout': '30s'
        })
        expect(report.verdict).toBe('failed')
        expect(report.error?.phase).toBe('failover-1')
        expect(report.error?.message).toMatch(
          /says: ".*an election requires a node with id \[[\w-]+\]/
        )
        expect(report.error?.message).toMatch(
          /The voting configuration still needs es-cluster-\d's old node ID [\w-]+.*so this election can never succeed/
        )
        expect(report.error?.message).toMatch(
          /Preflight predicted it: \[even-masters\] 2 master-eligible nodes/
        )
      } finally {
        rmSync(manifests, { recursive: true, force: true })
      }
    },
    4 * MIN
  )
})
