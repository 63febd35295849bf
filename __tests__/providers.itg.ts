/**
 * The verifier through the kind and minikube providers, with the local cluster's stand-ins for
 * their commands first on PATH: the article's three-node manifests on Elasticsearch 7, each
 * provider starting and removing its own cluster.
 */
import { describe, expect, it, beforeAll } from '@jest/globals'
import { existsSync, readFileSync, readdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { verify } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import {
  canRunLocalCluster,
  recordingLogger,
  LOCAL_CLUSTER,
  CLUSTERS_ROOT,
  expectOwnBootstrapOnUpstreamNode
} from './helpers/local-cluster.js'

const run = canRunLocalCluster() ? describe : describe.skip
const reportDir = (): string => mkdtempSync(join(tmpdir(), 'itg-report-'))
const MIN = 60_000

function expectNothingLeft(clusterName: string): void {
  expect(existsSync(join(CLUSTERS_ROOT, clusterName))).toBe(false)
}

run('verify through the kind and minikube providers (stand-ins first on PATH)', () => {
  beforeAll(() => {
    process.env.ES_K8S_VERIFY_LOCAL_CLUSTER = LOCAL_CLUSTER
    process.env.PATH = `${resolve('local-cluster/bin')}:${process.env.PATH}`
  })

  it(
    'kind: the article’s three-node manifest passes, and the report shows the rejoined node got a new node ID',
    async () => {
      const logger = recordingLogger()
      const dir = reportDir()
      const report = await verify(
        parseOptions({
          provider: 'kind',
          manifests: 'manifests/article-three-node',
          'report-dir': dir,
          'cluster-name': 'itg-kind'
        }),
        logger
      )
      expect(report.error?.message).toBeUndefined()
      expect(report.verdict).toBe('passed')
      expect(report.provider).toBe('kind')
      // The article asks for 7.1.1; the nodes run the nearest build of 7 through its own
      // bootstrap, checks enforced (it binds a pod address), on the upstream kubelet.
      expect(report.engine).toMatchObject({ distribution: 'elasticsearch', version: '7.17.29' })
      const log = expectOwnBootstrapOnUpstreamNode(dir, 'es-cluster-0')
      expect(log).toContain(
        'docker.elastic.co/elasticsearch/elasticsearch:7.1.1 was not built here; this container runs elasticsearch 7.17.29, the nearest build of major 7'
      )
      expect(report.rounds[0].nodeIdPersisted).toBe(false)
      expect(report.warnings.join('\n')).toMatch(/rejoined with a new node ID/)
      // The healing case of the peer-name rule: without publishNotReadyAddresses the peers'
      // names resolve only once they are Ready, and the nodes said so; the wait went on.
      const logs = readdirSync(join(dir, 'pods')).map((p) =>
        readFileSync(join(dir, 'pods', p, 'es.log'), 'utf8')
      )
      expect(logs.join('\n')).toMatch(/failed to resolve host \[es-cluster-\d\.es-cluster\]/)
      expect(logger.lines.join('\n')).toMatch(/Using kind v0\.32\.0/)
      expect(existsSync(join(dir, 'provider', 'control-plane', 'kube-apiserver.log'))).toBe(true)
      expectNothingLeft('itg-kind')
    },
    5 * MIN
  )

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
