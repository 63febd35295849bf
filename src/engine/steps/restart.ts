import { waitForGreen } from '../formation.js'
import { formatDuration } from '../duration.js'
import type { Step } from '../scenario.js'
import { snapshotAfter } from './form.js'
import { disruptedTarget, duringDisruption, endDisruption, startDisruption } from './disruption.js'

/**
 * The restart scenario, as a node-pool upgrade does it: every pod of the StatefulSet deleted
 * at once, then the cluster must re-form, green with every node, as the same cluster (its
 * UUID unchanged). A new UUID means every node lost its state: the data check then counts
 * what went with it.
 */
export function restartSteps(): Step[] {
  let deletedAt = 0
  return [
    {
      name: 'restart',
      title: 'Restart: delete every pod at once',
      async run(ctx) {
        const kube = ctx.kube!
        const pods = await kube.listPods(ctx.namespace!, ctx.manifests.view.selector)
        startDisruption(
          ctx,
          'restart',
          'restart',
          pods.map((p) => p.metadata.uid),
          false
        )
        deletedAt = Date.now()
        const grace = ctx.options.killMode === 'force' ? 0 : undefined
        await Promise.all(
          pods.map((p) => kube.deletePod(ctx.namespace!, p.metadata.name, p.metadata.uid, grace))
        )
        ctx.timeline.record(
          'restart',
          'restart',
          `deleted ${pods.length} pods at once (${grace === 0 ? 'grace period 0' : 'their own grace period'}): ${pods.map((p) => p.metadata.name).join(', ')}`
        )
      }
    },
    {
      name: 'reform',
      title: 'Re-form after the restart: green with every node',
      async run(ctx) {
        try {
          const result = await duringDisruption(ctx, () =>
            waitForGreen(disruptedTarget(ctx), 'reform', ctx.options.rejoinTimeoutMs)
          )
          ctx.disruption?.monitor?.armRed()
          ctx.askPod = result.answeringPod
          const uuid = (await ctx.api!.localState(result.answeringPod)).clusterUuid
          const entry = ctx.report.disruptions[ctx.disruption?.index ?? -1]
          if (entry) entry.clusterUuidAfter = uuid
          ctx.logger.info(
            `Re-formed after ${formatDuration(Date.now() - deletedAt)}: cluster ${uuid}${uuid === ctx.clusterUuid ? ' (the same cluster)' : ` (a NEW cluster; was ${ctx.clusterUuid})`}`
          )
          if (uuid !== ctx.clusterUuid) {
            const message = `The cluster came back as a new cluster: its UUID changed from ${ctx.clusterUuid} to ${uuid}, so every node lost its state in the restart`
            ctx.deferred.push(message)
            ctx.logger.warning(message, {
              file: ctx.manifests.statefulset.file,
              line: ctx.manifests.statefulset.line
            })
            ctx.clusterUuid = uuid
          }
        } finally {
          await endDisruption(ctx)
        }
      },
      collect: (ctx, outcome) => snapshotAfter(ctx, 'reform', outcome)
    }
  ]
}
