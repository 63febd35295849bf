import type { ClusterTarget } from './formation.js'
import type { PodView } from './kube/client.js'
import { isReady, tellingLine } from './observe.js'

/**
 * Causes that cannot resolve by themselves, recognised while a wait is under way, so that a
 * broken manifest gets its verdict in seconds instead of at the timeout. Each rule keeps
 * waiting on what can still heal (a slow pull, a node still starting, a record not yet
 * published): only a cause that nothing in the cluster will change ends the wait.
 */

/** Pull failures that no retry will fix; a network error or a slow registry is not among them. */
const FINAL_PULL =
  /not found|manifest unknown|unauthorized|authentication required|denied|invalid reference|repository does not exist|no such host|runs only/i

/** Exit codes of a process that stopped itself on purpose: 78 is the engines' configuration error (bootstrap checks, bad settings). */
const CONFIG_EXIT = 78

/**
 * A log line of an engine that refuses to start with its configuration. Not any error: a node
 * restarted while the old one still held its data directory ("failed to obtain node locks")
 * exits 1 and heals on the next try.
 */
const FATAL_LINE =
  /bootstrap check failure|bootstrap checks failed|SettingsException|unknown setting|failed to parse setting/

/** How often the causes that cost a request per pod (logs, cluster state) are looked at. */
const EXPENSIVE_EVERY_MS = 2_000

/** Image pull errors that are final, once the kubelet has retried (ImagePullBackOff), or a name that is no image name. */
export function finalPullError(pods: PodView[]): string | undefined {
  for (const pod of pods) {
    for (const s of [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? [])
    ]) {
      const w = s.state?.waiting
      if (!w?.reason) continue
      if (
        w.reason === 'InvalidImageName' ||
        (w.reason === 'ImagePullBackOff' && FINAL_PULL.test(w.message ?? ''))
      )
        return `Pod ${pod.metadata.name} cannot pull the image of container ${s.name}, and retrying will not help: ${w.reason}: ${w.message ?? ''}`.trim()
    }
  }
  return undefined
}

/** Containers that stopped themselves again after a restart, with their own fatal reason. */
export function crashedForGood(
  pods: PodView[],
  previousLog: (pod: string, container: string) => string | undefined
): string | undefined {
  for (const pod of pods) {
    for (const s of pod.status?.containerStatuses ?? []) {
      const last = s.lastState?.terminated
      // Killed by a signal (137, 143: a deletion, an OOM kill) is not the engine's own verdict.
      if (!last || s.restartCount < 1 || last.exitCode === 0 || last.exitCode > 128) continue
      const line = tellingLine(previousLog(pod.metadata.name, s.name) ?? '')
      if (last.exitCode === CONFIG_EXIT || (line && FATAL_LINE.test(line)))
        return `Container ${s.name} of pod ${pod.metadata.name} exited ${last.exitCode} again after a restart: ${line ?? 'no log'}`
    }
  }
  return undefined
}

/** The names a node is waiting for to bootstrap, and those it has discovered, from its own complaint. */
export function bootstrapComplaint(
  log: string
): { self: string; required: string[]; discovered: string[]; line: string } | undefined {
  const lines = log.trim().split('\n').reverse()
  const line = lines.find((l) => /must discover (master|cluster-manager)-eligible nodes \[/.test(l))
  if (!line) return undefined
  const self = /\] \[([^\]]+)\] /.exec(line)?.[1]?.trim() ?? ''
  const required = (/eligible nodes \[([^\]]*)\] to bootstrap/.exec(line)?.[1] ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)
  const discovered = [
    ...(/have discovered \[(.*)\]; discovery will continue/.exec(line)?.[1] ?? '').matchAll(
      /\{([^}]+)\}\{[\w-]{20,}\}/g
    )
  ].map((m) => m[1])
  return { self, required, discovered, line }
}

/** Every node found all its peers, and none of the names it must bootstrap with is any of them. */
export function unmatchableBootstrap(
  logs: Map<string, string>,
  expectedNodes: number
): string | undefined {
  const complaints = [...logs.values()].map(bootstrapComplaint)
  if (complaints.length < expectedNodes || complaints.some((c) => !c || !c.required.length))
    return undefined
  const known = new Set(complaints.flatMap((c) => [c!.self, ...c!.discovered]))
  const everyoneFound = complaints.every(
    (c) => new Set([c!.self, ...c!.discovered]).size >= expectedNodes
  )
  const required = [...new Set(complaints.flatMap((c) => c!.required))]
  if (!everyoneFound || required.some((r) => known.has(r))) return undefined
  return `The nodes found each other (${[...known].join(', ')}) but can never bootstrap: cluster.initial_master_nodes names ${required.join(', ')}, which is no node's node.name. The engine says: ${complaints[0]!.line}`
}

