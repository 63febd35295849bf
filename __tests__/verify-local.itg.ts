/**
 * The verifier end to end against the real local cluster: upstream control plane, kubelet,
 * containerd and CoreDNS, and real Elasticsearch and OpenSearch nodes in images built here. Each
 * test starts and removes its own cluster through the verifier's providers.
 */
import { describe, expect, it, beforeAll } from '@jest/globals'
import { existsSync, readFileSync, readdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { verify } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import { junitSchemaErrors } from './helpers/junit-schema.js'
import {
  canRunLocalCluster,
  groundTruth,
  recordingLogger,
  editedManifests,
  LOCAL_CLUSTER,
  CLUSTERS_ROOT
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

run('verify on the local cluster', () => {
  beforeAll(() => {
    process.env.ES_K8S_VERIFY_LOCAL_CLUSTER = LOCAL_CLUSTER
  })

  it(
    'passes the reference Elasticsearch manifests, and its observations agree with what really happened',
    async () => {
      const logger = recordingLogger()
      const dir = reportDir()
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests: 'manifests/elasticsearch',
          'report-dir': dir,
          'cluster-name': 'itg-es'
        }),
        logger
      )
      expect(report.error?.message).toBeUndefined()
      expect(report.verdict).toBe('passed')
      // It watched: pod events from the API server and the engines' own lines woke its waits.
      expect(logger.lines.join('\n')).toMatch(
        /debug cluster changes seen: [1-9]\d* pod events \([1-9]\d* watches\), [1-9]\d* engine lines \([1-9]\d* logs followed\)/
      )
      expect(report.engine?.distribution).toBe('elasticsearch')
      // The manifests ask for 9.1.0; the local cluster runs its nearest build of 9, and the run says so.
      expect(report.warnings.join('\n')).toMatch(
        /The image asks for elasticsearch 9\.1\.0 \(docker\.elastic\.co\/elasticsearch\/elasticsearch:9\.1\.0\), but the nodes run 9\.5\.3/
      )
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
      // What ran the pods: the node's kubelet version and container runtime.
      expect(readFileSync(join(dir, 'objects', 'nodes.yaml'), 'utf8')).toMatch(
        /kubeletVersion: v1\.\d+\.\d+/
      )
      expect(readdirSync(join(dir, 'pods'))).toEqual([
        'es-cluster-0',
        'es-cluster-1',
        'es-cluster-2'
      ])
      expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(
        /<testcase [^>]*name="Kill the elected master"/
      )
      expect(await junitSchemaErrors(readFileSync(join(dir, 'junit.xml'), 'utf8'))).toEqual([])
      // Ground truth: the node the survivors' own logs say they elected is the one reported,
      // and the verifier did not claim it before it happened.
      const truth = groundTruth(dir)
      const killed = truth.find(
        (e) => e.event === 'process-exited' && e.pod === round.masterBefore.pod
      )!
      const elected = truth.filter(
        (e) =>
          e.event === 'master-changed' &&
          e.ts >= killed.ts - 2000 &&
          (e.detail as { master: string }).master
      )
      expect(elected.length).toBeGreaterThan(0)
      expect((elected[elected.length - 1].detail as { master: string }).master).toBe(
        round.masterAfter!.node
      )
      const timeline = JSON.parse(readFileSync(join(dir, 'timeline.json'), 'utf8')) as {
        event: string
        at: number
      }[]
      const seenNewMaster = timeline.find((e) => e.event === 'new-master')!.at
      const lastSurvivorChange = Math.max(
        ...elected.filter((e) => e.pod !== round.masterBefore.pod).map((e) => e.ts)
      )
      expect(seenNewMaster).toBeGreaterThanOrEqual(lastSurvivorChange - 50)
      expectNothingLeft('itg-es')
    },
    5 * MIN
  )

  it(
    'passes the OpenSearch manifests with force kills over two rounds',
    async () => {
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests: 'manifests/opensearch',
          'kill-mode': 'force',
          rounds: '2',
          'report-dir': reportDir(),
          'cluster-name': 'itg-os'
        }),
        recordingLogger()
      )
      expect(report.error?.message).toBeUndefined()
      expect(report.verdict).toBe('passed')
      expect(report.engine?.distribution).toBe('opensearch')
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
        'check-data'
      ])
      expectNothingLeft('itg-os')
    },
    5 * MIN
  )

  it(
    'verifies the article’s single-node StatefulSet with the failover phases skipped, saying why',
    async () => {
      const logger = recordingLogger()
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests: 'manifests/article-single-node',
          'report-dir': reportDir(),
          'cluster-name': 'itg-single'
        }),
        logger
      )
      expect(report.verdict).toBe('passed')
      // One node holds one copy: the test index gets no replica, so the cluster stays green.
      expect(logger.lines.join('\n')).toMatch(
        /seed-replicas 1 lowered to 0: 1 node\(s\) hold at most 1 copies/
      )
      expect(report.failoverSkipped).toMatch(/single-node cluster \(discovery\.type=single-node\)/)
      expect(report.phases.find((p) => p.name === 'failover-1')?.status).toBe('skipped')
      expect(report.phases.find((p) => p.name === 'check-data')?.status).toBe('passed')
    },
    5 * MIN
  )
})

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

