import type { ClusterTarget } from './formation.js'
import { BLOCKING_WAIT_S, waitForGreen } from './formation.js'
import type { NodeRow } from './es/cat-api.js'
import type { KillMode } from './options.js'
import { waitFor } from './retry.js'
import { VerificationError } from './errors.js'
import type { PodView } from './kube/client.js'
import { mastersSeenBy, podOfNode, summarizePod, describePods, type PodSummary } from './observe.js'

export interface MasterIdentity {
  pod: string
  node: string
  nodeId: string
  ip: string
}

export interface RoundResult {
  round: number
  killMode: KillMode
  masterBefore: MasterIdentity
  masterAfter?: MasterIdentity
  killedAt: number
  /** Milliseconds from the kill request. */
  masterLostMs?: number
  newMasterMs?: number
  podBackMs?: number
  podReadyMs?: number
  rejoinedMs?: number
  greenMs?: number
  nodeIdBefore: string
  nodeIdAfter?: string
  nodeIdPersisted?: boolean
}

/** Finds the elected master from a node that knows it, mapped to its pod. */
export async function findMaster(
  target: ClusterTarget,
  askPod: string
): Promise<{ master: MasterIdentity; nodes: NodeRow[]; pods: PodSummary[] }> {
  const nodes = await target.api.nodes(askPod)
  const pods = (await target.kube.listPods(target.namespace, target.selector)).map(summarizePod)
  const row = nodes.find((n) => n.master === '*')
  if (!row)
    throw new VerificationError(`${askPod} lists no elected master in _cat/nodes`, { nodes })
  const pod = podOfNode(row, pods)
  if (!pod)
    throw new VerificationError(
      `The elected master ${row.name} (${row.ip}) is not a pod of this StatefulSet: ${describePods(pods)}`,
      { nodes, pods }
    )
  return { master: { pod: pod.name, node: row.name, nodeId: row.id, ip: row.ip }, nodes, pods }
}

/**
 * Asserts that the survivors elect a new master: every survivor's own view (asked with
 * local=true, which answers at once without a master) names the same node, and not the killed one.
 */
export async function waitForNewMaster(
  target: ClusterTarget,
  phase: string,
  round: RoundResult,
  survivors: string[],
  timeoutMs: number
): Promise<MasterIdentity> {
  const killed = round.masterBefore
  let lostRecorded = false
  const views = new Map<string, string>()
  return waitFor(
    `a new master to be elected by ${survivors.join(', ')}`,
    async () => {
      const seen = await mastersSeenBy(target.api, survivors)
      for (const [pod, view] of seen)
        views.set(
          pod,
          typeof view === 'string' ? view : view ? `${view.name} (${view.id})` : 'no master'
        )
      const ids = [...seen.values()].map((v) => (v && typeof v !== 'string' ? v.id : undefined))
      if (!lostRecorded && ids.some((id) => id !== killed.nodeId)) {
        lostRecorded = true
        round.masterLostMs = Date.now() - round.killedAt
        target.timeline.record(
          phase,
          'master-lost',
          `a survivor no longer follows ${killed.node}`,
          Object.fromEntries(views)
        )
      }
      const first = ids[0]
      if (first && first !== killed.nodeId && ids.every((id) => id === first)) {
        const view = [...seen.values()][0] as { id: string; name: string; ip: string }
        const podViews =
          target.changes?.currentPods() ??
          (await target.kube.listPods(target.namespace, target.selector))
        const pod = podOfNode(view, podViews.map(summarizePod))
        // A master the survivors still name but that is not one of them (a node lost since)
        // is no successor: keep waiting until they agree on one of their own.
        if (pod && !survivors.includes(pod.name)) {
          return {
            done: false,
            seen: Object.fromEntries(views),
            summary: `survivors still follow ${view.name}, which is not one of them`
          }
        }
        round.newMasterMs = Date.now() - round.killedAt
        const identity = {
          pod: pod?.name ?? view.name,
          node: view.name,
          nodeId: view.id,
          ip: view.ip
        }
        target.timeline.record(phase, 'new-master', `all survivors follow ${view.name}`, identity)
        return { done: true, value: identity }
      }
      return {
        done: false,
        seen: Object.fromEntries(views),
        summary: `survivors' views of the master: ${[...views.entries()].map(([p, v]) => `${p}: ${v}`).join('; ')}`
      }
    },
    {
      timeoutMs,
      intervalMs: target.pollIntervalMs,
      onProgress: (s) => target.logger.progress(s),
      signal: target.signal,
      wake: target.changes?.next
    }
  )
}

/**
 * Asserts that the killed pod comes back under the same name with a new UID, becomes Ready,
 * its node is listed by the master again, and the cluster is green with every node.
 */
