import * as core from '@actions/core'
import { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getInputs, type Inputs } from './inputs.js'
import { state } from './state.js'
import { Outputs } from './constants.js'
import { CoreLogger } from './core-logger.js'
import { actionsSystem } from './system.js'
import { uploadReport, shouldUpload } from './artifacts.js'
import { renderSummary } from './summary.js'
import { verify } from '../engine/verify.js'
import { lint, toSarif, formatFindings } from '../lint/lint.js'
import { errorMessage, UsageError } from '../engine/errors.js'
import type { Report } from '../engine/report.js'

const seconds = (ms: number | undefined): string => (ms === undefined ? '' : (ms / 1000).toFixed(3))

async function upload(
  inputs: Inputs,
  reportDir: string,
  verdict: string
): Promise<number | undefined> {
  if (!shouldUpload(inputs.uploadWhen, verdict)) {
    core.info(
      `Not uploading artifacts (upload-artifacts: ${inputs.uploadWhen}, verdict ${verdict})`
    )
    return
  }
  try {
    const id = await uploadReport(inputs.artifactName, reportDir, inputs.retentionDays)
    state.markUploaded()
    core.setOutput(Outputs.artifactId, id === undefined ? '' : String(id))
    core.info(`Uploaded ${reportDir} as artifact ${inputs.artifactName}${id ? ` (id ${id})` : ''}`)
    return id
  } catch (err) {
    core.warning(
      `Uploading the report as artifact ${inputs.artifactName} failed: ${errorMessage(err)}; post will try again`
    )
    return undefined
  }
}

/** Lint mode: findings become annotations on the right file and line, and a SARIF file. */
async function runLint(inputs: Inputs, reportDir: string): Promise<void> {
  const result = lint(inputs.options.manifests)
  for (const f of result.findings) {
    const props = {
      file: f.file,
      startLine: f.line,
      startColumn: f.column,
      title: `es-k8s-verify ${f.ruleId}`
    }
    const text = `${f.message} Fix: ${f.hint}`
    if (f.severity === 'error') core.error(text, props)
    else if (f.severity === 'warning') core.warning(text, props)
    else core.notice(text, props)
  }
  mkdirSync(reportDir, { recursive: true })
  writeFileSync(join(reportDir, 'lint.sarif'), JSON.stringify(toSarif(result), null, 2))
  writeFileSync(join(reportDir, 'lint.txt'), formatFindings(result, 'text'))
  const failed = result.findings.some((f) => f.severity === 'error')
  const verdict = failed ? 'failed' : 'passed'
  state.setVerdict(verdict)
  core.setOutput(Outputs.result, verdict)
  core.setOutput(Outputs.reportDir, reportDir)
  await upload(inputs, reportDir, verdict)
  await core.summary
    .addRaw(
      `## ${failed ? '❌' : '✅'} es-k8s-verify lint\n\n\`\`\`\n${formatFindings(result, 'text').replace(/```/g, "'''")}\n\`\`\`\n`
    )
    .write()
  if (failed)
    core.setFailed(
      `es-k8s-verify lint found ${result.findings.filter((f) => f.severity === 'error').length} error(s) in the manifests`
    )
}

function setOutputs(report: Report, inputs: Inputs, kubeconfig?: string): void {
  core.setOutput(Outputs.result, report.verdict)
  core.setOutput(Outputs.masterBefore, report.masterBefore?.node ?? '')
  core.setOutput(Outputs.masterAfter, report.masterAfter?.node ?? '')
  core.setOutput(Outputs.timeToGreenSeconds, seconds(report.timeToGreenMs))
  core.setOutput(Outputs.failoverSeconds, seconds(report.failoverMs))
  core.setOutput(Outputs.rejoinSeconds, seconds(report.rejoinMs))
  const checked = report.disruptions.flatMap((d) => (d.availability ? [d.availability] : []))
  core.setOutput(Outputs.writesLost, report.data ? String(report.data.lost) : '')
  core.setOutput(
    Outputs.longestWriteGapSeconds,
    checked.length ? seconds(Math.max(...checked.map((a) => a.writes.longestGapMs))) : ''
  )
  core.setOutput(
    Outputs.redSeconds,
    checked.length ? seconds(checked.reduce((sum, a) => sum + a.health.redMs, 0)) : ''
  )
  core.setOutput(Outputs.reportDir, report.reportDir)
  core.setOutput(Outputs.artifactName, inputs.artifactName)
  if (inputs.options.keepCluster && kubeconfig) core.setOutput(Outputs.kubeconfig, kubeconfig)
}

/** The action's main step. Fails the step on bad input or a failed verification; never throws. */
export async function run(): Promise<void> {
  state.markMainStarted()
  let inputs: Inputs
  try {
    inputs = getInputs()
  } catch (err) {
    core.setFailed(errorMessage(err))
    return
  }
  let reportDir: string
  try {
    reportDir =
      inputs.options.reportDir ??
      mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'es-k8s-verify-'))
  } catch (err) {
    core.setFailed(
      `Cannot create the report directory under ${process.env.RUNNER_TEMP ? `RUNNER_TEMP '${process.env.RUNNER_TEMP}'` : `the temp dir '${tmpdir()}'`}: ${errorMessage(err)}. Expected a writable RUNNER_TEMP, or set report-dir.`
    )
    return
  }
  inputs.options.reportDir = reportDir
  state.setArtifactPlan(reportDir, inputs.artifactName, inputs.uploadWhen, inputs.retentionDays)
  try {
    if (inputs.options.mode === 'lint') {
      await runLint(inputs, reportDir)
      return
    }
    let kubeconfig: string | undefined
    // A cancelled job sends SIGINT (then SIGTERM): stop waiting, still collect and clean up.
    const cancel = new AbortController()
    const onSignal = (signal: NodeJS.Signals): void => cancel.abort(signal)
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    const report = await verify(inputs.options, new CoreLogger(inputs.options.quiet), {
      system: actionsSystem,
      signal: cancel.signal,
      onClusterCreated: (info) => {
        kubeconfig = info.kubeconfig
        // An existing cluster is not ours to delete; only what the run created is handed to post.
        if (info.provider !== 'existing')
          state.setCluster(info.provider, info.clusterName, inputs.options.keepCluster)
      },
      onNamespaceCreated: (namespace) => {
        if (inputs.options.kubeconfig && !inputs.options.keepCluster)
          state.setNamespace(namespace, inputs.options.kubeconfig, inputs.options.context)
      }
    }).finally(() => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    })
    // verify() removed what it created; post has nothing left to clean.
    state.markCleaned()
    state.setVerdict(report.verdict)
    setOutputs(report, inputs, kubeconfig)
    const artifactId = await upload(inputs, reportDir, report.verdict)
    await core.summary
      .addRaw(renderSummary(report, { name: inputs.artifactName, id: artifactId }))
      .write()
    if (report.verdict !== 'passed') core.setFailed(report.error?.message ?? 'verification failed')
  } catch (err) {
    state.setVerdict('failed')
    // Refused before anything was created: nothing to upload, so leave no empty directory for post.
    if (err instanceof UsageError && existsSync(reportDir) && readdirSync(reportDir).length === 0)
      rmSync(reportDir, { recursive: true, force: true })
    core.setFailed(
      err instanceof UsageError ? err.message : `es-k8s-verify failed: ${errorMessage(err)}`
    )
  }
}
