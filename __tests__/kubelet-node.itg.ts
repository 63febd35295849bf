/**
 * The verifier on the local cluster's upstream node: the kubelet v1.34.4 on containerd and runc,
 * CNI bridge networking, CoreDNS, local-path-provisioner, and images built here (Debian + the
 * engines' jars from Maven Central) that start the engines through their own bootstrap. Each test
 * starts and removes its own cluster through the verifier's local provider.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { verify } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import {
  canRunLocalCluster,
  recordingLogger,
  editedManifests,
  LOCAL_CLUSTER,
  CLUSTERS_ROOT
} from './helpers/local-cluster.js'

const canRunKubeletNode =
  canRunLocalCluster() &&
  ['/usr/bin/containerd', '/usr/sbin/runc', '/usr/lib/cni/bridge'].every(existsSync)
const run = canRunKubeletNode ? describe : describe.skip
if (!canRunKubeletNode)
  console.warn(
    'Kubelet-node tests skipped: they need containerd, runc and the CNI plugins (scripts/setup.sh).'
  )

const reportDir = (): string => mkdtempSync(join(tmpdir(), 'itg-report-'))
const MIN = 60_000
const ES_7 = 'docker.elastic.co/elasticsearch/elasticsearch:7.17.29'

function podLog(dir: string, pod: string): string {
  const podDir = join(dir, 'pods', pod)
  return readdirSync(podDir)
    .map((f) => readFileSync(join(podDir, f), 'utf8'))
    .join('\n')
}

run('verify on the upstream node (kubelet, containerd)', () => {
  beforeAll(() => {
    process.env.ES_K8S_VERIFY_LOCAL_CLUSTER = LOCAL_CLUSTER
    process.env.ES_K8S_VERIFY_LOCAL_NODE = 'kubelet'
  })
  afterAll(() => {
    delete process.env.ES_K8S_VERIFY_LOCAL_NODE
  })

  it(
    'passes the reference Elasticsearch manifests on Elasticsearch 7.17 started by its own bootstrap',
    async () => {
      const dir = reportDir()
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests: 'manifests/elasticsearch',
          image: ES_7,
          'report-dir': dir,
          'cluster-name': 'itg-kubelet-es'
        }),
        recordingLogger()
      )
      expect(report.error?.message).toBeUndefined()
      expect(report.verdict).toBe('passed')
      expect(report.engine?.version).toBe('7.17.29')
      expect(report.data?.lost).toBe(0)
      // The node is the upstream kubelet on containerd, as `kubectl get nodes -o wide` shows it.
      const nodes = readFileSync(join(dir, 'objects', 'nodes.yaml'), 'utf8')
      expect(nodes).toMatch(/kubeletVersion: v1\.34\.4/)
      expect(nodes).toMatch(/containerRuntimeVersion: containerd:\/\/1\.6\./)
      // The engine ran its own bootstrap checks (production mode: it binds a pod address).
      expect(podLog(dir, 'es-cluster-0')).toMatch(
        /bound or publishing to a non-loopback address, enforcing bootstrap checks/
      )
      expect(existsSync(join(CLUSTERS_ROOT, 'itg-kubelet-es'))).toBe(false)
    },
    5 * MIN
  )

  it(
    'passes the OpenSearch manifests; their 2.19.1 tag runs the nearest build of major 2, and the log and the report say so',
    async () => {
      const dir = reportDir()
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests: 'manifests/opensearch',
          'report-dir': dir,
          'cluster-name': 'itg-kubelet-os'
        }),
        recordingLogger()
      )
      expect(report.error?.message).toBeUndefined()
      expect(report.verdict).toBe('passed')
      expect(report.engine?.distribution).toBe('opensearch')
      expect(report.warnings.join('\n')).toMatch(
        /asks for opensearch 2\.19\.1 .* but the nodes run 2\.19\.6/
      )
      expect(podLog(dir, 'os-cluster-0')).toMatch(
        /opensearchproject\/opensearch:2\.19\.1 was not built here; this container runs opensearch 2\.19\.6, the nearest build of major 2/
      )
    },
    5 * MIN
  )

  it(
    'fails different -Xms and -Xmx with the engine’s own bootstrap-check message, within a minute',
    async () => {
      const manifests = editedManifests('manifests/elasticsearch', [
        ['-Xms512m -Xmx512m', '-Xms256m -Xmx512m']
      ])
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests,
          image: ES_7,
          preflight: 'false',
          'report-dir': reportDir(),
          'cluster-name': 'itg-kubelet-heap'
        }),
        recordingLogger()
      )
      expect(report.verdict).toBe('failed')
      expect(report.error?.message).toMatch(
        /initial heap size \[268435456\] not equal to maximum heap size \[536870912\]; this can cause resize pauses/
      )
      const form = report.phases.find((p) => p.name === 'form')
      expect(form?.durationMs).toBeLessThan(MIN)
    },
    5 * MIN
  )

  it(
    'a tag of a major built nowhere ends in the kubelet’s own ErrImagePull / ImagePullBackOff',
    async () => {
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests: 'manifests/elasticsearch',
          image: 'docker.elastic.co/elasticsearch/elasticsearch:6.8.23',
          'report-dir': reportDir(),
          'cluster-name': 'itg-kubelet-pull'
        }),
        recordingLogger()
      )
      expect(report.verdict).toBe('failed')
      expect(report.error?.message).toMatch(
        /cannot pull the image of container es, and retrying will not help: ImagePullBackOff: Back-off pulling image "docker\.elastic\.co\/elasticsearch\/elasticsearch:6\.8\.23"/
      )
    },
    5 * MIN
  )
})
