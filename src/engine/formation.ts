import type { KubeClient } from './kube/client.js'
import type { CatApi, HealthRow } from './es/cat-api.js'
import type { Timeline } from './timeline.js'
import type { Logger } from './logger.js'
import { GiveUp, waitFor } from './retry.js'
import { TerminalCauses, separateClusters } from './diagnose.js'
import {
  describeHealth,
  describePods,
  isReady,
  mastersSeenBy,
  summarizePod,
  withLastLogLines,
  type PodSummary
} from './observe.js'
import { VerificationError } from './errors.js'
import type { ClusterChanges } from './changes.js'

/** How long one blocking health request may hold a wait (terminal causes are checked between). */
export const BLOCKING_WAIT_S = 2

/** What the engine needs to watch one StatefulSet's cluster. */
export interface ClusterTarget {
  kube: KubeClient
  api: CatApi
  namespace: string
  selector: Record<string, string>
  container: string
  expectedNodes: number
  timeline: Timeline
  logger: Logger
  pollIntervalMs: number
  /** Aborts waits at once (SIGINT/SIGTERM). */
  signal?: AbortSignal
  /** Pod and engine changes as they happen: waits look at once instead of at their next poll. */
  changes?: ClusterChanges
  /** discovery.seed_hosts as the manifests set it, when they do (see seedHostNames). */
  seedHosts?: string[]
}

export interface FormationResult {
  health: HealthRow
  pods: PodSummary[]
  /** Pod that answered with green health; has a master. */
  answeringPod: string
}

/**
 * Waits until the StatefulSet's pods are Ready and `_cat/health` says green with the expected
 * node count. `_cat/health` is asked only of a node that already knows a master: on a
 * masterless node it blocks for 30 s. At the deadline the error says what each pod and the
 * cluster last looked like, and names separate clusters when nodes disagree on the cluster UUID.
 */
export async function waitForGreen(
  target: ClusterTarget,
  phase: string,
  timeoutMs: number
): Promise<FormationResult> {
  const { kube, api, namespace, timeline, expectedNodes } = target
  let readySeen = new Set<string>()
  let lastHealth: HealthRow | undefined
  let lastPods: PodSummary[] = []
  let knownMaster: string | undefined
  const terminal = new TerminalCauses(target)
  try {
    return await waitFor(
      `the cluster to turn green with ${expectedNodes} nodes`,
      async () => {
        const views =
          target.changes?.currentPods() ?? (await kube.listPods(namespace, target.selector))
        const pods = views.map(summarizePod)
        lastPods = pods
        const ready = pods.filter((p) => p.ready)
        for (const p of ready)
          if (!readySeen.has(p.name))
            timeline.record(phase, 'pod-ready', `${p.name} is Ready`, { pod: p.name, ip: p.ip })
        readySeen = new Set(ready.map((p) => p.name))
        const seen = (): { done: false; seen: unknown; summary: string } => ({
          done: false,
          seen: { pods, health: lastHealth },
          summary: `${ready.length}/${expectedNodes} pods Ready: ${describePods(pods)}; ${describeHealth(lastHealth, expectedNodes)}`
        })
        // Once every pod is Ready, the health of the pod that last knew a master is asked at
        // the same time as the masters: the look that can succeed costs one round trip, not two.
        const early =
          knownMaster && ready.length >= expectedNodes && ready.some((p) => p.name === knownMaster)
            ? api.health(knownMaster).catch(() => undefined)
            : undefined
        const masters = await mastersSeenBy(
          api,
          ready.map((p) => p.name)
        )
        const withMaster = [...masters.entries()].find(([, m]) => m && typeof m !== 'string')
        // A cause that cannot heal ends the wait now, not at the timeout.
        const cause = await terminal.check(views, !!withMaster)
        if (cause) throw new GiveUp(cause)
        if (!withMaster) return seen()
        let health =
          (withMaster[0] === knownMaster ? await early : undefined) ??
          (await api.health(withMaster[0]))
        knownMaster = withMaster[0]
        if (health.status !== 'green' || health.nodes !== expectedNodes) {
          // The engine's own blocking wait answers the moment it is green with every node:
          // no poll interval and no log pipeline in between. Short, so causes are still checked.
          const reached = await api
            .awaitHealth(withMaster[0], { nodes: expectedNodes, green: true }, BLOCKING_WAIT_S)
            .catch(() => false)
          if (reached) health = await api.health(withMaster[0])
        }
        lastHealth = health
        // Readiness may have changed meanwhile: the watch's view, not the one from before.
        const readyNow = (target.changes?.currentPods() ?? views).filter(isReady).length
        if (
          health.status === 'green' &&
          health.nodes === expectedNodes &&
          readyNow >= expectedNodes
        ) {
          timeline.record(
            phase,
            'green',
            `cluster green with ${health.nodes} nodes (asked ${withMaster[0]})`,
            health
          )
          return { done: true, value: { health, pods, answeringPod: withMaster[0] } }
        }
        return seen()
      },
      {
        timeoutMs,
        intervalMs: target.pollIntervalMs,
        onProgress: (s) => target.logger.progress(s),
        signal: target.signal,
        wake: target.changes?.next
      }
    )
  } catch (err) {
    if (!(err instanceof VerificationError)) throw err
    const pods = await withLastLogLines(kube, namespace, target.container, lastPods)
    const split = err.message.includes('separate clusters')
      ? undefined
      : await clusterSplit(target, pods)
    // The cause on the first line, read at a glance (summary, annotation, junit); the evidence
    // on the lines after it.
    const message = [
      err.message.split(' Last seen:')[0],
      split ?? '',
      `Pods: ${describePods(pods)}.`,
      `Cluster: ${describeHealth(lastHealth, expectedNodes)}.`
    ]
      .filter(Boolean)
      .join('\n')
    throw new VerificationError(message, { pods, health: lastHealth })
  }
}

/** Names nodes that formed separate clusters (different cluster UUIDs), or undefined. */
async function clusterSplit(
  target: ClusterTarget,
  pods: PodSummary[]
): Promise<string | undefined> {
  const uuids = new Map<string, string>()
  await Promise.all(
    pods
      .filter((p) => p.ready)
      .map(async (p) => {
        const state = await target.api.localState(p.name).catch(() => undefined)
        if (state) uuids.set(p.name, state.clusterUuid)
      })
  )
  return separateClusters(uuids)
}
