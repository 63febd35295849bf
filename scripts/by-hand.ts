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
    const until = async (test: () => Promise<boolean>): Promise<void> => {
      while (!(await test())) await sleep(SLEEP_MS)
    }
    const steps: { name: string; ms: number }[] = []
    const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
      const t = Date.now()
      await fn()
      steps.push({ name, ms: Date.now() - t })
    }
    const green = (pod: string) => async () =>
      /^green 3$/.test((await cat(pod, '_cat/health?h=status,node.total')) ?? '')
    const started = Date.now()
    await step('apply', async () => {
      for (const m of loadManifests([manifests])) await kube.apply(m.object, NAMESPACE)
    })
    await step('wait green', until.bind(null, green('es-cluster-0')))
    let master = ''
    await step('find master', async () => {
      master = (await cat('es-cluster-0', '_cat/master?h=node')) ?? ''
    })
    const masterPod = master.split('.')[0]
    const survivor = ['es-cluster-0', 'es-cluster-1', 'es-cluster-2'].find((p) => p !== masterPod)!
    await step('delete master pod', async () => {
      await kube.raw('DELETE', `/api/v1/namespaces/${NAMESPACE}/pods/${masterPod}`)
    })
    await step(
      'wait new master',
      until.bind(null, async () => {
        const now = await cat(survivor, '_cat/master?h=node')
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
