/** The reference manifests through every disruption, and what every such run must show of its data. */
import { expect } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { verify } from '../../src/engine/verify.js'
import { parseOptions } from '../../src/engine/options.js'
import type { Report } from '../../src/engine/report.js'
import { recordingLogger, editedManifests } from './local-cluster.js'

const reportDir = (): string => mkdtempSync(join(tmpdir(), 'itg-report-'))

/** Every disruption lost no acknowledged write, and the data check read every one back. */
export function expectEveryWriteKept(report: Report): void {
  for (const d of report.disruptions) {
    expect(d.availability!.writes.attempted).toBeGreaterThan(0)
    expect(d.availability!.writes.lost).toBe(0)
    // A full restart is a total outage until the cluster re-forms, and its checks stop at
    // green: it may end with no write acknowledged. Failover and rolling upgrade keep serving
    // throughout, and never go red.
    if (d.scenario !== 'restart') {
      expect(d.availability!.writes.acked).toBeGreaterThan(0)
      expect(d.availability!.health.redMs).toBe(0)
    }
  }
  // The restart came back as the same cluster.
  const restart = report.disruptions.find((d) => d.scenario === 'restart')!
  expect(restart.clusterUuidAfter).toBe(report.clusterUuid)
  expect(report.data).toMatchObject({ lost: 0, lostIds: [] })
  expect(report.data!.acked).toBeGreaterThan(report.data!.seeded)
  expect(report.data!.checksumAfter).toBe(report.data!.checksum)
}

/**
 * The reference manifests of `engine` through failover, full restart and a rolling upgrade from a
 * smaller heap, on a cluster of their own; the base manifests' copy is removed after.
 */
export async function verifyThroughEveryDisruption(
  engine: 'elasticsearch' | 'opensearch',
  options: Record<string, string>,
  logger = recordingLogger()
): Promise<{ report: Report; dir: string }> {
  const dir = reportDir()
  const base = editedManifests(`manifests/${engine}`, [['-Xms512m -Xmx512m', '-Xms384m -Xmx384m']])
  try {
    const report = await verify(
      parseOptions({
        manifests: `manifests/${engine}`,
        scenario: 'failover,restart,rolling-upgrade',
        'base-manifests': base,
        'report-dir': dir,
        ...options
      }),
      logger
    )
    return { report, dir }
  } finally {
    rmSync(base, { recursive: true, force: true })
  }
}
