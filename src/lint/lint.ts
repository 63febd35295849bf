import { relative } from 'node:path'
import { loadManifests, type ManifestObject } from '../engine/manifests.js'
import { buildContext } from './context.js'
import { RULES } from './rules/index.js'
import type { Finding, Rule } from './rule.js'

export type LintFormat = 'text' | 'json' | 'sarif'

export interface LintResult {
  findings: Finding[]
  files: string[]
}

const ORDER = { error: 0, warning: 1, info: 2 } as const

/** Runs every rule over the manifests at `paths`. Bad input throws UsageError (file:line). */
export function lint(paths: string[], rules: readonly Rule[] = RULES): LintResult {
  return lintObjects(loadManifests(paths), rules)
}

/** Runs every rule over manifests already read (the verifier's preflight). */
export function lintObjects(objects: ManifestObject[], rules: readonly Rule[] = RULES): LintResult {
  const ctx = buildContext(objects)
  const findings = rules.flatMap((r) => r.check(ctx))
  findings.sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.line - b.line || ORDER[a.severity] - ORDER[b.severity]
  )
  return { findings, files: [...new Set(objects.map((o) => o.file))] }
}

/**
 * A file as a SARIF artifact URI: relative to the working directory, each segment
 * percent-encoded, so that spaces, '#' and '%' keep the URI valid.
 */
export function fileUri(file: string): string {
  return relative(process.cwd(), file).split(/[\\/]/).map(encodeURIComponent).join('/')
}

/** SARIF 2.1.0, as GitHub code scanning reads it. */
export function toSarif(result: LintResult, rules: readonly Rule[] = RULES): object {
  const level = { error: 'error', warning: 'warning', info: 'note' } as const
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'es-k8s-verify',
            rules: rules.map((r) => ({
              id: r.id,
              shortDescription: { text: r.summary },
              defaultConfiguration: { level: level[r.severity] }
            }))
          }
        },
        results: result.findings.map((f) => ({
          ruleId: f.ruleId,
          level: level[f.severity],
          message: { text: `${f.message} Fix: ${f.hint}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: fileUri(f.file) },
                region: { startLine: f.line, startColumn: f.column }
              }
            }
          ]
        }))
      }
    ]
  }
}

export function formatFindings(result: LintResult, format: LintFormat): string {
  if (format === 'json') return JSON.stringify(result, null, 2)
  if (format === 'sarif') return JSON.stringify(toSarif(result), null, 2)
  if (result.findings.length === 0) return `No findings in ${result.files.length} file(s).`
  const lines = result.findings.map(
    (f) =>
      `${f.file}:${f.line}:${f.column}: ${f.severity} [${f.ruleId}] ${f.message}\n    fix: ${f.hint}`
  )
  const count = (s: string): number => result.findings.filter((f) => f.severity === s).length
  lines.push(
    `${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info in ${result.files.length} file(s).`
  )
  return lines.join('\n')
}
