import type { PhaseResult } from './phases.js'
import type { RoundResult, MasterIdentity } from './failover.js'
import type { AvailabilityReport } from './availability.js'

/** One disruption (a failover round, a restart, a rolling upgrade) and what its clients saw. */
export interface DisruptionReport {
  scenario: string
  name: string
  /** Milliseconds since the epoch. */
  startedAt: number
  endedAt?: number
  durationMs?: number
  /** Writes, reads and health through the disruption; absent when data-checks is off. */
  availability?: AvailabilityReport
  /** Restart: the cluster UUID it came back with. */
  clusterUuidAfter?: string
}

/** The test index and whether every acknowledged write was read back after the disruptions. */
export interface DataReport {
  index: string
  seeded: number
  /** Acknowledged writes, seeded and continuous. */
  acked: number
  lost: number
  /** The first lost ids (at most 20). */
  lostIds: string[]
  /** sha256 of the seeded ids, and of the seeded ids read back (equal when none was lost). */
  checksum: string
  checksumAfter?: string
}

/** The verdict of a run and everything measured, written as report.json. */
export interface Report {
  verdict: 'passed' | 'failed'
  startedAt: string
  endedAt: string
  durationMs: number
  provider: string
  cluster: string
  namespace?: string
  statefulset?: string
  engine?: { distribution: string; version: string }
  expectedNodes?: number
  kubernetesVersion?: string
  scenarios?: string[]
  clusterUuid?: string
  phases: PhaseResult[]
  rounds: RoundResult[]
  disruptions: DisruptionReport[]
  data?: DataReport
  masterBefore?: MasterIdentity
  masterAfter?: MasterIdentity
  timeToGreenMs?: number
  /** Kill request to all survivors agreeing on a new master (first round). */
  failoverMs?: number
  /** Kill request to green with every node again (first round). */
  rejoinMs?: number
  nodeIds?: Record<string, string>
  warnings: string[]
  error?: {
    phase?: string
    message: string
    lastSeen?: unknown
    location?: { file: string; line?: number; column?: number }
  }
  reportDir: string
  /** Why the failover phases did not run, when they did not. */
  failoverSkipped?: string
}

/** Escapes for XML and drops what XML 1.0 cannot hold at all (control characters, lone surrogates). */
function xml(text: string): string {
  return text
    .replace(
      // eslint-disable-next-line no-control-regex -- dropping control characters is the point
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      ''
    )
    .replace(
      /[<>&"']/g,
      (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!
    )
}

/** JUnit XML with one test case per phase, as CI systems display it. */
export function toJUnit(report: Report): string {
  // A run that failed between phases (an unreachable API server, an interruption) still shows
  // its failure: as a test case of its own.
  const phases =
    report.verdict === 'failed' && !report.phases.some((p) => p.status === 'failed')
      ? [
          ...report.phases,
          {
            name: 'run',
            title: 'Run',
            status: 'failed' as const,
            startedAt: 0,
            endedAt: 0,
            durationMs: 0,
            error: report.error?.message ?? 'the run failed'
          }
        ]
      : report.phases
  const failures = phases.filter((p) => p.status === 'failed').length
  const skipped = phases.filter((p) => p.status === 'skipped').length
  const cases = phases.map((p) => {
    const open = `    <testcase classname="es-k8s-verify.${xml(report.statefulset ?? 'run')}" name="${xml(p.title)}" time="${(p.durationMs / 1000).toFixed(3)}"`
    if (p.status === 'failed')
      return `${open}>\n      <failure message="${xml((p.error ?? '').split('\n')[0].slice(0, 500))}">${xml(p.error ?? '')}</failure>\n    </testcase>`
    if (p.status === 'skipped')
      return `${open}>\n      <skipped message="${xml(p.reason ?? '')}"/>\n    </testcase>`
    return `${open}/>`
  })
  // Attributes as the JUnit schema test reporters use (Jenkins' junit-10.xsd) allows them:
  // `errors` is required on a suite, `skipped` is not allowed on <testsuites>.
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="es-k8s-verify" tests="${phases.length}" failures="${failures}" errors="0" time="${(report.durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="${xml(`${report.provider}/${report.statefulset ?? 'run'}`)}" tests="${phases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${(report.durationMs / 1000).toFixed(3)}" timestamp="${report.startedAt}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    ''
  ].join('\n')
}
