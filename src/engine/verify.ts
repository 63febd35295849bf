import { mkdtempSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { VerifyOptions } from './options.js'
import type { Logger } from './logger.js'
import { Timeline } from './timeline.js'
import { PhaseRunner } from './phases.js'
import {
  loadManifests,
  selectStatefulSet,
  viewStatefulSet,
  type ManifestObject
} from './manifests.js'
import { loadBaseManifests } from './base-manifests.js'
import { ReportWriter } from './collect.js'
import { toJUnit, type Report } from './report.js'
import { resolveProvider, makeProvider } from './providers/index.js'
import { UsageError } from './errors.js'
import { nodeSystem } from './system.js'
import {
  runScenario,
  type ManifestSet,
  type RunContext,
  type Scenario,
  type Step,
  type VerifyHooks
} from './scenario.js'
import { preflightStep } from './steps/preflight.js'
import { securityOnWithoutAnonymous } from './security.js'
import { provisionStep } from './steps/provision.js'
import { applyStep } from './steps/apply.js'
import { formStep } from './steps/form.js'
import { seedStep } from './steps/seed.js'
import { failoverSteps } from './steps/failover.js'
import { restartSteps } from './steps/restart.js'
import { rollingUpgradeSteps } from './steps/rolling-upgrade.js'
import { checkDataStep } from './steps/check-data.js'
import { collectStep } from './steps/collect.js'
import { cleanUpStep } from './steps/clean-up.js'

export type { VerifyHooks } from './scenario.js'
export { NAMESPACE_LABEL } from './steps/apply.js'
export { ManifestError } from './errors.js'

function manifestSet(objects: ManifestObject[], options: VerifyOptions): ManifestSet {
  const statefulset = selectStatefulSet(objects, options.statefulset)
  return { objects, statefulset, view: viewStatefulSet(statefulset.object, options.container) }
}

/**
 * The steps of a run, from the options: set up and form, seed, each disruption asked for in
 * order on the same cluster, then the data check; collection and clean-up on every path.
 */
export function buildScenario(options: VerifyOptions): Scenario {
  const disruptions: Step[] = options.scenarios.flatMap((s) =>
    s === 'failover'
      ? failoverSteps(options.rounds)
      : s === 'restart'
        ? restartSteps()
        : rollingUpgradeSteps()
  )
  return {
    steps: [
      preflightStep,
      provisionStep,
      applyStep,
      formStep,
      seedStep,
      ...disruptions,
      checkDataStep
    ],
    finally: [collectStep, cleanUpStep]
  }
}

/**
 * Runs the scenario the options ask for against a cluster the provider makes (or adopts) and
 * writes report.json, timeline.json and junit.xml on every path. Never throws for a failed
 * verification: the verdict is in the report. Throws UsageError for bad input, before anything
 * is created.
 */
export async function verify(
  options: VerifyOptions,
  logger: Logger,
  hooks: VerifyHooks = {}
): Promise<Report> {
  const manifests = manifestSet(loadManifests(options.manifests), options)
  const base =
    options.scenarios.includes('rolling-upgrade') && options.baseManifests !== undefined
      ? manifestSet(loadBaseManifests(options.baseManifests, options.manifests), {
          ...options,
          statefulset: options.statefulset ?? manifests.view.name
        })
      : undefined
  if (base && base.view.name !== manifests.view.name)
    throw new UsageError(
      `Invalid base-manifests '${options.baseManifests}'. Its StatefulSet is ${base.view.name}; expected ${manifests.view.name}, the one under test.`
    )
  const replicas = manifests.view.replicas
  if (options.expectedNodes !== undefined && options.expectedNodes !== replicas)
    throw new UsageError(
      `Invalid expected-nodes '${options.expectedNodes}'. StatefulSet ${manifests.view.name} has ${replicas} replicas (${manifests.statefulset.file}:${manifests.statefulset.line}), and every one of them joins: the cluster would ${options.expectedNodes > replicas ? 'never reach' : 'never stay at'} ${options.expectedNodes} nodes. Expected ${replicas}, or leave the option out.`
    )
  const expectedNodes = options.expectedNodes ?? replicas
  // A run that every answer would refuse (401), said before the cluster is made.
  const secured =
    options.preflight && options.password === undefined && securityOnWithoutAnonymous(manifests)
  if (secured)
    throw new UsageError(
      `Invalid password: none given, but ${secured.file}:${secured.line} sets xpack.security.enabled to "true" with no anonymous access, so the engine answers every request without credentials with 401. Expected username and password (password, password-file or ES_K8S_VERIFY_PASSWORD), or preflight: false to run anyway.`,
      secured
    )
  const runId = randomBytes(3).toString('hex')
  const workDir = mkdtempSync(join(tmpdir(), 'es-k8s-verify-'))
  chmodSync(workDir, 0o700)
  const providerCtx = { logger, workDir, system: hooks.system ?? nodeSystem() }
  const providerKind = await resolveProvider(options.provider, providerCtx)
  const provider = makeProvider(
    providerKind,
    options,
    options.clusterName ?? `es-k8s-verify-${runId}`,
    providerCtx
  )
  const reportDir = options.reportDir ?? mkdtempSync(join(tmpdir(), 'es-k8s-verify-report-'))
  const writer = new ReportWriter(reportDir, [options.password])
  const timeline = new Timeline()
  const startedAt = Date.now()
  const report: Report = {
    verdict: 'failed',
    startedAt: new Date(startedAt).toISOString(),
    endedAt: '',
    durationMs: 0,
    provider: providerKind,
    cluster: provider.clusterName,
    statefulset: manifests.view.name,
    expectedNodes,
    scenarios: options.scenarios,
    phases: [],
    rounds: [],
    disruptions: [],
    warnings: [],
    reportDir
  }
  const ctx: RunContext = {
    options,
    logger,
    hooks,
    timeline,
    writer,
    report,
    runner: new PhaseRunner(logger, timeline),
    runId,
    provider,
    workDir,
    manifests,
    base,
    expectedNodes,
    namespace: options.namespace,
    createdNamespace: false,
    pending: [],
    written: [],
    deferred: []
  }
  const onSignal = (): void =>
    logger.warning('Interrupted: collecting logs and cleaning up before exiting')
  hooks.signal?.addEventListener('abort', onSignal)
  try {
    await runScenario(buildScenario(options), ctx)
  } finally {
    hooks.signal?.removeEventListener('abort', onSignal)
    const endedAt = Date.now()
    report.endedAt = new Date(endedAt).toISOString()
    report.durationMs = endedAt - startedAt
    report.phases = ctx.runner.results
    writer.write('timeline.json', timeline.entries)
    writer.write('report.json', report)
    writer.write('junit.xml', toJUnit(report))
  }
  return report
}
