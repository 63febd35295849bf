import type { KubeClient, PodView } from './kube/client.js'
import { AuthenticationError, type CatApi, type HealthRow, type MasterView } from './es/cat-api.js'
import { GiveUp } from './retry.js'

/** What a pod looked like, in the user's terms. */
export interface PodSummary {
  name: string
  uid: string
  phase: string
  ready: boolean
  ip?: string
  restarts: number
  /** Why it is not running or not ready: ImagePullBackOff, CrashLoopBackOff, Unschedulable (with message). */
  reason?: string
  terminating: boolean
  lastLogLine?: string
}

export function isReady(pod: PodView): boolean {
  return (
    !pod.metadata.deletionTimestamp &&
    (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  )
}

/** Finds the most telling reason a pod is not (yet) serving. */
export function podReason(pod: PodView): string | undefined {
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? [])
  ]
  for (const s of statuses) {
    const waiting = s.state?.waiting
    if (
      waiting?.reason &&
      waiting.reason !== 'ContainerCreating' &&
      waiting.reason !== 'PodInitializing'
    ) {
      return `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`
    }
    const terminated = s.state?.terminated
    if (terminated && terminated.exitCode !== 0)
      return `container ${s.name} exited ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}`
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled')
  if (scheduled?.status === 'False')
    return `${scheduled.reason ?? 'Unschedulable'}: ${scheduled.message ?? ''}`.trim()
  const lastExit = (pod.status?.containerStatuses ?? []).find(
    (s) => s.lastState?.terminated && !s.ready
  )
  if (lastExit?.lastState?.terminated)
    return `restarted after exit ${lastExit.lastState.terminated.exitCode}`
  return undefined
}

export function summarizePod(pod: PodView): PodSummary {
  return {
    name: pod.metadata.name,
    uid: pod.metadata.uid,
    phase: pod.status?.phase ?? 'Unknown',
    ready: isReady(pod),
    ip: pod.status?.podIP,
    restarts: (pod.status?.containerStatuses ?? []).reduce((n, s) => n + s.restartCount, 0),
    reason: podReason(pod),
    terminating: !!pod.metadata.deletionTimestamp
  }
}

export function describePods(pods: PodSummary[]): string {
  if (pods.length === 0) return 'no pods'
  return pods
    .map((p) => {
      const state = p.terminating ? 'Terminating' : p.ready ? 'Ready' : `${p.phase}, not ready`
      return `${p.name} ${state}${p.restarts ? `, ${p.restarts} restarts` : ''}${p.reason ? ` (${p.reason})` : ''}${p.lastLogLine ? `; its log says: ${p.lastLogLine}` : ''}`
    })
    .join('; ')
}

export function describeHealth(health: HealthRow | undefined, expected: number): string {
  if (!health) return 'cluster health not known'
  return `cluster ${health.status} with ${health.nodes}/${expected} nodes, ${health.unassigned} unassigned shards`
}

/** What a log line says about why a node is stuck, most telling first. */
const TELLING_LINES = [
  // The check itself, not the "did not exit normally" the engine prints after it.
  /bootstrap check failure/,
  /^ERROR:|\]\[(ERROR|FATAL) *\]/,
  /ClusterFormationFailureHelper|(master|cluster-manager) not discovered/,
  /\]\[WARN *\]|Exception/
]

/**
 * The line of a log that best says what went wrong: the last line of the most telling kind
 * (an error, then the engine's cluster-formation complaint, then any warning), else the last line.
 * The engine keeps logging after its real complaint, so the last line alone is rarely it.
 */
export function tellingLine(log: string): string | undefined {
  // Deprecation warnings (loggers o.e.d.* / o.o.d.*) say nothing about why a node is stuck.
  const lines = log
    .trim()
    .split('\n')
    .filter((l) => l && !/\]\[o\.[eo]\.d\.[\w.]* *\]/.test(l))
  for (const pattern of TELLING_LINES) {
    const found = [...lines].reverse().find((l) => pattern.test(l))
    if (found) return found
  }
  return lines[lines.length - 1]
}

/** Adds each pod's most telling recent log line (for the message at a deadline, not for every look). */
export async function withLastLogLines(
  kube: KubeClient,
  namespace: string,
  container: string,
  pods: PodSummary[]
): Promise<PodSummary[]> {
  return Promise.all(
    pods.map(async (p) => {
      const current = await kube
        .podLogs(namespace, p.name, container, false, 50)
        .catch(() => undefined)
      const previous = current?.trim()
        ? undefined
        : await kube.podLogs(namespace, p.name, container, true, 50).catch(() => undefined)
      return { ...p, lastLogLine: tellingLine(current || previous || '') }
    })
  )
}

/** Asks every given pod for its own view of the elected master, in parallel; errors become strings. */
export async function mastersSeenBy(
  api: CatApi,
  pods: string[]
): Promise<Map<string, MasterView | undefined | string>> {
  const views = await Promise.all(
    pods.map(async (pod): Promise<[string, MasterView | undefined | string]> => {
      try {
        return [pod, await api.localMaster(pod)]
      } catch (err) {
        // Credentials the engine wants or refuses: every later look would be refused alike.
        if (err instanceof AuthenticationError) throw new GiveUp(err.message)
        return [pod, `unreachable: ${(err as Error).message}`]
      }
    })
  )
  return new Map(views)
}

/** Maps a node to its pod: by IP first, else by the node name starting with the pod name. */
export function podOfNode(
  node: { name: string; ip: string },
  pods: PodSummary[]
): PodSummary | undefined {
  return (
    pods.find((p) => p.ip && p.ip === node.ip) ??
    pods.find((p) => node.name === p.name || node.name.startsWith(`${p.name}.`))
  )
}
