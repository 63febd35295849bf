/**
 * The verifier end to end against the real local cluster: upstream control plane, kubelet,
 * containerd and CoreDNS, and real Elasticsearch and OpenSearch nodes in images built here. The
 * reference manifests of each family, through every disruption; each run starts and removes its
 * own cluster through the local provider.
 */
import { describe, expect, it, beforeAll } from '@jest/globals'
import { existsSync, readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { verify } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import type { Report } from '../src/engine/report.js'
import { junitSchemaErrors } from './helpers/junit-schema.js'
import {
  canRunLocalCluster,
  groundTruth,
  recordingLogger,
  editedManifests,
  LOCAL_CLUSTER,
  CLUSTERS_ROOT,
  expectOwnBootstrapOnUpstreamNode
} from './helpers/local-cluster.js'

const run = canRunLocalCluster() ? describe : describe.skip
if (!canRunLocalCluster())
  console.warn(
    'Integration tests skipped: the local cluster needs root, iproute2 and `npx tsc` output (scripts/setup.sh).'
  )

const reportDir = (): string => mkdtempSync(join(tmpdir(), 'itg-report-'))
const MIN = 60_000

function expectNothingLeft(clusterName: string): void {
  expect(existsSync(join(CLUSTERS_ROOT, clusterName))).toBe(false)
}

/** Every disruption lost no acknowledged write, and the data check read every one back. */
function expectEveryWriteKept(report: Report): void {
  for (const d of report.disruptions) {
    expect(d.availability!.writes.attempted).toBeGreaterThan(0)
    expect(d.availability!.writes.lost).toBe(0)
    // A full restart is a total outage until the cluster re-forms, and its checks stop at
    // green: it may end with no write acknowledged. Failover and rolling upgrade keep serving
    // throughout, and never go red.
    if (d.scenario !== 'restart') {
      expect(d.availability!.writes.acked).toBeGreaterThan(0)
      expect(d.availability!.health.redMs).toBe(0)
    }
  }
  // The restart came back as the same cluster.
  const restart = report.disruptions.find((d) => d.scenario === 'restart')!
  expect(restart.clusterUuidAfter).toBe(report.clusterUuid)
  expect(report.data).toMatchObject({ lost: 0, lostIds: [] })
  expect(report.data!.acked).toBeGreaterThan(report.data!.seeded)
  expect(report.data!.checksumAfter).toBe(report.data!.checksum)
}

/**
 * The reference manifests of `engine` through failover, full restart and a rolling upgrade from a
 * smaller heap, on a cluster of their own; the base manifests' copy is removed after.
 */
async function verifyThroughEveryDisruption(
  engine: 'elasticsearch' | 'opensearch',
  options: Record<string, string>,
  logger = recordingLogger()
): Promise<{ report: Report; dir: string }> {
  const dir = reportDir()
  const base = editedManifests(`manifests/${engine}`, [['-Xms512m -Xmx512m', '-Xms384m -Xmx384m']])
  try {
    const report = await verify(
      parseOptions({
        provider: 'local',
        manifests: `manifests/${engine}`,
        scenario: 'failover,restart,rolling-upgrade',
        'base-manifests': base,
        'report-dir': dir,
        ...options
      }),
      logger
    )
    return { report, dir }
  } finally {
    rmSync(base, { recursive: true, force: true })
  }
}

run('verify on the local cluster', () => {
  beforeAll(() => {
    process.env.ES_K8S_VERIFY_LOCAL_CLUSTER = LOCAL_CLUSTER
  })

  // The reference manifests of each family run once, through every disruption: the verdict, the
  // upstream node that ran them, the verifier's observations against the ground truth, and the
  // data. (Each run forms three JVMs several times over; one run proves all of it.)
  it(
    'the reference Elasticsearch manifests pass on the upstream node, agree with what really happened, and keep every acknowledged write through failover, restart and a rolling upgrade from another heap',
    async () => {
      const logger = recordingLogger()
      const { report, dir } = await verifyThroughEveryDisruption(
        'elasticsearch',
        { 'cluster-name': 'itg-es' },
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
      expectEveryWriteKept(report)
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

  it(
    'the reference OpenSearch manifests pass on the upstream node with force kills over two rounds, and keep every acknowledged write through them, a restart and a rolling upgrade',
    async () => {
      const { report, dir } = await verifyThroughEveryDisruption('opensearch', {
        'kill-mode': 'force',
        rounds: '2',
        'cluster-name': 'itg-os'
      })
      expect(report.error?.message).toBeUndefined()
      expect(report.verdict).toBe('passed')
      expect(report.engine).toMatchObject({ distribution: 'opensearch', version: '2.19.6' })
      const log = expectOwnBootstrapOnUpstreamNode(dir, 'os-cluster-0')
      expect(log).toContain(
        'opensearchproject/opensearch:2.19.1 was not built here; this container runs opensearch 2.19.6, the nearest build of major 2'
      )
      expect(report.rounds.map((r) => r.killMode)).toEqual(['force', 'force'])
      expect(report.phases.filter((p) => p.status === 'passed').map((p) => p.name)).toEqual([
        'lint',
        'provision',
        'apply',
        'form',
        'seed',
        'failover-1',
        'rejoin-1',
        'failover-2',
        'rejoin-2',
        'restart',
        'reform',
        'rolling-upgrade',
        'check-data'
      ])
      expectEveryWriteKept(report)
      expectNothingLeft('itg-os')
    },
    8 * MIN
  )
})
