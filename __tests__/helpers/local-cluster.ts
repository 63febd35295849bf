import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  mkdirSync
} from 'node:fs'
import { afterAll, beforeAll, expect } from '@jest/globals'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Logger } from '../../src/engine/logger.js'
import type { KubeClient } from '../../src/engine/kube/client.js'
import type { GroundTruthEvent } from '../../local-cluster/agent/ground-truth.js'

/** The local cluster's entry point as compiled by tsc (always fresh in tests). */
export const LOCAL_CLUSTER = resolve('lib/local-cluster/agent/main.js')
export const CLUSTERS_ROOT =
  process.env.ES_K8S_VERIFY_CLUSTERS ?? join(tmpdir(), 'es-k8s-verify-clusters')

/** The local cluster needs root (network namespaces) and the compiled agent. */
export function canRunLocalCluster(): boolean {
  if (process.getuid?.() !== 0 || !existsSync(LOCAL_CLUSTER)) return false
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export function localCluster(...args: string[]): string {
  return execFileSync(process.execPath, [LOCAL_CLUSTER, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe']
  })
}

/** What really happened on a cluster, from its agent's log (copied into the report by exportLogs). */
export function groundTruth(reportDir: string): GroundTruthEvent[] {
  const file = join(reportDir, 'provider', 'ground-truth.jsonl')
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as GroundTruthEvent)
}

/** A logger that keeps every line, for assertions and for printing on failure. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warning: (m) => lines.push(`warning ${m}`),
    error: (m) => lines.push(`error ${m}`),
    debug: (m) => lines.push(`debug ${m}`),
    progress: (m) => lines.push(`progress ${m}`),
    result: (m) => lines.push(`result ${m}`),
    group: async (title, fn) => {
      lines.push(`group ${title}`)
      return fn()
    }
  }
}

/** Writes a copy of a manifest directory with textual edits, for fault scenarios. */
export function editedManifests(dir: string, edits: [string | RegExp, string][]): string {
  const out = mkdtempSync(join(tmpdir(), 'manifests-'))
  mkdirSync(out, { recursive: true })
  for (const file of ['service.yaml', 'statefulset.yaml']) {
    let text = readFileSync(join(dir, file), 'utf8')
    for (const [from, to] of edits) text = text.replace(from, to)
    writeFileSync(join(out, file), text)
  }
  return out
}

/** Every log a report holds of one pod (its containers, previous runs included). */
export function podLog(reportDir: string, pod: string): string {
  const podDir = join(reportDir, 'pods', pod)
  return readdirSync(podDir)
    .map((f) => readFileSync(join(podDir, f), 'utf8'))
    .join('\n')
}

/**
 * The pod's engine ran on the upstream kubelet on containerd (the node as `kubectl get nodes -o
 * wide` shows it), started by its own bootstrap with the checks enforced (production mode: it
 * binds a pod address). Returns the pod's log, for what else it should say.
 */
export function expectOwnBootstrapOnUpstreamNode(reportDir: string, pod: string): string {
  const nodes = readFileSync(join(reportDir, 'objects', 'nodes.yaml'), 'utf8')
  expect(nodes).toMatch(/kubeletVersion: v1\.34\.4/)
  expect(nodes).toMatch(/containerRuntimeVersion: containerd:\/\/1\.6\./)
  const log = podLog(reportDir, pod)
  expect(log).toMatch(/bound or publishing to a non-loopback address, enforcing bootstrap checks/)
  return log
}

/**
 * One local cluster for every test of the describe block that calls this: started before them,
 * removed after them (and nothing of it left). Each test runs the verifier in a namespace of its
 * own through the existing provider, with this kubeconfig.
 */
export function useSharedCluster(name: string): { readonly kubeconfig: string } {
  let dir = ''
  beforeAll(() => {
    process.env.ES_K8S_VERIFY_LOCAL_CLUSTER = LOCAL_CLUSTER
    dir = mkdtempSync(join(tmpdir(), `${name}-`))
    localCluster('up', '--name', name, '--detach', '--kubeconfig', join(dir, 'kubeconfig'))
  }, 2 * 60_000)
  afterAll(() => {
    localCluster('down', '--name', name)
    rmSync(dir, { recursive: true, force: true })
    expect(existsSync(join(CLUSTERS_ROOT, name))).toBe(false)
  }, 2 * 60_000)
  return {
    get kubeconfig() {
      return join(dir, 'kubeconfig')
    }
  }
}

/** How often the kubelet has restarted the first container of a pod (0 while it is not listed). */
export async function containerRestarts(
  kube: KubeClient,
  namespace: string,
  pod: string
): Promise<number> {
  return (
    (await kube.listPods(namespace, {})).find((p) => p.metadata.name === pod)?.status
      ?.containerStatuses?.[0]?.restartCount ?? 0
  )
}
