/**
 * The verifier end to end against the real local cluster: upstream control plane, kubelet,
 * containerd and CoreDNS, and real Elasticsearch nodes in images built here: the reference manifests
 * through every disruption, against the cluster's own ground truth. (OpenSearch's reference run is
 * on the real kind, kind-multinode.itg.ts; OpenSearch 3.9 on the local cluster, kubelet-node.itg.ts.)
 */
import { describe, expect, it, beforeAll } from '@jest/globals'
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { verify } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import { junitSchemaErrors } from './helpers/junit-schema.js'
import {
  canRunLocalCluster,
  groundTruth,
  recordingLogger,
  LOCAL_CLUSTER,
  CLUSTERS_ROOT,
  expectOwnBootstrapOnUpstreamNode
} from './helpers/local-cluster.js'

const run = canRunLocalCluster() ? describe : describe.skip
if (!canRunLocalCluster())
  console.warn(
    'Integration tests skipped: the local cluster needs root, iproute2 and `npx tsc` output (scripts/setup.sh).'
  )

const MIN = 60_000

function expectNothingLeft(clusterName: string): void {
  expect(existsSync(join(CLUSTERS_ROOT, clusterName))).toBe(false)
}

run('verify on the local cluster', () => {
  beforeAll(() => {
    process.env.ES_K8S_VERIFY_LOCAL_CLUSTER = LOCAL_CLUSTER
  })

  // The reference manifests through a failover on the local cluster, whose ground truth tells
  // what really happened: the verdict, the upstream node that ran them, the verifier's
  // observations against that truth, and the data. (Restart and rolling upgrade of the same
  // manifests run on the real kind, kind.itg.ts.)
  it(
    'the reference Elasticsearch manifests pass a failover on the upstream node, agree with what really happened, and keep every acknowledged write',
    async () => {
      const logger = recordingLogger()
      const dir = mkdtempSync(join(tmpdir(), 'itg-report-'))
      const report = await verify(
        parseOptions({
          provider: 'local',
          'cluster-name': 'itg-es',
          manifests: 'manifests/elasticsearch',
          scenario: 'failover',
          'report-dir': dir
        }),
        logger
      )
      expect(report.error?.message).toBeUndefined()
      expect(report.verdict).toBe('passed')
      expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).verdict).toBe('passed')
      // It watched: pod events from the API server and the engines' own lines woke its waits.
      expect(logger.lines.join('\n')).toMatch(
        /debug cluster changes seen: [1-9]\d* pod events \([1-9]\d* watches\), [1-9]\d* engine lines \([1-9]\d* logs followed\)/
      )
      expect(report.engine).toMatchObject({ distribution: 'elasticsearch', version: '9.5.3' })
      // The manifests ask for 9.1.0; the local cluster runs its nearest build of 9: the
      // container's first line and the run say so.
      expect(report.warnings.join('\n')).toMatch(
        /The image asks for elasticsearch 9\.1\.0 \(docker\.elastic\.co\/elasticsearch\/elasticsearch:9\.1\.0\), but the nodes run 9\.5\.3/
      )
      const log = expectOwnBootstrapOnUpstreamNode(dir, 'es-cluster-0')
      expect(log).toContain(
        'docker.elastic.co/elasticsearch/elasticsearch:9.1.0 was not built here; this container runs elasticsearch 9.5.3, the nearest build of major 9'
      )
      // Its own bootstrap, on Java 21's foreign function API, checks enforced (it binds a pod address).
      expect(log).toContain('Using [jdk] native provider and native methods for [Linux]')
      const failover = report.disruptions[0].availability!
      expect(failover.writes.acked).toBeGreaterThan(0)
      expect(failover.writes.lost).toBe(0)
      expect(failover.health.redMs).toBe(0)
      expect(report.data).toMatchObject({ lost: 0, lostIds: [] })
      expect(report.data!.checksumAfter).toBe(report.data!.checksum)
      expect(report.rounds).toHaveLength(1)
      const round = report.rounds[0]
      expect(round.masterAfter!.nodeId).not.toBe(round.masterBefore.nodeId)
      expect(round.nodeIdPersisted).toBe(true)
      // Artifacts on the passing path too.
      for (const f of [
        'report.json',
        'timeline.json',
        'junit.xml',
        'events.txt',
        'objects/pods.yaml',
        'objects/nodes.yaml',
        'provider/ground-truth.jsonl'
      ])
        expect(existsSync(join(dir, f))).toBe(true)
      expect(readdirSync(join(dir, 'pods'))).toEqual([
        'es-cluster-0',
        'es-cluster-1',
        'es-cluster-2'
      ])
      expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(
        /<testcase [^>]*name="Kill the elected master"/
      )
      expect(await junitSchemaErrors(readFileSync(join(dir, 'junit.xml'), 'utf8'))).toEqual([])
      // Ground truth of the failover: the node the survivors' own logs say they elected is the
      // one reported, and the verifier did not claim it before it happened.
      const timeline = JSON.parse(readFileSync(join(dir, 'timeline.json'), 'utf8')) as {
        phase: string
        event: string
        at: number
      }[]
      const failoverEnd = timeline.find(
        (e) => e.phase === 'failover-1' && e.event === 'phase-passed'
      )!.at
      const truth = groundTruth(dir)
      const killed = truth.find(
        (e) => e.event === 'process-exited' && e.pod === round.masterBefore.pod
      )!
      const elected = truth.filter(
        (e) =>
          e.event === 'master-changed' &&
          e.ts >= killed.ts - 2000 &&
          e.ts <= failoverEnd &&
          (e.detail as { master: string }).master
      )
      expect(elected.length).toBeGreaterThan(0)
      expect((elected[elected.length - 1].detail as { master: string }).master).toBe(
        round.masterAfter!.node
      )
      const seenNewMaster = timeline.find((e) => e.event === 'new-master')!.at
      const lastSurvivorChange = Math.max(
        ...elected.filter((e) => e.pod !== round.masterBefore.pod).map((e) => e.ts)
      )
      expect(seenNewMaster).toBeGreaterThanOrEqual(lastSurvivorChange - 50)
      expectNothingLeft('itg-es')
    },
    8 * MIN
  )
})
