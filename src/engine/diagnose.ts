import { quantityBytes } from '../lint/rules/heap.js'
import { SEED_HOSTS, seedHostList, settingOf } from '../lint/context.js'
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

/**
 * An engine that cannot start at all, whatever its peers do: its main thread died of an uncaught
 * throwable during start-up (Elasticsearch 8 and later say "fatal exception while booting"), or
 * the JVM found no class to run. The same jars fail the same way on
 * every restart (a missing class, a JDK too old for the class files).
 */
const STARTUP_FATAL =
  /fatal error in thread \[main\]|uncaught exception in thread \[main\]|fatal exception while booting (?:Elasticsearch|OpenSearch)|Could not find or load main class|UnsupportedClassVersionError/

/** What such a start says that does heal on the next try: the previous instance still held the data directory. */
const HEALS_ON_RETRY = /failed to obtain node locks/

/** The line that names why the start failed: the throwable after the fatal line, else the fatal line itself. */
export function startupFatalLine(log: string): string | undefined {
  if (!STARTUP_FATAL.test(log) || HEALS_ON_RETRY.test(log)) return undefined
  const lines = log.split('\n')
  const at = lines.findIndex((l) => STARTUP_FATAL.test(l))
  const cause = lines
    .slice(at)
    .find((l) => /^(?:Caused by: )?[\w$.]+(?:Exception|Error)(?::|$)/.test(l.trim()))
  return (cause ?? lines[at]).trim()
}

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
      // The runtime could not start the process at all (no such executable, a bad mount): the
      // kubelet says so as the reason StartError, exit 128, and it fails alike on every restart.
      if (last.reason === 'StartError' || last.reason === 'ContainerCannotRun')
        return `Container ${s.name} of pod ${pod.metadata.name} cannot be started, and fails alike on every restart: ${last.message ?? last.reason}`
      const log = previousLog(pod.metadata.name, s.name) ?? ''
      const line = tellingLine(log)
      if (last.exitCode === CONFIG_EXIT || (line && FATAL_LINE.test(line)))
        return `Container ${s.name} of pod ${pod.metadata.name} exited ${last.exitCode} again after a restart: ${line ?? 'no log'}`
      const fatal = startupFatalLine(log)
      if (fatal)
        return `Container ${s.name} of pod ${pod.metadata.name} cannot start: its engine died during start-up again after a restart (exit ${last.exitCode}): ${fatal}`
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

/** Host names an engine failed to resolve: its seed-host resolver's warnings and the Java exceptions. */
export function unresolvedHosts(log: string): string[] {
  const names = [
    ...log.matchAll(/failed to resolve host \[([^\]\s]+)\]/g),
    ...log.matchAll(/UnknownHostException: (?:Unable to resolve host )?([\w.-]+)/g)
  ].map((m) => m[1].replace(/\.$/, '').toLowerCase())
  return [...new Set(names)]
}

export interface ServiceView {
  metadata: { name: string }
  spec?: { clusterIP?: string; selector?: Record<string, string> }
}

/**
 * Why a peer's per-pod name can never resolve, from the objects that cluster DNS answers from:
 * `<pod>.<service>` exists only for a headless Service of that name that selects the pod, and
 * only when the pod's subdomain (its StatefulSet's serviceName) is that Service. A name that
 * meets all three is merely not published yet and may still resolve: undefined. A name that is
 * none of our pods' names is not judged.
 */
