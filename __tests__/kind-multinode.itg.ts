/**
 * The real kind, second file (the two run side by side): OpenSearch's reference manifests, a
 * kind cluster of one control plane and three workers running kind's own CNI (kindnetd, built
 * from kind's source), and the bundled action's whole lifecycle on kind, post included.
 */
import { describe, expect, it, beforeAll } from '@jest/globals'
import { spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { verify } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import { recordingLogger, expectOwnBootstrapOnUpstreamNode } from './helpers/local-cluster.js'
import { expectEveryWriteKept, verifyThroughEveryDisruption } from './helpers/disruptions.js'
import { readCommandFile, runStep, stepEnv } from './helpers/runner.js'
import {
  realKind,
  kindOptions,
  kindClusters,
  expectNothingOfKindLeft,
  expectKindNode,
  type RealKind
} from './helpers/kind.js'

const MIN = 60_000

interface KubeObject {
  metadata: { name: string }
  spec?: { nodeName?: string }
}

/** The objects of a report's `objects/<kind>.yaml` (one YAML document each). */
function objects(dir: string, kind: string): KubeObject[] {
  return parseAllDocuments(readFileSync(join(dir, 'objects', `${kind}.yaml`), 'utf8')).map(
    (d) => d.toJS() as KubeObject
  )
}

describe('verify on the real kind: OpenSearch, several nodes, the action', () => {
  let real: RealKind
  beforeAll(() => {
    real = realKind()
  })

  // The OpenSearch reference run of the suite: on kind, where users run it (the local cluster runs
  // OpenSearch 3.9 in kubelet-node.itg.ts).
  it(
    'the reference OpenSearch manifests pass on kind with force kills over two rounds, and keep every acknowledged write through them, a restart and a rolling upgrade',
    async () => {
      const { report, dir } = await verifyThroughEveryDisruption('opensearch', {
        ...kindOptions(real, 'itg-kind-os'),
        'kill-mode': 'force',
        rounds: '2'
      })
      expect(report.error?.message).toBeUndefined()
      expect(report.verdict).toBe('passed')
      expect(report.provider).toBe('kind')
      expect(report.engine).toMatchObject({ distribution: 'opensearch', version: '2.19.6' })
      expectKindNode(dir, 'itg-kind-os')
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
      expectNothingOfKindLeft('itg-kind-os')
    },
    15 * MIN
  )

  it(
    'on kind with a control plane and three workers, every Elasticsearch pod runs on a different worker and the cluster survives losing its master',
    async () => {
      const work = mkdtempSync(join(tmpdir(), 'kind-config-'))
      const config = join(work, 'kind.yaml')
      writeFileSync(
        config,
        [
          'kind: Cluster',
          'apiVersion: kind.x-k8s.io/v1alpha4',
          'nodes:',
          '  - role: control-plane',
          '  - role: worker',
          '  - role: worker',
          '  - role: worker',
          ''
        ].join('\n')
      )
      const dir = mkdtempSync(join(tmpdir(), 'itg-report-'))
      try {
        const report = await verify(
          parseOptions({
            ...kindOptions(real, 'itg-kind-multi'),
            'kind-config': config,
            manifests: 'manifests/elasticsearch',
            scenario: 'failover',
            'report-dir': dir
          }),
          recordingLogger()
        )
        expect(report.error?.message).toBeUndefined()
        expect(report.verdict).toBe('passed')
        const placed = objects(dir, 'pods')
          .filter((p) => p.metadata.name.startsWith('es-cluster-'))
          .map((p) => p.spec?.nodeName)
        expect(placed).toHaveLength(3)
        expect(new Set(placed).size).toBe(3)
        for (const node of placed) expect(node).toMatch(/^itg-kind-multi-worker\d?$/)
        expect(objects(dir, 'nodes').map((n) => n.metadata.name)).toEqual([
          'itg-kind-multi-control-plane',
          'itg-kind-multi-worker',
          'itg-kind-multi-worker2',
          'itg-kind-multi-worker3'
        ])
        expectNothingOfKindLeft('itg-kind-multi')
      } finally {
        rmSync(work, { recursive: true, force: true })
      }
    },
    12 * MIN
  )

  it(
    'the bundled action on kind: main killed (SIGKILL) after creating the cluster, post deletes it',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'runner-'))
      const { env, files } = stepEnv(
        dir,
        {
          provider: 'kind',
          'kind-node-image': real.nodeImage,
          'cluster-name': 'itg-kind-action',
          manifests: 'manifests/elasticsearch',
          'upload-artifacts': 'never'
        },
        {}
      )
      try {
        const main = spawn(process.execPath, ['dist/main.js'], {
          env: { ...env, TMPDIR: dir },
          stdio: 'ignore'
        })
        // Killed as soon as main has handed the new cluster to post.
        let state: Record<string, string> = {}
        for (let i = 0; i < 3000 && state.clusterCreated !== 'true'; i++) {
          await sleep(100)
          state = readCommandFile(files.GITHUB_STATE)
        }
        expect(state).toMatchObject({ provider: 'kind', clusterName: 'itg-kind-action' })
        expect(kindClusters(real)).toContain('itg-kind-action')
        main.kill('SIGKILL')
        await new Promise((r) => main.once('exit', r))
        const post = runStep('post', {}, readCommandFile(files.GITHUB_STATE))
        expect(post.status).toBe(0)
        expect(post.stdout).toContain('Main did not finish: deleting kind cluster itg-kind-action')
        // Post's own output goes with a failure: it says why a cluster stayed.
        const left = kindClusters(real).filter((c) => c === 'itg-kind-action')
        expect({ left, post: post.stdout }).toEqual({
          left: [],
          post: expect.not.stringContaining('::warning::')
        })
        expectNothingOfKindLeft('itg-kind-action')
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
    8 * MIN
  )
})
