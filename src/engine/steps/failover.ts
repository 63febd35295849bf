import {
  findMaster,
  killMaster,
  notePodReturn,
  waitForNewMaster,
  waitForRejoin,
  type RoundResult
} from '../failover.js'
import { captureLastWords } from '../collect.js'
import { VerificationError } from '../errors.js'
import { formatDuration } from '../duration.js'
import type { Monitor } from '../phases.js'
import type { RunContext, Step } from '../scenario.js'
import { snapshotAfter } from './form.js'
import { explainFailure } from '../explain.js'
import { disruptedTarget, duringDisruption, endDisruption, startDisruption } from './disruption.js'

/** Why there is no failover to run, if there is none. */
function noFailover(ctx: RunContext): string | undefined {
  const env = ctx.manifests.view.env
  if (env['discovery.type'] === 'single-node' || ctx.expectedNodes < 2)
    return `single-node cluster (${env['discovery.type'] === 'single-node' ? 'discovery.type=single-node' : `${ctx.expectedNodes} node expected`}): there is no other node to elect`
  return undefined
}

/**
 * The failover scenario, one pair of steps per round: kill the elected master's pod and wait
 * until every survivor follows one new master of their own; then wait until the pod is back,
 * its node rejoined and the cluster green. The availability checks run across both.
 */
export function failoverSteps(rounds: number): Step[] {
  if (rounds === 0)
    return [
      {
        name: 'failover',
        title: 'Kill the elected master',
        skip: () => 'rounds is 0',
        run: async () => undefined
      }
    ]
  const steps: Step[] = []
  for (let round = 1; round <= rounds; round++) {
    const suffix = rounds > 1 ? ` (round ${round}/${rounds})` : ''
    let killedUid = ''
    let podWatch: Monitor | undefined
    let stopPodEvents: (() => void) | undefined
    let state: RoundResult | undefined
    steps.push({
      name: `failover-${round}`,
      title: `Kill the elected master${suffix}`,
      skip: (ctx) => {
        const reason = noFailover(ctx)
        if (reason) ctx.report.failoverSkipped = reason
        return reason
      },
      async run(ctx) {
        const target = ctx.target!
        const { master, nodes } = await findMaster(target, ctx.askPod!)
        ctx.report.nodeIds = Object.fromEntries(nodes.map((n) => [n.name, n.id]))
        ctx.logger.info(`Elected master: ${master.node} in pod ${master.pod}`)
        const killedPod = await ctx.kube!.getPod(ctx.namespace!, master.pod)
        startDisruption(
          ctx,
          'failover',
          `failover-${round}`,
          killedPod ? [killedPod.metadata.uid] : [],
          true
        )
        const { killedAt, uid } = await killMaster(
          target,
          `failover-${round}`,
          master,
          ctx.options.killMode,
          (pod) =>
            ctx.pending.push(
              captureLastWords(
                {
                  kube: ctx.kube!,
                  api: ctx.api,
                  namespace: ctx.namespace!,
                  selector: target.selector,
                  logger: ctx.logger
                },
                ctx.writer,
                pod,
                `killed-round-${round}`
              )
            )
        )
        const r: RoundResult = {
          round,
          killMode: ctx.options.killMode,
          masterBefore: master,
          killedAt,
          nodeIdBefore: master.nodeId
        }
        ctx.report.rounds.push(r)
        state = r
        killedUid = uid
        // Watch for the pod's return from the kill on, across the election and the rejoin:
        // from the pod watch as it happens, with a poll as the fallback.
        stopPodEvents = target.changes?.onPod((_type, pod) => {
          if (pod.metadata.name === master.pod)
            void notePodReturn(target, `failover-${round}`, r, uid, pod)
        })
        podWatch = ctx.runner.startMonitor(
          `pod-watch-${round}`,
          ctx.options.pollIntervalMs,
          async () => {
            await notePodReturn(target, `failover-${round}`, r, uid)
          }
        )
        const survivors = ctx.formed!.pods.map((p) => p.name).filter((n) => n !== master.pod)
        try {
          r.masterAfter = await duringDisruption(ctx, () =>
            waitForNewMaster(
              disruptedTarget(ctx),
              `failover-${round}`,
              r,
              survivors,
              ctx.options.failoverTimeoutMs
            )
          )
        } catch (err) {
          // The survivors' own explanation, and the ID the killed pod came back with, if it did.
          const nodeIdAfter = await ctx.api!.localNodeId(master.pod).catch(() => undefined)
          throw await explainFailure(ctx, err, survivors, {
            pod: master.pod,
            node: master.node,
            nodeIdBefore: master.nodeId,
            nodeIdAfter: nodeIdAfter !== master.nodeId ? nodeIdAfter : undefined
          })
        }
        ctx.askPod = r.masterAfter.pod
        ctx.logger.info(
          `New master: ${r.masterAfter.node} after ${formatDuration(r.newMasterMs ?? 0)}${r.masterLostMs !== undefined ? ` (master lost seen after ${formatDuration(r.masterLostMs)})` : ''}`
        )
      },
      collect: (ctx, outcome) => snapshotAfter(ctx, `failover-${round}`, outcome)
    })
    steps.push({
      name: `rejoin-${round}`,
      title: `Rejoin: the killed pod back and green${suffix}`,
      skip: noFailover,
      async run(ctx) {
        const r = state!
        try {
          await duringDisruption(ctx, () =>
            waitForRejoin(
              disruptedTarget(ctx),
              `rejoin-${round}`,
              r,
              killedUid,
              ctx.options.rejoinTimeoutMs
            )
          )
        } catch (err) {
          throw await explainFailure(
            ctx,
            err,
            ctx.formed!.pods.map((p) => p.name),
            {
              pod: r.masterBefore.pod,
              node: r.masterBefore.node,
              nodeIdBefore: r.nodeIdBefore,
              nodeIdAfter: r.nodeIdAfter
            }
          )
        } finally {
          stopPodEvents?.()
          await podWatch?.stop()
          await endDisruption(ctx)
        }
        ctx.logger.info(
          `${r.masterBefore.pod} back after ${formatDuration(r.podBackMs ?? 0)}, rejoined after ${formatDuration(r.rejoinedMs ?? 0)}, green after ${formatDuration(r.greenMs ?? 0)}`
        )
        if (round === 1) {
          ctx.report.masterBefore = r.masterBefore
          ctx.report.masterAfter = r.masterAfter
          ctx.report.failoverMs = r.newMasterMs
          ctx.report.rejoinMs = r.greenMs
        }
        if (!r.nodeIdPersisted) {
          const message = `${r.masterBefore.pod} rejoined with a new node ID (${r.nodeIdAfter}, was ${r.nodeIdBefore}): its data path is not on a persistent volume, so its data and identity were lost`
          if (ctx.options.requirePersistentIdentity) throw new VerificationError(message)
          ctx.report.warnings.push(message)
          ctx.logger.warning(message, {
            file: ctx.manifests.statefulset.file,
            line: ctx.manifests.statefulset.line
          })
        }
      },
      collect: (ctx, outcome) => snapshotAfter(ctx, `rejoin-${round}`, outcome)
    })
  }
  return steps
}