export function peerNameNeverResolves(
  name: string,
  pods: PodView[],
  services: ServiceView[],
  namespace: string,
  expectedNodes = Number.POSITIVE_INFINITY
): string | undefined {
  const [host, subdomain, inNamespace] = name.split('.')
  if (inNamespace && inNamespace !== namespace) return undefined
  const hostname = (p: PodView): string => p.spec?.hostname ?? p.metadata.name
  const pod = pods.find((p) => hostname(p) === host)
  if (!pod) {
    // A name under our pods' subdomain that is none of them, once every pod exists: the
    // StatefulSet never makes another (a typo in seed_hosts).
    const ours = pods.filter((p) => subdomain && p.spec?.subdomain === subdomain)
    if (ours.length < expectedNodes) return undefined
    return `${name} names no pod: the pods under ${subdomain} are ${ours.map(hostname).sort().join(', ')}, and the StatefulSet makes no other.`
  }
  const headless = services.filter((s) => s.spec?.clusterIP === 'None').map((s) => s.metadata.name)
  const own = pod.spec?.subdomain
  if (!subdomain)
    return `${name} is a bare pod name, which cluster DNS never answers: a pod of a StatefulSet is reachable as <pod>.<headless Service>${own ? ` (${host}.${own})` : ''}.`
  const service = services.find((s) => s.metadata.name === subdomain)
  if (!service)
    return `${name} names Service ${subdomain}, which does not exist in namespace ${namespace} (headless Services there: ${headless.join(', ') || 'none'}).`
  if (service.spec?.clusterIP !== 'None')
    return `Service ${subdomain} is not headless (clusterIP ${service.spec?.clusterIP ?? 'unset'}), and this cluster's DNS gives pods a name of their own only under a headless Service, so ${name} never resolves. Set clusterIP: None.`
  const selector = service.spec?.selector ?? {}
  const labels = pod.metadata.labels ?? {}
  const unmatched = Object.entries(selector).filter(([k, v]) => labels[k] !== v)
  if (!Object.keys(selector).length || unmatched.length)
    return `Service ${subdomain} selects ${
      Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || 'nothing'
    }, which pod ${pod.metadata.name} does not carry, so ${name} never resolves.`
  if (own !== subdomain)
    return `The StatefulSet's serviceName is ${own ?? 'unset'}, so its pods are named ${host}.${own ?? '?'}, never ${name}. Set serviceName: ${subdomain}, or name the peers after ${own}.`
  return undefined
}

/**
 * The names in the container's discovery.seed_hosts (ports dropped, lower case), or undefined when
 * its env does not set them (they may come from a mounted elasticsearch.yml).
 */
export function seedHostNames(env: Record<string, string>): string[] | undefined {
  const seeds = settingOf(env, SEED_HOSTS)
  return seeds && seedHostList(seeds.value)
}

/**
 * Why each seed host that cluster DNS will never answer never resolves, by name. A name that
 * resolves, may still resolve, or is not one of ours is not among them.
 */
export function seedHostsThatNeverResolve(
  seedHosts: string[],
  pods: PodView[],
  services: ServiceView[],
  namespace: string,
  expectedNodes?: number
): Map<string, string> {
  const never = new Map<string, string>()
  for (const name of seedHosts) {
    const why = peerNameNeverResolves(name, pods, services, namespace, expectedNodes)
    if (why) never.set(name, why)
  }
  return never
}

/** Peers named in a way that cluster DNS will never answer, with the object to fix. */
export function peersNeverResolve(
  logs: Map<string, string>,
  pods: PodView[],
  services: ServiceView[],
  namespace: string,
  expectedNodes?: number
): string | undefined {
  const names = [...new Set([...logs.values()].flatMap(unresolvedHosts))].sort()
  for (const name of names) {
    const why = peerNameNeverResolves(name, pods, services, namespace, expectedNodes)
    if (why) return `Peer names never resolve: ${why}`
  }
  return undefined
}

export interface NodeView {
  metadata: { name: string }
  status?: { allocatable?: Record<string, string> }
}

/** Millicores of a CPU quantity (500m, 2, 1.5). */
export function quantityMillicores(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(text)
  return m ? Number(m[1]) * (m[2] ? 1 : 1000) : NaN
}

/** What a pod asks of a node: the sum over its containers, or its largest init container if more. */
export function podRequests(pod: PodView): { cpu: number; memory: number } {
  const of = (cs: { resources?: { requests?: Record<string, string> } }[] | undefined) =>
    (cs ?? []).map((c) => ({
      cpu: quantityMillicores(c.resources?.requests?.cpu ?? '0') || 0,
      memory: quantityBytes(c.resources?.requests?.memory ?? '0') || 0
    }))
  const main = of(pod.spec?.containers).reduce(
    (a, b) => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory }),
    { cpu: 0, memory: 0 }
  )
  const init = of(pod.spec?.initContainers)
  return {
    cpu: Math.max(main.cpu, ...init.map((c) => c.cpu)),
    memory: Math.max(main.memory, ...init.map((c) => c.memory))
  }
}