run('faults end in the right verdict, with what was last seen', () => {
  beforeAll(() => {
    process.env.ES_K8S_VERIFY_LOCAL_CLUSTER = LOCAL_CLUSTER
  })

  it(
    'an image the cluster cannot run: formation fails naming ImagePullBackOff',
    async () => {
      const dir = reportDir()
      const report = await verify(
        parseOptions({
          provider: 'local',
          image: 'registry.example/elasticsearch:1',
          'report-dir': dir,
          'cluster-name': 'itg-pull'
        }),
        recordingLogger()
      )
      expect(report.verdict).toBe('failed')
      expect(report.error?.phase).toBe('form')
      // With the default 10m formation timeout: the verdict comes from the cause, not the clock.
      expect(report.error?.message).toMatch(
        /^Pod es-cluster-\d cannot pull the image of container es, and retrying will not help: ImagePullBackOff/
      )
      // Whichever pod reached the back-off first is named, and the evidence shows it so.
      const pod = /^Pod (es-cluster-\d) cannot pull/.exec(report.error!.message)![1]
      expect(report.error?.message).toContain(
        `${pod} Pending, not ready (ImagePullBackOff: Back-off pulling image "registry.example/elasticsearch:1"`
      )
      expect(existsSync(join(dir, 'events.txt'))).toBe(true)
      // A failed run's junit.xml shows the failure and satisfies the JUnit schema.
      const junit = readFileSync(join(dir, 'junit.xml'), 'utf8')
      expect(junit).toMatch(/<failure message="Pod es-cluster-\d cannot pull the image/)
      expect(await junitSchemaErrors(junit)).toEqual([])
    },
    3 * MIN
  )

  it(
    'an unbound claim: formation fails naming the pending claim',
    async () => {
      const manifests = editedManifests('manifests/elasticsearch', [
        [
          "accessModes: ['ReadWriteOnce']",
          "storageClassName: does-not-exist\n        accessModes: ['ReadWriteOnce']"
        ]
      ])
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests,
          'report-dir': reportDir(),
          'cluster-name': 'itg-pvc'
        }),
        recordingLogger()
      )
      expect(report.verdict).toBe('failed')
      expect(report.error?.message).toMatch(
        /^Pod es-cluster-\d is Unschedulable: its claim data-es-cluster-\d asks for StorageClass does-not-exist, which does not exist/
      )
      expect(report.error?.message).toMatch(
        /Unschedulable: 0\/1 nodes are available: pod has unbound immediate PersistentVolumeClaims/
      )
    },
    3 * MIN
  )

  it(
    'node.name not among the initial master nodes: the cluster never forms, and the message carries the engine’s own log line',
    async () => {
      const manifests = editedManifests('manifests/elasticsearch', [
        [/(initial_master_nodes\n *value: )[^\n]+/, '$1es-cluster-0,es-cluster-1,es-cluster-2']
      ])
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests,
          preflight: 'false',
          'report-dir': reportDir(),
          'cluster-name': 'itg-names'
        }),
        recordingLogger()
      )
      expect(report.verdict).toBe('failed')
      expect(report.error?.phase).toBe('form')
      expect(report.error?.message).toMatch(
        /^The nodes found each other \(.*\) but can never bootstrap: cluster\.initial_master_nodes names es-cluster-0, es-cluster-1, es-cluster-2, which is no node's node\.name/
      )
      expect(report.error?.message).toMatch(
        /its log says: .*\[WARN \]\[o\.e\.c\.c\.ClusterFormationFailureHelper\] .*master not discovered yet, this node has not previously joined a bootstrapped (\(v7\+\) )?cluster/
      )
    },
    3 * MIN
  )

  it(
    'a headless Service under another name than the peers use (preflight off): the peers never resolve, and the verdict names the Service',
    async () => {
      const manifests = editedManifests('manifests/elasticsearch', [
        [/^(metadata:\n {2}name: )es-cluster(\n {2}labels:)/m, '$1es-nodes$2']
      ])
      const started = Date.now()
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests,
          preflight: 'false',
          'report-dir': reportDir(),
          'cluster-name': 'itg-svc-name'
        }),
        recordingLogger()
      )
      expect(report.verdict).toBe('failed')
      expect(report.error?.phase).toBe('form')
      expect(report.error?.message).toMatch(
        /^Peer names never resolve: es-cluster-\d\.es-cluster names Service es-cluster, which does not exist in namespace [\w-]+ \(headless Services there: es-nodes\)/
      )
      // The cause, not the 10-minute formation timeout, ended the wait.
      expect(Date.now() - started).toBeLessThan(3 * MIN)
      // The cause fits one glance; the evidence follows on the next lines.
      const [first, ...evidence] = report.error!.message.split('\n')
      expect(first.length).toBeLessThan(250)
      expect(evidence.join('\n')).toMatch(/^Pods: es-cluster-0 /m)
      // Preflight was off, but its finding about the same cause is linked, with file and line.
      expect(evidence.join('\n')).toMatch(
        /^Preflight predicted it: \[headless-service\] serviceName 'es-cluster' names no Service in these manifests\. \(.*statefulset\.yaml:\d+\)/m
      )
    },
    3 * MIN
  )

  it(
    'typos in every discovery.seed_hosts name (preflight off): names no pod, said as soon as every pod exists',
    async () => {
      const manifests = editedManifests('manifests/elasticsearch', [
        [
          'es-cluster-0.es-cluster,es-cluster-1.es-cluster,es-cluster-2.es-cluster',
          'es-clustr-0.es-cluster,es-clustr-1.es-cluster,es-clustr-2.es-cluster'
        ]
      ])
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests,
          preflight: 'false',
          'report-dir': reportDir(),
          'cluster-name': 'itg-seed-typo'
        }),
        recordingLogger()
      )
      expect(report.verdict).toBe('failed')
      expect(report.error?.message).toMatch(
        /^Peer names never resolve: es-clustr-\d\.es-cluster names no pod: the pods under es-cluster are es-cluster-0, es-cluster-1, es-cluster-2, and the StatefulSet makes no other\./
      )
    },
    3 * MIN
  )

  it(
    'a typo in some discovery.seed_hosts names (preflight off): the nodes find each other through the others, so it passes with a warning',
    async () => {
      const manifests = editedManifests('manifests/elasticsearch', [
        [
          'es-cluster-0.es-cluster,es-cluster-1.es-cluster,es-cluster-2.es-cluster',
          'es-cluster-0.es-cluster,es-clustr-1.es-cluster,es-clustr-2.es-cluster'
        ]
      ])
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests,
          preflight: 'false',
          'report-dir': reportDir(),
          'cluster-name': 'itg-seed-typo-some'
        }),
        recordingLogger()
      )
      expect(report.error?.message).toBeUndefined()
      expect(report.verdict).toBe('passed')
      expect(report.warnings).toContainEqual(
        expect.stringMatching(
          /^discovery\.seed_hosts names es-clustr-1\.es-cluster, es-clustr-2\.es-cluster, which cluster DNS never answers \(es-clustr-1\.es-cluster names no pod: .*\) The cluster formed all the same, through es-cluster-0\.es-cluster:/
        )
      )
    },
    5 * MIN
  )

  it(
    'a memory request no node can hold (preflight off): the verdict quotes the scheduler and says it can never fit',
    async () => {
      const manifests = editedManifests('manifests/elasticsearch', [
        [/(requests:\n *cpu: 250m\n *memory: )1Gi(\n *limits:\n *memory: )1Gi/, '$14Ti$24Ti']
      ])
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests,
          preflight: 'false',
          'report-dir': reportDir(),
          'cluster-name': 'itg-too-big'
        }),
        recordingLogger()
      )
      expect(report.verdict).toBe('failed')
      expect(report.error?.message).toMatch(
        /^Pod es-cluster-\d can never be scheduled: it requests memory 4096\.0Gi where the largest node allocates \d+\.\dGi\. The scheduler says: 0\/1 nodes are available: 1 Insufficient memory/
      )
    },
    3 * MIN
  )

  it(
    'discovery.type single-node with three replicas (preflight off): three one-node clusters, named as separate clusters',
    async () => {
      const manifests = editedManifests('manifests/elasticsearch', [
        [
          /(- name: )cluster\.initial_master_nodes\n( *value: )[^\n]+/,
          '$1discovery.type\n$2single-node'
        ]
      ])
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests,
          preflight: 'false',
          'report-dir': reportDir(),
          'cluster-name': 'itg-split'
        }),
        recordingLogger()
      )
      expect(report.verdict).toBe('failed')
      expect(report.error?.message).toMatch(
        /^The nodes formed 3 separate clusters: es-cluster-\d in cluster [\w-]+; es-cluster-\d in cluster/
      )
      expect(report.error?.message).toMatch(/\nPreflight predicted it: \[single-node-replicas\]/)
    },
    3 * MIN
  )

  it(
    'different -Xms and -Xmx (preflight off): the verdict quotes the engine’s own bootstrap check, within a minute of form',
    async () => {
      const manifests = editedManifests('manifests/elasticsearch', [
        ['-Xms512m -Xmx512m', '-Xms256m -Xmx512m']
      ])
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests,
          preflight: 'false',
          'report-dir': reportDir(),
          'cluster-name': 'itg-heap'
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
    3 * MIN
  )

  it(
    'the same broken names with preflight on: the run stops before any cluster is created, naming file and line',
    async () => {
      const manifests = editedManifests('manifests/elasticsearch', [
        [/(initial_master_nodes\n *value: )[^\n]+/, '$1es-cluster-0,es-cluster-1,es-cluster-2']
      ])
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests,
          'report-dir': reportDir(),
          'cluster-name': 'itg-preflight'
        }),
        recordingLogger()
      )
      expect(report.verdict).toBe('failed')
      expect(report.error?.phase).toBe('lint')
      expect(report.error?.message).toMatch(
        /statefulset\.yaml:\d+: \[discovery-names\] cluster\.initial_master_nodes lists 'es-cluster-0'/
      )
      expect(report.error?.location?.file).toMatch(/statefulset\.yaml$/)
      expect(report.phases.map((p) => p.name)).toEqual(['lint'])
      expectNothingLeft('itg-preflight')
    },
    MIN
  )
})
