import type { VerifyOptions } from './options.js'
import type { Logger } from './logger.js'
import type { Timeline } from './timeline.js'
import type { PhaseRunner } from './phases.js'
import type { ManifestObject, StatefulSetView } from './manifests.js'
import type { KubeClient } from './kube/client.js'
import type { CatApi } from './es/cat-api.js'
import type { DocumentApi } from './es/documents.js'
import type { ClusterTarget, FormationResult } from './formation.js'
import type { ClusterProvider } from './providers/provider.js'
import type { ReportWriter } from './collect.js'
import type { Report } from './report.js'
import type { AvailabilityMonitor } from './availability.js'
import type { SystemPort } from './system.js'
import { UsageError, VerificationError, errorMessage } from './errors.js'

/** Hooks a front end may pass: to hear of the cluster as soon as it exists (the action saves it for post). */
export interface VerifyHooks {
  onClusterCreated?: (info: { provider: string; clusterName: string; kubeconfig: string }) => void
  onNamespaceCreated?: (namespace: string) => void
  /** Aborts the run (SIGINT/SIGTERM): collection and cleanup still happen. */
  signal?: AbortSignal
  /** How programs are run and tools downloaded; plain Node unless the front end brings its own. */
  system?: SystemPort
}

/** A manifest set with its StatefulSet picked out. */
export interface ManifestSet {
  objects: ManifestObject[]
  statefulset: ManifestObject
  view: StatefulSetView
}

/** The disruption under way: its monitor and the signal that ends its waits early. */
export interface ActiveDisruption {
  index: number
  monitor?: AvailabilityMonitor
  abort: AbortController
}

/**
 * Everything the steps share. Fixed parts are set by verify(); the rest is filled in by the
 * steps as the run goes (the client once the cluster exists, the test index once seeded).
 */
export interface RunContext {
  readonly options: VerifyOptions
  readonly logger: Logger
  readonly hooks: VerifyHooks
  readonly timeline: Timeline
  readonly writer: ReportWriter
  readonly report: Report
  readonly runner: PhaseRunner
  readonly runId: string
  readonly provider: ClusterProvider
  readonly workDir: string
  /** The manifests under test. */
  readonly manifests: ManifestSet
  /** What a rolling upgrade starts from, when one is asked for with base-manifests. */
  readonly base?: ManifestSet
  readonly expectedNodes: number
  kube?: KubeClient
  namespace?: string
  createdNamespace: boolean
  api?: CatApi
  docs?: DocumentApi
  target?: ClusterTarget
  formed?: FormationResult
  /** A pod known to see the elected master: where the next question goes. */
  askPod?: string
  clusterUuid?: string
  /** The test index and every id it acknowledged, seeded or written during a disruption. */
  data?: { index: string; alias: string; seeded: string[]; checksum: string }
  disruption?: ActiveDisruption
  /** Background captures that must be ended before collection (a killed master's log). */
  readonly pending: { stop: (graceMs: number) => Promise<void> }[]
  /** Ids each disruption's writes got acknowledged, by disruption index (read back at the end). */
  readonly written: string[][]
  /** Findings that do not stop the run at once but decide the verdict at the data check. */
  readonly deferred: string[]
}

/** One step of a scenario, run as one phase: its own log group, timing and collectors. */
export interface Step {
  name: string
  /** Shown as the phase's title; a function when it names what the run found (the provider, a count). */
  title: string | ((ctx: RunContext) => string)
  /** Why the step does not apply to this run, if it does not (checked when its turn comes). */
  skip?: (ctx: RunContext) => string | undefined
  run: (ctx: RunContext) => Promise<void>
  /** Runs after the step whatever its outcome: snapshots of what the cluster looked like. */
  collect?: (ctx: RunContext, outcome: 'passed' | 'failed') => Promise<void>
}

/** Work done on every path, after the steps, passed or failed: collection and clean-up. */
export interface FinalStep {
  title: string
  run: (ctx: RunContext) => Promise<void>
}

/** A scenario is data: steps in order, then the final steps (chainsaw's try / finally). */
export interface Scenario {
  steps: Step[]
  finally: FinalStep[]
}

/** Throws when the run was interrupted (SIGINT/SIGTERM): the final steps still run. */
export function checkInterrupted(ctx: RunContext): void {
  if (ctx.hooks.signal?.aborted)
    throw new VerificationError(
      `Interrupted (${String(ctx.hooks.signal.reason ?? 'signal')}); collecting logs and cleaning up`
    )
}

/**
 * Runs the steps in order until one fails, then the final steps whatever happened. Records
 * the verdict in the report: passed when every step passed or was skipped. A UsageError is
 * rethrown after the final steps (it means bad input, not a failed verification).
 */
export async function runScenario(scenario: Scenario, ctx: RunContext): Promise<void> {
  let usageError: UsageError | undefined
  try {
    for (const step of scenario.steps) {
      checkInterrupted(ctx)
      const title = typeof step.title === 'function' ? step.title(ctx) : step.title
      const reason = step.skip?.(ctx)
      if (reason !== undefined) {
        ctx.runner.skip(step.name, title, reason)
        continue
      }
      await ctx.runner.run(
        step.name,
        title,
        () => step.run(ctx),
        step.collect && ((outcome) => step.collect!(ctx, outcome))
      )
    }
    ctx.report.verdict = 'passed'
  } catch (err) {
    if (err instanceof UsageError) usageError = err
    const failed = ctx.runner.results.find((p) => p.status === 'failed')
    ctx.report.verdict = 'failed'
    ctx.report.error = {
      phase: failed?.name,
      message: errorMessage(err),
      lastSeen: err instanceof VerificationError ? err.lastSeen : undefined,
      location: (err as { location?: { file: string; line?: number } }).location
    }
    ctx.logger.error(errorMessage(err), ctx.report.error.location)
  } finally {
    for (const final of scenario.finally) {
      await ctx.logger
        .group(final.title, () => final.run(ctx))
        .catch((err) => {
          ctx.report.warnings.push(`${final.title}: ${errorMessage(err)}`)
          ctx.logger.warning(`${final.title} failed (the verdict stands): ${errorMessage(err)}`)
        })
    }
  }
  if (usageError) throw usageError
}
