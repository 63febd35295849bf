import { describe, expect, it, jest } from '@jest/globals'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor, withRetry, GiveUp } from '../src/engine/retry.js'
import { PhaseRunner } from '../src/engine/phases.js'
import { Timeline } from '../src/engine/timeline.js'
import { toJUnit, type Report } from '../src/engine/report.js'
import { ReportWriter } from '../src/engine/collect.js'
import { VerificationError } from '../src/engine/errors.js'
import { nullLogger } from '../src/engine/logger.js'
import { parseSha256Sum } from '../src/engine/providers/kind.js'
import { versionDiffers } from '../src/engine/steps/form.js'

describe('waitFor', () => {
  it('returns as soon as the check is done', async () => {
    let n = 0
    const value = await waitFor(
      'three looks',
      async () =>
        ++n >= 3 ? { done: true, value: n } : { done: false, seen: n, summary: `look ${n}` },
      { timeoutMs: 5000, intervalMs: 5 }
    )
    expect(value).toBe(3)
  })

  it('at the deadline says what it waited for and what it last saw', async () => {
    const err = (await waitFor(
      'green',
      async () => ({ done: false, seen: { health: 'red' }, summary: 'cluster red with 2/3 nodes' }),
      { timeoutMs: 100, intervalMs: 10 }
    ).catch((e: unknown) => e)) as VerificationError
    expect(err).toBeInstanceOf(VerificationError)
    expect(err.message).toMatch(
      /^Timed out after 0\.\d+s waiting for green\. Last seen: cluster red with 2\/3 nodes$/
    )
    expect(err.lastSeen).toEqual({ health: 'red' })
  })

  it('counts a thrown error as a look that saw it, and stops at once on GiveUp', async () => {
    const err = (await waitFor(
      'x',
      async () => {
        throw new Error('connection refused')
      },
      { timeoutMs: 60, intervalMs: 10 }
    ).catch((e: unknown) => e)) as Error
    expect(err.message).toMatch(/Last seen: connection refused/)
    const started = Date.now()
    const given = (await waitFor(
      'y',
      async () => {
        throw new GiveUp('quorum lost for good')
      },
      { timeoutMs: 10_000, intervalMs: 10 }
    ).catch((e: unknown) => e)) as Error
    expect(given.message).toMatch(
      /^quorum lost for good\nGave up waiting for y after \d+\.\ds: this cannot heal by itself\.$/
    )
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('stops when aborted', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort('SIGINT'), 30)
    const err = (await waitFor('z', async () => ({ done: false, seen: 1, summary: 'waiting' }), {
      timeoutMs: 10_000,
      intervalMs: 10,
      signal: controller.signal
    }).catch((e: unknown) => e)) as Error
    expect(err.message).toMatch(/^Interrupted while waiting for z/)
  })

  it('looks again at once when woken by a change, not at its next poll a minute later', async () => {
    let changed!: () => void
    let state = 'red'
    const wake = (): Promise<void> => new Promise((resolve) => (changed = resolve))
    const looks: string[] = []
    const waiting = waitFor(
      'green',
      async () => {
        looks.push(state)
        return state === 'green'
          ? { done: true, value: looks.length }
          : { done: false, seen: state, summary: state }
      },
      { timeoutMs: 120_000, intervalMs: 60_000, wake }
    )
    await new Promise((r) => setTimeout(r, 20))
    state = 'green'
    changed()
    // Within the test's 5 s limit only if the wake, not the 60 s poll, caused the second look.
    expect(await waiting).toBe(2)
    expect(looks).toEqual(['red', 'green'])
  })

  it('after a wake that does not yet show the state, looks again soon (the API may lag the line)', async () => {
    let changed!: () => void
    const wake = (): Promise<void> => new Promise((resolve) => (changed = resolve))
    let looks = 0
    const waiting = waitFor(
      'new master',
      async () =>
        ++looks >= 3 ? { done: true, value: looks } : { done: false, seen: looks, summary: 'old' },
      { timeoutMs: 120_000, intervalMs: 60_000, wake }
    )
    await new Promise((r) => setTimeout(r, 20))
    changed()
    expect(await waiting).toBe(3)
  })
})

describe('withRetry', () => {
  it('retries a bounded number of times, logging each delay', async () => {
    const debug = jest.fn<(m: string) => void>()
    let n = 0
    await expect(
      withRetry(
        'reach',
        async () => {
          n++
          throw new Error('down')
        },
        { attempts: 3, minDelayMs: 1, log: { debug } }
      )
    ).rejects.toThrow('down')
    expect(n).toBe(3)
    expect(debug).toHaveBeenCalledWith(
      expect.stringMatching(/reach: attempt 1 failed \(down\); retrying in \d+ms/)
    )
  })
})

