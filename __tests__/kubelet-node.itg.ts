/**
 * The verifier on the local cluster's upstream node: the kubelet v1.34.4 on containerd and runc,
 * CNI bridge networking, CoreDNS, local-path-provisioner, and images built here (Debian + the
 * engines' jars from Maven Central) that start the engines through their own bootstrap. Each test
 * starts and removes its own cluster through the verifier's local provider.
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { verify } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import { KubeClient } from '../src/engine/kube/client.js'
import {
  canRunLocalCluster,
  recordingLogger,
  LOCAL_CLUSTER,
  CLUSTERS_ROOT,
  localCluster,
  containerRestarts,
  expectOwnBootstrapOnUpstreamNode
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
const SECURED_MANIFESTS = 'manifests/elasticsearch-8-secured'

run('verify on the upstream node (kubelet, containerd)', () => {
  beforeAll(() => {
    process.env.ES_K8S_VERIFY_LOCAL_CLUSTER = LOCAL_CLUSTER
  })

  // The reference scenario on every engine version built here: OpenSearch 3 here, Elasticsearch
  // 8.19.21 in the secured manifests below, the manifests' own tags (Elasticsearch 9.5.3,
  // OpenSearch 2.19.6) through every disruption in verify-local.itg.ts, and Elasticsearch 7.17.29
  // in the article's manifests through kind in providers.itg.ts.
  it(
    'passes the reference opensearch manifests on 3.9.0 (Java 21) started by its own bootstrap',
    async () => {
      const dir = reportDir()
      const cluster = 'itg-kubelet-os3'
      const report = await verify(
        parseOptions({
          provider: 'local',
          manifests: 'manifests/opensearch',
          image: 'opensearchproject/opensearch:3.9.0',
          'report-dir': dir,
          'cluster-name': cluster
        }),
        recordingLogger()
      )
      expect(report.error?.message).toBeUndefined()
      expect(report.verdict).toBe('passed')
      expect(report.engine).toMatchObject({ distribution: 'opensearch', version: '3.9.0' })
      expect(report.data?.lost).toBe(0)
      expectOwnBootstrapOnUpstreamNode(dir, 'os-cluster-0')
      expect(existsSync(join(CLUSTERS_ROOT, cluster))).toBe(false)
    },
    5 * MIN
  )

  describe('the secured Elasticsearch 8 manifests (TLS on HTTP and transport, a file-realm user)', () => {
    // The test user is public: its name and password are in the Secret beside the manifests.
    const user = parseAllDocuments(readFileSync(join(SECURED_MANIFESTS, 'secrets.yaml'), 'utf8'))
      .map((d) => d.toJS() as { metadata: { name: string }; stringData: Record<string, string> })
      .find((d) => d.metadata.name === 'es-test-user')!.stringData

    it(
      'pass with the user from their Secret, through curl in the pod over a real exec (API server → kubelet → containerd)',
      async () => {
        const dir = reportDir()
        const report = await verify(
          parseOptions({
            provider: 'local',
            manifests: SECURED_MANIFESTS,
            username: user.username,
            password: user.password,
            'report-dir': dir,
            'cluster-name': 'itg-kubelet-secured'
          }),
          recordingLogger()
        )
        expect(report.error?.message).toBeUndefined()
        expect(report.verdict).toBe('passed')
        expect(report.engine?.version).toBe('8.19.21')
        expect(report.data?.lost).toBe(0)
        const log = expectOwnBootstrapOnUpstreamNode(dir, 'es-cluster-0')
        // On the module path with the entitlement agent, as its distribution runs.
        expect(log).toContain('Bootstrapping Entitlements')
        expect(log).toContain('loaded module [x-pack-security]')
        expect(log).toContain('Security is enabled')
        // The password reaches curl on its standard input only: no file of the report holds it.
        const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((f) =>
          f.isFile()
        )
        expect(files.length).toBeGreaterThan(10)
        for (const f of files)
          expect(readFileSync(join(f.parentPath, f.name), 'utf8')).not.toContain(user.password)
      },
      8 * MIN
    )
  })

  it(
    'injects faults into containers (kill, freeze, thaw), records them in the ground truth, and down sweeps the containers of a SIGKILLed cluster',
    async () => {
      const name = 'itg-kubelet-faults'
      // The pod sandboxes' network namespaces of this cluster (not another's running meanwhile):
      // those of the processes in its node's cgroups.
      const sandboxNamespaces = (): string[] => {
        const cgroups = join('/sys/fs/cgroup/memory', `es-k8s-verify-${name}`)
        const inodes = new Set<number>()
        for (const procs of readdirSync(cgroups, { recursive: true }).map(String))
          if (procs.endsWith('cgroup.procs'))
            for (const pid of readFileSync(join(cgroups, procs), 'utf8').split('\n'))
              if (pid) inodes.add(statSync(`/proc/${pid}/ns/net`).ino)
        return readdirSync('/var/run/netns').filter(
          (n) => n.startsWith('cni-') && inodes.has(statSync(join('/var/run/netns', n)).ino)
        )
      }
      localCluster('up', '--name', name, '--detach')
      const dir = join(CLUSTERS_ROOT, name)
      const state = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as {
        pid: number
        kubeconfig: string
      }
      const kube = KubeClient.fromFile(state.kubeconfig)
      await kube.apply(
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'sleeper' },
          spec: {
            containers: [{ name: 'main', image: 'busybox:1.35.0', command: ['sleep', '3600'] }]
          }
        },
        'default'
      )
      const restarts = (): Promise<number> => containerRestarts(kube, 'default', 'sleeper')
      const running = async (): Promise<boolean> =>
        (await kube.listPods('default', {})).some(
          (p) => p.metadata.name === 'sleeper' && !!p.status?.containerStatuses?.[0]?.state?.running
        )
      for (let i = 0; i < 240 && !(await running()); i++) await sleep(250)
      expect(await running()).toBe(true)

      // kill: SIGKILL of the container's process; the kubelet restarts it.
      localCluster('fault', '--name', name, 'kill', 'default', 'sleeper')
      for (let i = 0; i < 120 && (await restarts()) !== 1; i++) await sleep(250)
      expect(await restarts()).toBe(1)
      const truth = readFileSync(join(dir, 'ground-truth.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map(
          (l) => JSON.parse(l) as { event: string; pod?: string; detail?: { exitCode?: number } }
        )
      expect(truth.find((e) => e.event === 'fault-injected' && e.pod === 'sleeper')).toBeDefined()
      // containerd's own exit event, not ours: 137 is SIGKILL.
      expect(
        truth.find((e) => e.event === 'process-exited' && e.pod === 'sleeper')?.detail?.exitCode
      ).toBe(137)

      // freeze and thaw through the cgroup freezer.
      while (!(await running())) await sleep(250)
      localCluster('fault', '--name', name, 'freeze', 'default', 'sleeper')
      const freezerStates = (): string[] =>
        readdirSync(join('/sys/fs/cgroup/freezer', `es-k8s-verify-${name}`), { recursive: true })
          .map(String)
          .filter((f) => f.endsWith('freezer.state'))
          .map((f) =>
            readFileSync(join('/sys/fs/cgroup/freezer', `es-k8s-verify-${name}`, f), 'utf8').trim()
          )
      expect(freezerStates()).toContain('FROZEN')
      localCluster('fault', '--name', name, 'thaw', 'default', 'sleeper')
      expect(freezerStates()).not.toContain('FROZEN')
      await kube.close()
      const namespaces = sandboxNamespaces()
      expect(namespaces).toHaveLength(1)

      // The owner dies without cleaning up; down still removes the containers and everything else.
      process.kill(state.pid, 'SIGKILL')
      localCluster('down', '--name', name)
      expect(existsSync(dir)).toBe(false)
      expect(existsSync(join('/sys/fs/cgroup/memory', `es-k8s-verify-${name}`))).toBe(false)
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dir)
      expect(localCluster('processes')).not.toContain(dir)
      // The sandbox's network namespace went with it, through the runtime.
      expect(readdirSync('/var/run/netns').filter((n) => namespaces.includes(n))).toEqual([])
    },
    5 * MIN
  )
})
