/**
 * The reference scenario done the way people script it by hand, for the benchmark's comparison:
 * kubectl-equivalent API calls and `sleep 5` loops (`until curl …; do sleep 5; done`). Wait for
 * green, find the master, delete its pod, wait for a new master, wait for green again. Runs on
 * a local cluster of its own, started and removed here; the cluster's start is not timed.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { KubeClient } from '../src/engine/kube/client.js'
import { loadManifests } from '../src/engine/manifests.js'
import { localClusterScript } from '../src/engine/providers/local.js'

/** What people put in their loops. */
const SLEEP_MS = 5_000
const NAMESPACE = 'by-hand'

export interface ByHandResult {
  /** From the apply to green again after the new master, as the verifier's figure. */
  wallMs: number
  steps: { name: string; ms: number }[]
}

export async function runByHand(manifests: string, clusterName: string): Promise<ByHandResult> {
  const work = mkdtempSync(join(tmpdir(), 'by-hand-'))
  const kubeconfig = join(work, 'kubeconfig')
  const cluster = (args: string[]): void => {
    execFileSync(process.execPath, [localClusterScript(), ...args, '--name', clusterName], {
      stdio: 'ignore'
    })
  }
  cluster(['up', '--detach', '--kubeconfig', kubeconfig])
  // What every guide has users do on the host first (the verifier's prepare-host does the same).
  execFileSync(process.execPath, [
    localClusterScript(),
    'sysctl',
    '--name',
    clusterName,
    'vm.max_map_count=262144'
  ])
  const kube = KubeClient.fromFile(kubeconfig)
  try {
    await kube.raw('POST', '/api/v1/namespaces', {
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }),
      contentType: 'application/json'
    })
    // curl through `kubectl get --raw …/proxy/…`; a masterless node holds _cat calls for 30 s.
    const cat = async (pod: string, path: string): Promise<string | undefined> => {
      const res = await kube
        .raw('GET', `/api/v1/namespaces/${NAMESPACE}/pods/${pod}:9200/proxy/${path}`, {
          timeoutMs: 40_000
        })
        .catch(() => undefined)
      return res?.status === 200 ? res.body.trim() : undefined
    }
    // A script would loop forever; the benchmark gives up after 10 minutes, saying where.
    const until = async (test: () => Promise<boolean>): Promise<void> => {
      const deadline = Date.now() + 600_000
      while (!(await test())) {
        if (Date.now() > deadline)
          throw new Error(`by hand: gave up after 10 min at ${steps.length + 1}. step`)
        await sleep(SLEEP_MS)
      }
    }
    const steps: { name: string; ms: number }[] = []
    const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
      const t = Date.now()
      await fn()
      steps.push({ name, ms: Date.now() - t })
    }
    // Tables as JSON (what `curl -H 'Accept: application/json'` gets): one row each here.
    const row = async (pod: string, path: string): Promise<Record<string, string>> =>
      (
        JSON.parse((await cat(pod, `${path}&format=json`)) ?? '[]') as Record<string, string>[]
      )[0] ?? {}
    // `kubectl wait --for=condition=Ready pod -l app=es` and then the health, as careful
    // scripts do (the verifier's green needs every pod Ready too).
    const allReady = async (): Promise<boolean> => {
      const pods = await kube.listPods(NAMESPACE, { app: 'es' }).catch(() => [])
      return (
        pods.length === 3 &&
        pods.every((p) =>
          (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
        )
      )
    }
    const green = (pod: string) => async () => {
      if (!(await allReady())) return false
      const health = await row(pod, '_cat/health?h=status,node.total')
      return health.status === 'green' && health['node.total'] === '3'
    }
    const started = Date.now()
    await step('apply', async () => {
      for (const m of loadManifests([manifests])) await kube.apply(m.object, NAMESPACE)
    })
    await step('wait green', until.bind(null, green('es-cluster-0')))
    let master = ''
    await step('find master', async () => {
      master = (await row('es-cluster-0', '_cat/master?h=node')).node ?? ''
    })
    const masterPod = master.split('.')[0]
    const survivor = ['es-cluster-0', 'es-cluster-1', 'es-cluster-2'].find((p) => p !== masterPod)!
    await step('delete master pod', async () => {
      await kube.raw('DELETE', `/api/v1/namespaces/${NAMESPACE}/pods/${masterPod}`)
    })
    await step(
      'wait new master',
      until.bind(null, async () => {
        const now = (await row(survivor, '_cat/master?h=node')).node
        return !!now && now !== master
      })
    )
    await step('wait green', until.bind(null, green(survivor)))
    return { wallMs: Date.now() - started, steps }
  } finally {
    await kube.close()
    cluster(['down'])
    rmSync(work, { recursive: true, force: true })
  }
}
