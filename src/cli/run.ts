import { readFileSync } from 'node:fs'
import { parseOptions } from '../engine/options.js'
import { UsageError, errorMessage } from '../engine/errors.js'
import { describeAvailability } from '../engine/availability.js'
import { formatDuration } from '../engine/duration.js'
import type { Report } from '../engine/report.js'
import { lint, formatFindings, type LintFormat } from '../lint/lint.js'
import { parseArgs, helpText } from './args.js'
import { ConsoleLogger } from './console-logger.js'
import { LiveStatus } from './live-status.js'

export const EXIT = { passed: 0, failed: 1, usage: 2 } as const

/** The version from package.json, found from dist/cli.js or from the compiled sources. */
export function version(): string {
  for (const relative of ['../package.json', '../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: string
        version: string
      }
      if (pkg.name === 'es-k8s-verify') return pkg.version
    } catch {
      // Not at this level: try the next.
    }
  }
  return 'unknown'
}

/** The final table of phases and durations. */
export function phaseTable(report: Report): string {
  const rows = report.phases.map((p) => [
    p.status === 'passed' ? 'passed' : p.status === 'failed' ? 'FAILED' : 'skipped',
    p.title,
    p.status === 'skipped' ? '-' : formatDuration(p.durationMs)
  ])
  const widths = [0, 1, 2].map((i) =>
    Math.max(...rows.map((r) => r[i].length), ['result', 'phase', 'duration'][i].length)
  )
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i])).join('  ')
  return [
    line(['result', 'phase', 'duration']),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line)
  ].join('\n')
}

/** Runs the CLI and returns its exit code. */
export async function runCli(
  argv: string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)
): Promise<number> {
  let args
  try {
    args = parseArgs(argv)
  } catch (err) {
    process.stderr.write(`es-k8s-verify: ${errorMessage(err)}\n`)
    return EXIT.usage
  }
  if (args.command === 'help') {
    out(helpText(version()))
    return EXIT.passed
  }
  if (args.command === 'version') {
    out(version())
    return EXIT.passed
  }
  try {
    // A password in the environment stays out of the process list, unlike --password.
    const fromEnv = process.env.ES_K8S_VERIFY_PASSWORD
    const options = parseOptions(
      fromEnv && args.raw.password === undefined && args.raw['password-file'] === undefined
        ? { ...args.raw, password: fromEnv }
        : args.raw
    )
    // A terminal gets one live status line while waiting; pipes and CI logs get plain lines.
    const live =
      process.stdout.isTTY && !options.quiet && options.mode === 'verify'
        ? new LiveStatus(process.stdout)
        : undefined
    const logger = new ConsoleLogger(args.verbose, options.quiet, out, undefined, live)
    if (options.mode === 'lint') {
      const format = (args.format ?? 'text') as LintFormat
      if (!['text', 'json', 'sarif'].includes(format))
        throw new UsageError(`Invalid format '${format}'. Expected one of: text, json, sarif.`)
      let result
      try {
        result = lint(options.manifests)
      } catch (err) {
        // A manifest that is not YAML is a finding too, at its file and line, for SARIF readers.
        if (!(err instanceof UsageError) || !err.location || format === 'text') throw err
        result = {
          files: [err.location.file],
          findings: [
            {
              ruleId: 'yaml-syntax',
              severity: 'error' as const,
              message: err.message,
              hint: 'Fix the YAML at this line.',
              file: err.location.file,
              line: err.location.line ?? 1,
              column: err.location.column ?? 1
            }
          ]
        }
      }
      out(formatFindings(result, format))
      return result.findings.some((f) => f.severity === 'error') ? EXIT.failed : EXIT.passed
    }
    const controller = new AbortController()
    const onSignal = (signal: NodeJS.Signals): void => controller.abort(signal)
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    // Loaded only to verify: lint must start fast, without the Kubernetes client.
    const { verify } = await import('../engine/verify.js')
    const report = await verify(options, logger, { signal: controller.signal }).finally(() => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    })
    out('')
    out(phaseTable(report))
    for (const d of report.disruptions)
      if (d.availability) out(`${d.name}: ${describeAvailability(d.availability)}`)
    if (report.data)
      out(
        `data: ${report.data.acked} acknowledged writes, ${report.data.lost} lost${report.data.lost ? ` (first: ${report.data.lostIds.slice(0, 5).join(', ')})` : ''}`
      )
    out('')
    out(
      `Verdict: ${report.verdict.toUpperCase()}${report.error ? `: ${report.error.message}` : ''}`
    )
    for (const w of report.warnings) out(`Warning: ${w}`)
    out(`Logs and reports: ${report.reportDir}`)
    return report.verdict === 'passed' ? EXIT.passed : EXIT.failed
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`es-k8s-verify: ${err.message}\n`)
      return EXIT.usage
    }
    process.stderr.write(`es-k8s-verify: ${errorMessage(err)}\n`)
    return EXIT.failed
  }
}
