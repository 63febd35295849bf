/**
 * SIGINT in the middle of a run: the CLI stops waiting, still collects logs and reports (the
 * killed master's included), removes the cluster it created, and exits 1 with the verdict failed.
 */
import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { canRunLocalCluster, CLUSTERS_ROOT } from './helpers/local-cluster.js'

const run = canRunLocalCluster() && existsSync('dist/cli.js') ? describe : describe.skip

run('interrupting the CLI', () => {
  it(
    'SIGINT while waiting for the new master: logs collected, cluster removed, exit 1',
    async () => {
      const reportDir = mkdtempSync(join(tmpdir(), 'sigint-'))
      const child = spawn(
        process.execPath,
        [
          'dist/cli.js',
          '--provider',
          'local',
          '--cluster-name',
          'itg-sigint',
          '--report-dir',
          reportDir,
          '--failover-timeout',
          '5m'
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] }
      )
      let out = ''
      child.stdout.on('data', (c) => {
        out += String(c)
        // Interrupt as soon as the master's pod is deleted.
        if (/Elected master: /.test(out) && child.exitCode === null && !child.killed)
          child.kill('SIGINT')
      })
      child.stderr.on('data', (c) => (out += String(c)))
      const code = await new Promise<number | null>((resolve) =>
        child.on('exit', (c) => resolve(c))
      )
      expect(out).toMatch(/Interrupted/)
      expect(code).toBe(1)
      const report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as {
        verdict: string
        error: { message: string }
      }
      expect(report.verdict).toBe('failed')
      expect(report.error.message).toMatch(/^Interrupted/)
      // The killed master's own log was followed from before the delete, so it survives even
      // though its pod is gone (or replaced by a fresh one) by the time logs are collected.
      const killed = /Elected master: \S+ in pod (\S+)/.exec(out)![1]
      const lastWords = readFileSync(
        join(reportDir, 'pods', killed, 'es.killed-round-1.log'),
        'utf8'
      )
      expect(lastWords).toMatch(/started/)
      const survivor = ['es-cluster-0', 'es-cluster-1', 'es-cluster-2'].find((p) => p !== killed)!
      expect(existsSync(join(reportDir, 'pods', survivor, 'es.log'))).toBe(true)
      expect(existsSync(join(CLUSTERS_ROOT, 'itg-sigint'))).toBe(false)
    },
    5 * 60_000
  )
})