/**
 * A pod the scheduler turned down that asks more than any node can allocate at all, so no
 * eviction or finished pod will ever make room. A pod that merely waits for room is not final.
 */
export function unschedulableForGood(pods: PodView[], nodes: NodeView[]): string | undefined {
  if (!nodes.length) return undefined
  const largest = {
    cpu: Math.max(...nodes.map((n) => quantityMillicores(n.status?.allocatable?.cpu ?? '0'))),
    memory: Math.max(...nodes.map((n) => quantityBytes(n.status?.allocatable?.memory ?? '0')))
  }
  for (const pod of pods) {
    const refused = resourceRefusal(pod)
    if (!refused) continue
    const asked = podRequests(pod)
    const over = [
      asked.cpu > largest.cpu &&
        `cpu ${asked.cpu / 1000} cores where the largest node allocates ${largest.cpu / 1000}`,
      asked.memory > largest.memory &&
        `memory ${gib(asked.memory)} where the largest node allocates ${gib(largest.memory)}`
    ].filter(Boolean)
    if (over.length)
      return `Pod ${pod.metadata.name} can never be scheduled: it requests ${over.join(' and ')}. The scheduler says: ${refused.message ?? refused.reason}`
  }
  return undefined
}

/**
 * The scheduler's refusal of a pod for lack of CPU or memory. Only once it has weighed resources
 * (not, say, while claims are still unbound), so that the message quoted is the one that applies.
 */
function resourceRefusal(pod: PodView): { reason?: string; message?: string } | undefined {
  return (pod.status?.conditions ?? []).find(
    (c) =>
      c.type === 'PodScheduled' &&
      c.status === 'False' &&
      c.reason === 'Unschedulable' &&
      /Insufficient (cpu|memory)/.test(c.message ?? '')
  )
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)}Gi`
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
    const unschedulable = await this.unschedulable(pods)
    if (unschedulable) return unschedulable
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
    if (ready.length >= this.target.expectedNodes) {
      const uuids = new Map<string, string>()
      await Promise.all(
        ready.map(async (p) => {
          const state = await this.target.api.localState(p.metadata.name).catch(() => undefined)
          if (state) uuids.set(p.metadata.name, state.clusterUuid)
        })
      )
      const split = separateClusters(uuids)
      if (split) return split
    }
    if (anyMaster) return undefined
    // Without a master: what the engines say about their peers. Enough lines that a resolver's
    // stack traces do not push the formation helper's complaint out of sight.
    const running = pods.filter((p) =>
      (p.status?.containerStatuses ?? []).some((s) => s.name === container && s.state?.running)
    )
    const logs = new Map<string, string>()
    await Promise.all(
      running.map(async (p) => {
        const log = await kube
          .podLogs(namespace, p.metadata.name, container, false, 300)
          .catch(() => undefined)
        if (log) logs.set(p.metadata.name, log)
      })
    )
    if ([...logs.values()].some((l) => unresolvedHosts(l).length)) {
      const services = (await kube
        .list(`/api/v1/namespaces/${namespace}/services`)
        .catch(() => undefined)) as ServiceView[] | undefined
      const peers =
        services && peersNeverResolve(logs, pods, services, namespace, this.target.expectedNodes)
      // Terminal only when no seed host can lead anywhere: one that resolves to a peer is enough
      // for every node to find the cluster through it (the form step warns about the others).
      const { seedHosts } = this.target
      const someSeedLeads =
        !!services &&
        !!seedHosts &&
        seedHostsThatNeverResolve(seedHosts, pods, services, namespace, this.target.expectedNodes)
          .size < seedHosts.length
      if (peers && !someSeedLeads) return peers
    }
    if (ready.length < this.target.expectedNodes) return undefined
    return unmatchableBootstrap(
      new Map([...logs].filter(([pod]) => ready.some((p) => p.metadata.name === pod))),
      this.target.expectedNodes
    )
  }

  /** A pod asks for more than any node has; nodes are read only once a pod was turned down for resources. */
  private async unschedulable(pods: PodView[]): Promise<string | undefined> {
    if (!pods.some(resourceRefusal)) return undefined
    const nodes = (await this.target.kube.list('/api/v1/nodes').catch(() => [])) as NodeView[]
    return unschedulableForGood(pods, nodes)
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
