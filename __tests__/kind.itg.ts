/**
 * The path every user takes, for real: the kind provider with the real kind binary (v0.32.0,
 * built from the Go module proxy) on a real Docker engine (Debian's, private to the tests), a
 * node image assembled here the way `kind build node-image` does it, and kind's own kubeadm init.
 * The engine images come in through the verifier's own preload-images path (`kind load
 * docker-image`); an image nobody built is pulled by the node's kubelet and fails there.
 */
import { describe, expect, it, beforeAll } from '@jest/globals'
import { existsSync, readFileSync, readdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { verify } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import { recordingLogger } from './helpers/local-cluster.js'
import { expectEveryWriteKept, verifyThroughEveryDisruption } from './helpers/disruptions.js'
import {
  realKind,
  kindOptions,
  expectNothingOfKindLeft,
  expectKindNode,
  type RealKind
} from './helpers/kind.js'

const MIN = 60_000
const reportDir = (): string => mkdtempSync(join(tmpdir(), 'itg-report-'))

describe('verify on the real kind', () => {
  let real: RealKind
  beforeAll(() => {
    real = realKind()
  })

  it(
    'the reference Elasticsearch manifests pass failover, restart and a rolling upgrade on kind, with every acknowledged write kept, kind’s own logs exported and nothing left',
    async () => {
      const logger = recordingLogger()
      const { report, dir } = await verifyThroughEveryDisruption(
        'elasticsearch',
        kindOptions(real, 'itg-kind-es'),
        logger
      )
      expect(report.error?.message).toBeUndefined()
      expect(report.verdict).toBe('passed')
      expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).provider).toBe('kind')
      expect(report.engine).toMatchObject({ distribution: 'elasticsearch', version: '9.5.3' })
      expectEveryWriteKept(report)
      expectKindNode(dir, 'itg-kind-es')
      const lines = logger.lines.join('\n')
      expect(lines).toMatch(/Using kind v0\.32\.0 from /)
      expect(lines).toMatch(
        /docker\.elastic\.co\/elasticsearch\/elasticsearch:9\.1\.0 is in the Docker engine already/
      )
      // kind's own `export logs`: the node's journal, kubelet and containerd logs, and its pods'.
      const node = join(dir, 'provider', 'itg-kind-es-control-plane')
      expect(existsSync(join(node, 'kubelet.log'))).toBe(true)
      expect(existsSync(join(node, 'containerd.log'))).toBe(true)
      expect(readdirSync(join(node, 'pods')).some((p) => p.includes('es-cluster-0'))).toBe(true)
      expectNothingOfKindLeft('itg-kind-es')
    },
    15 * MIN
  )

  it(
    "the article's manifests on kind lose every document in a full restart, and the verdict points at the /data mount",
    async () => {
      const report = await verify(
        parseOptions({
          ...kindOptions(real, 'itg-kind-article'),
          manifests: 'manifests/article-three-node',
          scenario: 'restart',
          'report-dir': reportDir()
        }),
        recordingLogger()
      )
      expect(report.verdict).toBe('failed')
      expect(report.error?.phase).toBe('check-data')
      expect(report.error?.message).toMatch(
        /^Data lost: 200 of 200 acknowledged documents were lost \(first: seed-/
      )
      expect(report.error?.message).toMatch(/its UUID changed from \S+ to \S+/)
      expect(report.error?.message).toMatch(
        /The claim is mounted at \/data, but elasticsearch keeps its data in \/usr\/share\/elasticsearch\/data/
      )
      expect(report.data).toMatchObject({ seeded: 200, lost: 200 })
      expect(report.data!.lostIds).toHaveLength(20)
      // The article asks for 7.1.1; the nodes run the nearest build of 7, and say so.
      expect(report.engine).toMatchObject({ distribution: 'elasticsearch', version: '7.17.29' })
      expectNothingOfKindLeft('itg-kind-article')
    },
    8 * MIN
  )

  it(
    'an image nobody built fails on kind within a minute of apply, with the kubelet’s own ErrImagePull cause first',
    async () => {
      const report = await verify(
        parseOptions({
          ...kindOptions(real, 'itg-kind-broken'),
          // Nothing to preload: the node's own kubelet pulls, and no registry answers it.
          'preload-images': 'false',
          manifests: 'manifests/elasticsearch',
          image: 'docker.elastic.co/elasticsearch/elasticsearch:6.8.23',
          'report-dir': reportDir()
        }),
        recordingLogger()
      )
      expect(report.verdict).toBe('failed')
      expect(report.error?.phase).toBe('form')
      expect(report.error?.message).toMatch(
        /^Pod es-cluster-\d cannot pull the image of container es, and retrying will not help: (ErrImagePull|ImagePullBackOff)/
      )
      expect(report.error?.message).toContain(
        'docker.elastic.co/elasticsearch/elasticsearch:6.8.23'
      )
      const apply = report.phases.find((p) => p.name === 'apply')!
      const form = report.phases.find((p) => p.name === 'form')!
      expect(form.endedAt - apply.startedAt).toBeLessThan(MIN)
      expectNothingOfKindLeft('itg-kind-broken')
    },
    5 * MIN
  )
})