export async function waitForRejoin(
  target: ClusterTarget,
  phase: string,
  round: RoundResult,
  killedUid: string,
  timeoutMs: number
): Promise<void> {
  const name = round.masterBefore.pod
  const started = Date.now()
  await waitFor(
    `${name} to come back and rejoin`,
    async () => {
      const summary = await notePodReturn(target, phase, round, killedUid)
      if (!summary || summary.uid === killedUid) {
        return {
          done: false,
          seen: summary,
          summary: summary
            ? `${name} is still the old pod (${summary.terminating ? 'Terminating' : summary.phase})`
            : `${name} does not exist yet`
        }
      }
      if (!summary.ready) return { done: false, seen: summary, summary: describePods([summary]) }
      const masterPod = round.masterAfter?.pod ?? name
      const listed = (rows: NodeRow[]) =>
        rows.find((n) => n.ip === summary.ip || n.name === name || n.name.startsWith(`${name}.`))
      let nodes = await target.api.nodes(masterPod)
      if (!listed(nodes)) {
        // The master's own blocking wait for the node count answers the moment the node joins.
        const joined = await target.api
          .awaitHealth(masterPod, { nodes: target.expectedNodes }, BLOCKING_WAIT_S)
          .catch(() => false)
        if (joined) nodes = await target.api.nodes(masterPod)
      }
      const row = listed(nodes)
      if (!row)
        return {
          done: false,
          seen: { nodes },
          summary: `${name} is Ready but the master ${masterPod} lists only ${nodes.map((n) => n.name).join(', ')}`
        }
      round.rejoinedMs = Date.now() - round.killedAt
      round.nodeIdAfter = row.id
      round.nodeIdPersisted = row.id === round.nodeIdBefore
      target.timeline.record(
        phase,
        'node-rejoined',
        `${row.name} rejoined as ${row.id}${round.nodeIdPersisted ? ' (same node ID)' : ` (new node ID; was ${round.nodeIdBefore})`}`,
        row
      )
      return { done: true, value: undefined }
    },
    {
      timeoutMs,
      intervalMs: target.pollIntervalMs,
      onProgress: (s) => target.logger.progress(s),
      signal: target.signal,
      wake: target.changes?.next
    }
  )
  const remaining = Math.max(timeoutMs - (Date.now() - started), target.pollIntervalMs)
  await waitForGreen(target, phase, remaining)
  round.greenMs = Date.now() - round.killedAt
}

/**
 * Looks once at the killed pod's successor and records, the first time each is seen, that it
 * was recreated and that it is Ready. Called by the rejoin wait and, from the kill on, by a
 * background watch, so these moments are noticed while the election is still being awaited.
 */
export async function notePodReturn(
  target: ClusterTarget,
  phase: string,
  round: RoundResult,
  killedUid: string,
  /** The pod as a watch event just showed it; read from the API when not given. */
  seen?: PodView
): Promise<PodSummary | undefined> {
  const name = round.masterBefore.pod
  const pod =
    seen ??
    (target.changes?.currentPods()?.find((p) => p.metadata.name === name) ||
      (await target.kube.getPod(target.namespace, name)))
  const summary = pod ? summarizePod(pod) : undefined
  if (!summary || summary.uid === killedUid) return summary
  if (round.podBackMs === undefined) {
    round.podBackMs = Date.now() - round.killedAt
    target.timeline.record(phase, 'pod-back', `${name} was recreated (uid ${summary.uid})`, {
      uid: summary.uid
    })
  }
  if (summary.ready && round.podReadyMs === undefined) {
    round.podReadyMs = Date.now() - round.killedAt
    target.timeline.record(phase, 'pod-ready', `${name} is Ready again`, { ip: summary.ip })
  }
  return summary
}

/** Deletes the master's pod: its own grace period, or none. */
export async function killMaster(
  target: ClusterTarget,
  phase: string,
  master: MasterIdentity,
  mode: KillMode,
  beforeDelete?: (pod: PodView) => void
): Promise<{ killedAt: number; uid: string }> {
  const pod = await target.kube.getPod(target.namespace, master.pod)
  if (!pod)
    throw new VerificationError(
      `The master's pod ${master.pod} vanished before it could be deleted`
    )
  beforeDelete?.(pod)
  const killedAt = Date.now()
  await target.kube.deletePod(
    target.namespace,
    master.pod,
    pod.metadata.uid,
    mode === 'force' ? 0 : undefined
  )
  target.timeline.record(
    phase,
    'kill',
    `deleted pod ${master.pod} (${mode === 'force' ? 'grace period 0' : 'its own grace period'}), the elected master ${master.node}`,
    { uid: pod.metadata.uid }
  )
  return { killedAt, uid: pod.metadata.uid }
}
