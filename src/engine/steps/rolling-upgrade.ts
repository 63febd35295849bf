import { waitFor } from '../retry.js'
import { waitForGreen } from '../formation.js'
import { VerificationError } from '../errors.js'
import { formatDuration } from '../duration.js'
import { isReady } from '../observe.js'
import type { ManifestSet, RunContext, Step } from '../scenario.js'
import { applyManifestSet } from './apply.js'
import { snapshotAfter } from './form.js'
import { disruptedTarget, duringDisruption, endDisruption, startDisruption } from './disruption.js'

/** The annotation `kubectl rollout restart` sets; ours, so that both can be told apart. */
const RESTARTED_AT = 'es-k8s-verify/restartedAt'

/** The manifests with a pod-template annotation that changes the revision: a rolling restart. */
function withRestart(set: ManifestSet): ManifestSet {
  const sts = structuredClone(set.statefulset.object)
  const template = ((sts.spec ??= {}).template ??= {}) as {
    metadata?: { annotations?: Record<string, string> }
  }
  template.metadata = {
    ...template.metadata,
    annotations: { ...template.metadata?.annotations, [RESTARTED_AT]: new Date().toISOString() }
  }
  const statefulset = { ...set.statefulset, object: sts }
  return {
    ...set,
    statefulset,
    objects: set.objects.map((o) => (o === set.statefulset ? statefulset : o))
  }
}

async function readStatefulSet(ctx: RunContext) {
  const sts = await ctx.kube!.getStatefulSet(ctx.namespace!, ctx.manifests.view.name)
  if (!sts) throw new VerificationError(`StatefulSet ${ctx.manifests.view.name} no longer exists`)
  return sts
}

/**
 * The rolling-upgrade scenario, the PR gate's own question: a manifest change is a change to a
 * running cluster. The cluster formed from base-manifests is moved to the manifests under test
 * (without a base: a rolling restart of them), the StatefulSet's rollout is followed pod by pod
 * until every pod runs the new revision, and the cluster must turn green again without ever
 * going red or losing an acknowledged write.
 */
export function rollingUpgradeSteps(): Step[] {
  return [
    {
      name: 'rolling-upgrade',
      title: 'Rolling upgrade to the manifests under test',
      async run(ctx) {
        const started = Date.now()
        const before = await readStatefulSet(ctx)
        const fromRevision = before.status?.currentRevision
        startDisruption(ctx, 'rolling-upgrade', 'rolling-upgrade', [], true)
        try {
          await applyManifestSet(ctx, ctx.base ? ctx.manifests : withRestart(ctx.manifests))
          let sts = await readStatefulSet(ctx)
          if (sts.spec?.updateStrategy?.type === 'OnDelete')
            throw new VerificationError(
              `StatefulSet ${sts.metadata.name} has updateStrategy OnDelete: the controller never replaces a running pod, so the new revision is never rolled out. Use updateStrategy RollingUpdate (the default).`
            )
          sts = await waitFor(
            'the StatefulSet controller to see the change',
            async () => {
              const s = await readStatefulSet(ctx)
              return (s.status?.observedGeneration ?? 0) >= (s.metadata.generation ?? 0)
                ? { done: true, value: s }
                : {
                    done: false,
                    seen: s.status,
                    summary: `observed generation ${s.status?.observedGeneration} of ${s.metadata.generation}`
                  }
            },
            {
              timeoutMs: 30_000,
              intervalMs: ctx.options.pollIntervalMs,
              signal: disruptedTarget(ctx).signal
            }
          )
          if (sts.status?.updateRevision === fromRevision) {
            ctx.logger.warning(
              'The manifests under test change nothing in the pod template, so nothing would roll: rolling-restarting them instead.'
            )
            await applyManifestSet(ctx, withRestart(ctx.manifests))
          }
          const updated = new Set<string>()
          await duringDisruption(ctx, () =>
            waitFor(
              'every pod to run the new revision and be Ready',
              async () => {
                const s = await readStatefulSet(ctx)
                const revision = s.status?.updateRevision
                const pods = await ctx.kube!.listPods(ctx.namespace!, ctx.manifests.view.selector)
                for (const p of pods) {
                  if (
                    p.metadata.labels?.['controller-revision-hash'] === revision &&
                    isReady(p) &&
                    !updated.has(p.metadata.name)
                  ) {
                    updated.add(p.metadata.name)
                    ctx.timeline.record(
                      'rolling-upgrade',
                      'pod-updated',
                      `${p.metadata.name} runs revision ${revision} and is Ready`
                    )
                    ctx.logger.info(
                      `${p.metadata.name} updated to ${revision} (${updated.size}/${ctx.expectedNodes})`
                    )
                  }
                }
                const st = s.status ?? {}
                const replicas = s.spec?.replicas ?? 1
                if (
                  st.updateRevision &&
                  st.currentRevision === st.updateRevision &&
                  st.updatedReplicas === replicas &&
                  st.readyReplicas === replicas &&
                  updated.size >= replicas
                )
                  return { done: true, value: undefined }
                return {
                  done: false,
                  seen: st,
                  summary: `${st.updatedReplicas ?? 0}/${replicas} pods updated, ${st.readyReplicas ?? 0} Ready (revision ${st.currentRevision} → ${st.updateRevision})`
                }
              },
              {
                onProgress: (line) => ctx.logger.progress(line),
                timeoutMs: ctx.options.upgradeTimeoutMs,
                intervalMs: ctx.options.pollIntervalMs,
                signal: disruptedTarget(ctx).signal,
                wake: ctx.target?.changes?.next
              }
            )
          )
          ctx.timeline.record('rolling-upgrade', 'rolled-out', `every pod runs the new revision`)
          const remaining = Math.max(
            ctx.options.upgradeTimeoutMs - (Date.now() - started),
            ctx.options.pollIntervalMs
          )
          const result = await duringDisruption(ctx, () =>
            waitForGreen(disruptedTarget(ctx), 'rolling-upgrade', remaining)
          )
          ctx.askPod = result.answeringPod
          ctx.formed = result
          ctx.logger.info(`Rolled out and green after ${formatDuration(Date.now() - started)}`)
        } finally {
          await endDisruption(ctx)
        }
      },
      collect: (ctx, outcome) => snapshotAfter(ctx, 'rolling-upgrade', outcome)
    }
  ]
}