describe('PhaseRunner', () => {
  it('times phases, runs collectors on pass and fail, records skips', async () => {
    const timeline = new Timeline()
    const collected: string[] = []
    const runner = new PhaseRunner(nullLogger, timeline, [
      async (p, o) => void collected.push(`${p}:${o}`)
    ])
    expect(await runner.run('a', 'A', async () => 1)).toBe(1)
    await expect(
      runner.run('b', 'B', async () => {
        throw new VerificationError('broke', { seen: 1 })
      })
    ).rejects.toThrow('broke')
    runner.skip('c', 'C', 'not needed')
    expect(collected).toEqual(['a:passed', 'b:failed'])
    expect(runner.results.map((r) => [r.name, r.status])).toEqual([
      ['a', 'passed'],
      ['b', 'failed'],
      ['c', 'skipped']
    ])
    expect(runner.results[1].lastSeen).toEqual({ seen: 1 })
    expect(timeline.entries.map((e) => e.event)).toEqual([
      'phase-started',
      'phase-passed',
      'phase-started',
      'phase-failed',
      'phase-skipped'
    ])
  })

  it('runs monitors in the background until stopped', async () => {
    const runner = new PhaseRunner(nullLogger, new Timeline())
    let ticks = 0
    runner.startMonitor('count', 5, async () => void ticks++)
    await new Promise((r) => setTimeout(r, 40))
    await runner.stopMonitors()
    const after = ticks
    await new Promise((r) => setTimeout(r, 20))
    expect(after).toBeGreaterThan(1)
    expect(ticks).toBe(after)
  })
})

describe('reports', () => {
  const report: Report = {
    verdict: 'failed',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '',
    durationMs: 1500,
    provider: 'local',
    cluster: 'c',
    statefulset: 'es-cluster',
    warnings: [],
    rounds: [],
    disruptions: [],
    reportDir: '/tmp/x',
    phases: [
      {
        name: 'form',
        title: 'Form <green>',
        status: 'passed',
        startedAt: 0,
        endedAt: 1000,
        durationMs: 1000
      },
      {
        name: 'failover-1',
        title: 'Kill',
        status: 'failed',
        startedAt: 1000,
        endedAt: 1500,
        durationMs: 500,
        error: 'Timed out & "lost"'
      },
      {
        name: 'x',
        title: 'Skipped',
        status: 'skipped',
        startedAt: 0,
        endedAt: 0,
        durationMs: 0,
        reason: 'single-node'
      }
    ]
  }

  it('writes JUnit with one test case per phase, escaped', () => {
    const xml = toJUnit(report)
    expect(xml).toMatch(/<testsuites name="es-k8s-verify" tests="3" failures="1" errors="0"/)
    expect(xml).toMatch(/<testsuite [^>]*failures="1" errors="0" skipped="1"/)
    expect(xml).toContain('name="Form &lt;green&gt;" time="1.000"/>')
    expect(xml).toContain('<failure message="Timed out &amp; &quot;lost&quot;">')
    expect(xml).toContain('<skipped message="single-node"/>')
  })

  it('masks secrets in every file it writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'writer-'))
    const writer = new ReportWriter(dir, ['s3cr3t-pass', undefined])
    writer.write('a/b.json', { env: 'ELASTIC_PASSWORD=s3cr3t-pass' })
    expect(readFileSync(join(dir, 'a/b.json'), 'utf8')).toBe(
      '{\n  "env": "ELASTIC_PASSWORD=***"\n}'
    )
  })
})

describe('kind checksum file', () => {
  it('reads the sha256 from a .sha256sum file and refuses anything else', () => {
    const hex = 'a'.repeat(64)
    expect(parseSha256Sum(`${hex}  kind-linux-amd64\n`)).toBe(hex)
    expect(() => parseSha256Sum('<html>Not Found</html>')).toThrow(/not a sha256sum file/)
  })
})

describe('the version that ran', () => {
  const es = { distribution: 'elasticsearch', version: '7.17.29' }
  it('says when the nodes run another version than the tag asks for', () => {
    expect(versionDiffers('docker.elastic.co/elasticsearch/elasticsearch:9.1.0', es)).toBe(
      'The image asks for elasticsearch 9.1.0 (docker.elastic.co/elasticsearch/elasticsearch:9.1.0), but the nodes run 7.17.29: this run proves 7.17.29, not 9.1.0.'
    )
    expect(versionDiffers('registry:5000/es:7.17.28@sha256:' + 'a'.repeat(64), es)).toMatch(
      /asks for elasticsearch 7\.17\.28/
    )
  })

  it('is silent when they match, or when the tag names no version', () => {
    expect(
      versionDiffers('docker.elastic.co/elasticsearch/elasticsearch:7.17.29', es)
    ).toBeUndefined()
    expect(versionDiffers('elasticsearch:latest', es)).toBeUndefined()
    expect(versionDiffers('registry:5000/elasticsearch', es)).toBeUndefined()
    expect(versionDiffers('es@sha256:' + 'b'.repeat(64), es)).toBeUndefined()
  })
})

describe('the CLI logger', () => {
  it('names the file and line once, also when the message already starts with them', async () => {
    const { ConsoleLogger } = await import('../src/cli/console-logger.js')
    const lines: string[] = []
    const logger = new ConsoleLogger(
      false,
      false,
      (l) => lines.push(l),
      (l) => lines.push(l)
    )
    const at = { file: 'manifests/x/statefulset.yaml', line: 5 }
    logger.error('manifests/x/statefulset.yaml:5: the API server refused StatefulSet/es', at)
    logger.error('heap: -Xms differs from -Xmx', at)
    expect(lines[0]).toMatch(
      /error: manifests\/x\/statefulset\.yaml:5: the API server refused StatefulSet\/es$/
    )
    expect(lines[1]).toMatch(/error: manifests\/x\/statefulset\.yaml:5: heap: -Xms differs/)
  })
})
