import { describe, expect, it } from '@jest/globals'
import { runScenario, type RunContext, type Scenario, type Step } from '../src/engine/scenario.js'
import { buildScenario } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import { PhaseRunner } from '../src/engine/phases.js'
import { Timeline } from '../src/engine/timeline.js'
import { nullLogger } from '../src/engine/logger.js'
import { UsageError, VerificationError } from '../src/engine/errors.js'
import type { Report } from '../src/engine/report.js'

/** A context with only what the runner itself touches; steps here are fakes that log what ran. */
function fakeContext(): { ctx: RunContext; ran: string[] } {
  const timeline = new Timeline()
  const report: Report = {
    verdict: 'failed',
    startedAt: '',
    endedAt: '',
    durationMs: 0,
    provider: 'fake',
    cluster: 'fake',
    phases: [],
    rounds: [],
    disruptions: [],
    warnings: [],
    reportDir: '/nonexistent'
  }
  const ctx = {
    logger: nullLogger,
    hooks: {},
    timeline,
    report,
    runner: new PhaseRunner(nullLogger, timeline),
    deferred: [],
    written: [],
    pending: []
  } as unknown as RunContext
  return { ctx, ran: [] }
}

function step(ran: string[], name: string, fail?: Error): Step {
  return {
    name,
    title: `step ${name}`,
    run: async () => {
      ran.push(name)
      if (fail) throw fail
    },
    collect: async (_ctx, outcome) => {
      ran.push(`collect ${name} ${outcome}`)
    }
  }
}

describe('runScenario', () => {
  it('runs every step in order, then the final steps, and passes', async () => {
    const { ctx, ran } = fakeContext()
    const scenario: Scenario = {
      steps: [step(ran, 'a'), step(ran, 'b')],
      finally: [{ title: 'collect', run: async () => void ran.push('final') }]
    }
    await runScenario(scenario, ctx)
    expect(ran).toEqual(['a', 'collect a passed', 'b', 'collect b passed', 'final'])
    expect(ctx.report.verdict).toBe('passed')
    expect(ctx.runner.results.map((r) => [r.name, r.status])).toEqual([
      ['a', 'passed'],
      ['b', 'passed']
    ])
  })

  it('stops at the first failure, still collects and runs the final steps, and names the phase', async () => {
    const { ctx, ran } = fakeContext()
    const scenario: Scenario = {
      steps: [
        step(ran, 'a'),
        step(ran, 'b', new VerificationError('no master', { pods: [] })),
        step(ran, 'c')
      ],
      finally: [
        { title: 'collect', run: async () => void ran.push('collect') },
        { title: 'clean up', run: async () => void ran.push('clean up') }
      ]
    }
    await runScenario(scenario, ctx)
    expect(ran).toEqual(['a', 'collect a passed', 'b', 'collect b failed', 'collect', 'clean up'])
    expect(ctx.report.verdict).toBe('failed')
    expect(ctx.report.error).toMatchObject({
      phase: 'b',
      message: 'no master',
      lastSeen: { pods: [] }
    })
  })

  it('a final step that throws becomes a warning; the others still run', async () => {
    const { ctx, ran } = fakeContext()
    await runScenario(
      {
        steps: [step(ran, 'a')],
        finally: [
          { title: 'collect', run: async () => Promise.reject(new Error('API server gone')) },
          { title: 'clean up', run: async () => void ran.push('clean up') }
        ]
      },
      ctx
    )
    expect(ran).toContain('clean up')
    expect(ctx.report.verdict).toBe('passed')
    expect(ctx.report.warnings).toEqual(['collect: API server gone'])
  })

  it('skips a step that says it does not apply, with its reason', async () => {
    const { ctx, ran } = fakeContext()
    await runScenario(
      {
        steps: [{ ...step(ran, 'seed'), skip: () => 'data-checks is off' }, step(ran, 'b')],
        finally: []
      },
      ctx
    )
    expect(ran).toEqual(['b', 'collect b passed'])
    expect(ctx.runner.results[0]).toMatchObject({
      name: 'seed',
      status: 'skipped',
      reason: 'data-checks is off'
    })
  })

  it('rethrows bad input after the final steps ran', async () => {
    const { ctx, ran } = fakeContext()
    await expect(
      runScenario(
        {
          steps: [step(ran, 'a', new UsageError("Invalid base-manifests 'git:nope'"))],
          finally: [{ title: 'clean up', run: async () => void ran.push('clean up') }]
        },
        ctx
      )
    ).rejects.toThrow(UsageError)
    expect(ran).toContain('clean up')
  })

  it('an interrupted run stops before the next step and still cleans up', async () => {
    const { ctx, ran } = fakeContext()
    const controller = new AbortController()
    ;(ctx as { hooks: object }).hooks = { signal: controller.signal }
    const stopping: Step = { ...step(ran, 'a'), run: async () => void controller.abort('SIGINT') }
    await runScenario(
      {
        steps: [stopping, step(ran, 'b')],
        finally: [{ title: 'clean up', run: async () => void ran.push('clean up') }]
      },
      ctx
    )
    expect(ran).not.toContain('b')
    expect(ran).toContain('clean up')
    expect(ctx.report.error?.message).toMatch(/Interrupted \(SIGINT\)/)
  })
})

describe('buildScenario', () => {
  const names = (raw: Record<string, string>): string[] =>
    buildScenario(parseOptions(raw)).steps.map((s) => s.name)

  it('assembles the default failover run', () => {
    expect(names({})).toEqual([
      'lint',
      'provision',
      'apply',
      'form',
      'seed',
      'failover-1',
      'rejoin-1',
      'check-data'
    ])
  })

  it('runs the scenarios asked for, in the order given, on one cluster', () => {
    expect(names({ scenario: 'rolling-upgrade,restart,failover', rounds: '2' })).toEqual([
      'lint',
      'provision',
      'apply',
      'form',
      'seed',
      'rolling-upgrade',
      'restart',
      'reform',
      'failover-1',
      'rejoin-1',
      'failover-2',
      'rejoin-2',
      'check-data'
    ])
  })

  it('collects and cleans up on every path', () => {
    expect(buildScenario(parseOptions({})).finally.map((f) => f.title)).toEqual([
      'Collect logs and reports',
      'Clean up'
    ])
  })
})