/** Nodes that each bootstrapped a cluster of their own (distinct cluster UUIDs): they never merge. */
export function separateClusters(uuids: Map<string, string>): string | undefined {
  const byUuid = new Map<string, string[]>()
  for (const [pod, uuid] of uuids) {
    if (!uuid || uuid === '_na_') continue
    byUuid.set(uuid, [...(byUuid.get(uuid) ?? []), pod])
  }
  if (byUuid.size < 2) return undefined
  return `The nodes formed ${byUuid.size} separate clusters: ${[...byUuid.entries()].map(([u, ps]) => `${ps.join(', ')} in cluster ${u}`).join('; ')}. A node that has bootstrapped a cluster never joins another: check discovery.type, discovery.seed_hosts and cluster.initial_master_nodes.`
}

/**
 * Watches for terminal causes during one wait. Cheap rules (pod statuses) run on every look;
 * rules that read logs or ask every node run at most every 2 s.
 */
export class TerminalCauses {
  private lastExpensive = 0

  constructor(private readonly target: ClusterTarget) {}

  /** The terminal cause seen in these pods, or undefined while everything can still heal. */
  async check(pods: PodView[], anyMaster: boolean): Promise<string | undefined> {
    const pulled = finalPullError(pods)
    if (pulled) return pulled
    const claim = await this.missingStorageClass(pods)
    if (claim) return claim
    if (Date.now() - this.lastExpensive < EXPENSIVE_EVERY_MS) return undefined
    this.lastExpensive = Date.now()
    const { kube, namespace, container } = this.target
    const restarted = pods.filter((p) =>
      (p.status?.containerStatuses ?? []).some((s) => s.restartCount > 0)
    )
    const previous = new Map<string, string | undefined>()
    await Promise.all(
      restarted.map(async (p) =>
        previous.set(
          p.metadata.name,
          await kube.podLogs(namespace, p.metadata.name, container, true, 80).catch(() => undefined)
        )
      )
    )
    const crashed = crashedForGood(pods, (pod) => previous.get(pod))
    if (crashed) return crashed
    const ready = pods.filter(isReady)
    if (ready.length < this.target.expectedNodes) return undefined
    const uuids = new Map<string, string>()
    await Promise.all(
      ready.map(async (p) => {
        const state = await this.target.api.localState(p.metadata.name).catch(() => undefined)
        if (state) uuids.set(p.metadata.name, state.clusterUuid)
      })
    )
    const split = separateClusters(uuids)
    if (split) return split
    if (anyMaster) return undefined
    const logs = new Map<string, string>()
    await Promise.all(
      ready.map(async (p) => {
        const log = await kube
          .podLogs(namespace, p.metadata.name, container, false, 40)
          .catch(() => undefined)
        if (log) logs.set(p.metadata.name, log)
      })
    )
    return unmatchableBootstrap(logs, this.target.expectedNodes)
  }

  /** A pod waits for a claim whose StorageClass does not exist: no provisioner will ever bind it. */
  private async missingStorageClass(pods: PodView[]): Promise<string | undefined> {
    const waiting = pods.find((p) =>
      (p.status?.conditions ?? []).some(
        (c) => c.type === 'PodScheduled' && c.status === 'False' && /unbound/i.test(c.message ?? '')
      )
    )
    if (!waiting) return undefined
    const { kube, namespace } = this.target
    const claims = (await kube
      .list(`/api/v1/namespaces/${namespace}/persistentvolumeclaims`)
      .catch(() => [])) as {
      metadata: { name: string }
      spec?: { storageClassName?: string }
      status?: { phase?: string }
    }[]
    for (const c of claims) {
      const cls = c.spec?.storageClassName
      if (c.status?.phase !== 'Pending' || !cls) continue
      const res = await kube
        .raw('GET', `/apis/storage.k8s.io/v1/storageclasses/${encodeURIComponent(cls)}`)
        .catch(() => undefined)
      if (res?.status === 404)
        return `Pod ${waiting.metadata.name} is Unschedulable: its claim ${c.metadata.name} asks for StorageClass ${cls}, which does not exist, so no provisioner will ever bind it. Use an existing StorageClass (kind and the local cluster have standard) or none for the default.`
    }
    return undefined
  }
}
