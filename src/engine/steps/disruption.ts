import { AvailabilityMonitor, ServingPods, describeAvailability } from '../availability.js'
import type { ClusterTarget } from '../formation.js'
import type { RunContext } from '../scenario.js'

/**
 * Opens a disruption in the report and starts its background checks (writes, reads, health)
 * through pods outside it. `armRed` holds red against max-red from the start; the restart
 * scenario arms it once the cluster has re-formed.
 */
export function startDisruption(
  ctx: RunContext,
  scenario: string,
  name: string,
  disruptedUids: string[],
  armRed: boolean
): void {
  const abort = new AbortController()
  const index = ctx.report.disruptions.length
  ctx.report.disruptions.push({ scenario, name, startedAt: Date.now() })
  ctx.disruption = { index, abort }
  if (!ctx.data || !ctx.docs) return
  const pods = new ServingPods(ctx.kube!, ctx.namespace!, ctx.manifests.view.selector)
  pods.disrupt(disruptedUids)
  const monitor = new AvailabilityMonitor(
    ctx.docs,
    pods,
    {
      index: ctx.data.alias,
      readIndex: ctx.data.index,
      readIds: ctx.data.seeded,
      writesPerSecond: ctx.options.writeRate,
      pollIntervalMs: ctx.options.pollIntervalMs,
      maxRedMs: ctx.options.maxRedMs,
      idPrefix: `${name}`
    },
    ctx.timeline,
    name
  )
  monitor.start({ armRed, onFailure: (err) => abort.abort(err) })
  ctx.disruption.monitor = monitor
}

/** Marks pods as disrupted after the disruption started (a rolling upgrade's next pod). */
export function disruptedTarget(ctx: RunContext): ClusterTarget {
  const signals = [ctx.hooks.signal, ctx.disruption?.abort.signal].filter(
    (s): s is AbortSignal => !!s
  )
  return { ...ctx.target!, signal: signals.length ? AbortSignal.any(signals) : undefined }
}

/**
 * Runs a wait of the disruption; when the background checks stopped it early (red beyond
 * max-red), the checks' verdict is the one thrown, not the interrupted wait's.
 */
export async function duringDisruption<T>(ctx: RunContext, wait: () => Promise<T>): Promise<T> {
  try {
    const failed = ctx.disruption?.monitor?.failed
    if (failed) throw failed
    return await wait()
  } catch (err) {
    throw ctx.disruption?.monitor?.failed ?? err
  }
}

/** Stops the disruption's checks and writes their figures into the report (on every path). */
export async function endDisruption(ctx: RunContext): Promise<void> {
  const d = ctx.disruption
  if (!d) return
  ctx.disruption = undefined
  const entry = ctx.report.disruptions[d.index]
  entry.endedAt = Date.now()
  entry.durationMs = entry.endedAt - entry.startedAt
  if (!d.monitor) return
  entry.availability = await d.monitor.stop()
  ctx.written[d.index] = d.monitor.acked
  ctx.logger.info(`${entry.name}: ${describeAvailability(entry.availability)}`)
}
