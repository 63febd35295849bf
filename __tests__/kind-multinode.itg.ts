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
import { parse } from 'yaml'
import { verify } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import { recordingLogger } from './helpers/local-cluster.js'
import { expectEveryWriteKept, verifyThroughEveryDisruption } from './helpers/disruptions.js'
import { readCommandFile, runStep, stepEnv } from './helpers/runner.js'
import {
  realKind,
  kindOptions,
  kindClusters,
  expectNothingOfKindLeft,
  type RealKind
} from './helpers/kind.js'

const MIN = 60_000

interface PodList {
  items: { metadata: { name: string }; spec: { nodeName?: string } }[]
}

describe('verify on the real kind: OpenSearch, several nodes, the action', () => {
  let real: RealKind
  beforeAll(() => {
    real = realKind()
  })

  it(
    'the reference OpenSearch manifests pass failover, restart and a rolling upgrade on kind with every acknowledged write kept',
    async () => {
      const { report, dir } = await verifyThroughEveryDisruption(
        'opensearch',
        kindOptions(real, 'itg-kind-os')
      )
      expect(report.error?.message).toBeUndefined()
      expect(report.verdict).toBe('passed')
      expect(report.provider).toBe('kind')
      expect(report.engine).toMatchObject({ distribution: 'opensearch', version: '2.19.6' })
      expectEveryWriteKept(report)
      expect(readFileSync(join(dir, 'objects', 'nodes.yaml'), 'utf8')).toContain(
        'name: itg-kind-os-control-plane'
      )
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
        const pods = parse(readFileSync(join(dir, 'objects', 'pods.yaml'), 'utf8')) as PodList
        const placed = pods.items
          .filter((p) => p.metadata.name.startsWith('es-cluster-'))
          .map((p) => p.spec.nodeName)
        expect(placed).toHaveLength(3)
        expect(new Set(placed).size).toBe(3)
        for (const node of placed) expect(node).toMatch(/^itg-kind-multi-worker\d?$/)
        const nodes = readFileSync(join(dir, 'objects', 'nodes.yaml'), 'utf8')
        expect(nodes.match(/^ {4}name: itg-kind-multi-/gm)).toHaveLength(4)
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
        expect(kindClusters(real)).not.toContain('itg-kind-action')
        expectNothingOfKindLeft('itg-kind-action')
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
    8 * MIN
  )
})
