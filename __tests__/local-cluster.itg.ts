/**
 * Nothing left running: every process of a local cluster carries its marker (its containers'
 * through their shim), so `down` stops them all even after the main process was SIGKILLed, and
 * processes whose owner is gone are listed as orphans and stopped by `down --orphans`.
 */
import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { KubeClient } from '../src/engine/kube/client.js'
import { canRunLocalCluster, localCluster, CLUSTERS_ROOT } from './helpers/local-cluster.js'

const run = canRunLocalCluster() ? describe : describe.skip
const MIN = 60_000

/** Live processes whose command line or environment names the cluster's directory. */
function processesOf(dir: string): string[] {
  return localCluster('processes')
    .split('\n')
    .filter((l) => l.split(' ')[1] === dir)
}

/** Starts a cluster with one single-node engine pod, and waits until its JVM runs. */
async function clusterWithEngine(name: string): Promise<{ dir: string; pid: number }> {
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
      metadata: { name: 'engine' },
      spec: {
        containers: [
          {
            name: 'es',
            image: 'docker.elastic.co/elasticsearch/elasticsearch:7.17.29',
            env: [
              { name: 'discovery.type', value: 'single-node' },
              { name: 'ES_JAVA_OPTS', value: '-Xms256m -Xmx256m' }
            ]
          }
        ]
      }
    },
    'default'
  )
  await kube.close()
  for (let i = 0; i < 240 && !processesOf(dir).some((p) => / java /.test(p)); i++) await sleep(250)
  return { dir, pid: state.pid }
}

run('local cluster tear-down', () => {
  it(
    'down stops every process of a cluster whose main process was SIGKILLed, engines included',
    async () => {
      const { dir, pid } = await clusterWithEngine('itg-sigkill')
      const before = processesOf(dir)
      expect(before.some((p) => /kube-apiserver/.test(p))).toBe(true)
      expect(before.some((p) => /etcd/.test(p))).toBe(true)
      expect(before.some((p) => / java /.test(p))).toBe(true)
      process.kill(pid, 'SIGKILL')
      await sleep(500)
      // Without the main process its children live on: this is what down must clean up.
      expect(processesOf(dir).length).toBeGreaterThan(0)
      localCluster('down', '--name', 'itg-sigkill')
      expect(processesOf(dir)).toEqual([])
      const named = localCluster('processes')
        .split('\n')
        .filter((l) => l.includes('itg-sigkill'))
      expect(named).toEqual([])
    },
    5 * MIN
  )

  it(
    'lists the processes of a cluster whose owner was SIGKILLed as orphans, and down --orphans stops them and removes what they left',
    async () => {
      const { dir, pid } = await clusterWithEngine('itg-orphans')
      expect(processesOf(dir).some((p) => / java /.test(p))).toBe(true)
      process.kill(pid, 'SIGKILL')
      await sleep(500)
      const orphans = localCluster('list')
        .split('\n')
        .filter((l) => l.startsWith('orphan ') && l.includes(dir))
      // Children that wrote to the dead main's pipes may have died with it; the rest are orphans.
      expect(orphans.length).toBeGreaterThan(0)
      expect(localCluster('down', '--orphans')).toMatch(/stopped \d+ orphan process\(es\)/)
      expect(processesOf(dir)).toEqual([])
      expect(localCluster('list')).not.toContain(dir)
      // The containers' mounts and cgroups went with them, and so did the directory.
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dir)
      expect(existsSync(join('/sys/fs/cgroup/memory', 'es-k8s-verify-itg-orphans'))).toBe(false)
      expect(existsSync(dir)).toBe(false)
    },
    5 * MIN
  )

  it(
    "ClusterIP Services work through kube-proxy in the cluster's own router, and down removes it; vm.max_map_count is only ever raised",
    async () => {
      localCluster('up', '--name', 'itg-services', '--detach')
      const dir = join(CLUSTERS_ROOT, 'itg-services')
      const state = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as {
        kubeconfig: string
        bridge: string
      }
      const kube = KubeClient.fromFile(state.kubeconfig)
      try {
        const pod = (name: string, labels: Record<string, string>, script: string) => ({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, labels },
          spec: { containers: [{ name, image: 'busybox', command: ['sh', '-c', script] }] }
        })
        await kube.apply(
          pod(
            'web',
            { app: 'web' },
            'mkdir -p /w && echo served-by-web > /w/index.html && exec httpd -f -p 8080 -h /w'
          ),
          'default'
        )
        await kube.apply(
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'web' },
            spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] }
          },
          'default'
        )
        // By the Service's name (CoreDNS answers its ClusterIP) and the API server's Service.
        await kube.apply(
          pod(
            'client',
            {},
            [
              'get() { printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 2 "$1" 80; }',
              'until get web.default.svc.cluster.local | grep served-by-web; do sleep 0.5; done',
              'until echo | nc -w 2 kubernetes.default.svc 443; do sleep 0.5; done',
              'echo reached-the-api-server',
              'exec sleep 3600'
            ].join('\n')
          ),
          'default'
        )
        let log = ''
        for (let i = 0; i < 240 && !log.includes('reached-the-api-server'); i++) {
          await sleep(250)
          log = (await kube.podLogs('default', 'client', 'client', false)) ?? ''
        }
        expect(log).toContain('served-by-web')
        expect(log).toContain('reached-the-api-server')
        // The rules are in the router's namespace, not in this machine's tables.
        const router = execFileSync(
          'nsenter',
          [`--net=/var/run/netns/${state.bridge}`, '--', 'iptables-save', '-t', 'nat'],
          { encoding: 'utf8' }
        )
        expect(router).toMatch(/-A KUBE-SERVICES .*default\/web cluster IP/)
        const host = execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' })
        expect(host).not.toContain('KUBE-SERVICES')
        // vm.max_map_count is this machine's, as on a kind node: read as it is, raised, never lowered.
        const current = Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8'))
        expect(localCluster('sysctl', '--name', 'itg-services')).toBe(
          `vm.max_map_count = ${current}\n`
        )
        expect(() =>
          localCluster('sysctl', '--name', 'itg-services', `vm.max_map_count=${current - 1}`)
        ).toThrow(
          `vm.max_map_count is this machine's own (${current}) on the kubelet node; it is raised, never lowered (asked: ${current - 1})`
        )
        expect(Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8'))).toBe(current)
      } finally {
        await kube.close()
        localCluster('down', '--name', 'itg-services')
      }
      expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toMatch(
        new RegExp(`^${state.bridge}\\b`, 'm')
      )
      expect(existsSync(dir)).toBe(false)
    },
    5 * MIN
  )
})
