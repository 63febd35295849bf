import { errorMessage, VerificationError } from './errors.js'
import { formatDuration } from './duration.js'
import type { Logger } from './logger.js'
import type { Timeline } from './timeline.js'

export type PhaseStatus = 'passed' | 'failed' | 'skipped'

export interface PhaseResult {
  name: string
  title: string
  status: PhaseStatus
  startedAt: number
  endedAt: number
  durationMs: number
  error?: string
  lastSeen?: unknown
  reason?: string
}

/** Runs after a phase, whether it passed or failed (snapshots of the cluster, for example). */
export type PhaseCollector = (phase: string, outcome: 'passed' | 'failed') => Promise<void>

/** A check that runs in the background across phases until stopped. */
export interface Monitor {
  name: string
  stop(): Promise<void>
}

/**
 * Runs named phases in order, each in its own log group, timing each and recording it in the
 * timeline; collectors run after every phase whatever its outcome. Background monitors (a
 * health watch during failover, for example) are started and stopped here too.
 */
export class PhaseRunner {
  readonly results: PhaseResult[] = []
  private readonly monitors: Monitor[] = []

  constructor(
    private readonly logger: Logger,
    private readonly timeline: Timeline,
    private readonly collectors: PhaseCollector[] = []
  ) {}

  async run<T>(
    name: string,
    title: string,
    fn: () => Promise<T>,
    collect?: (outcome: 'passed' | 'failed') => Promise<void>
  ): Promise<T> {
    const startedAt = Date.now()
    this.timeline.record(name, 'phase-started', title)
    let outcome: 'passed' | 'failed' = 'failed'
    try {
      const value = await this.logger.group(`${title}`, async () => {
        try {
          const result = await fn()
          outcome = 'passed'
          return result
        } finally {
          const collectors = [
            ...this.collectors.map((c) => (o: 'passed' | 'failed') => c(name, o)),
            ...(collect ? [collect] : [])
          ]
          for (const collector of collectors) {
            await collector(outcome).catch((err) =>
              this.logger.warning(`Collecting after ${title} failed: ${errorMessage(err)}`)
            )
          }
        }
      })
      const endedAt = Date.now()
      this.results.push({
        name,
        title,
        status: 'passed',
        startedAt,
        endedAt,
        durationMs: endedAt - startedAt
      })
      this.timeline.record(
        name,
        'phase-passed',
        `${title} passed in ${formatDuration(endedAt - startedAt)}`
      )
      this.logger.result(`✓ ${title} (${formatDuration(endedAt - startedAt)})`)
      return value
    } catch (err) {
      const endedAt = Date.now()
      const lastSeen = err instanceof VerificationError ? err.lastSeen : undefined
      this.results.push({
        name,
        title,
        status: 'failed',
        startedAt,
        endedAt,
        durationMs: endedAt - startedAt,
        error: errorMessage(err),
        lastSeen
      })
      this.timeline.record(name, 'phase-failed', errorMessage(err), lastSeen)
      this.logger.result(`✗ ${title} (${formatDuration(endedAt - startedAt)})`)
      throw err
    }
  }

  skip(name: string, title: string, reason: string): void {
    const now = Date.now()
    this.results.push({
      name,
      title,
      status: 'skipped',
      startedAt: now,
      endedAt: now,
      durationMs: 0,
      reason
    })
    this.timeline.record(name, 'phase-skipped', `${title} skipped: ${reason}`)
    this.logger.result(`- ${title} skipped: ${reason}`)
  }

  /** Starts `tick` every intervalMs in the background until stopAll(); a failing tick is logged, not fatal. */
  startMonitor(name: string, intervalMs: number, tick: () => Promise<void>): Monitor {
    let running = true
    let current: Promise<void> = Promise.resolve()
    let timer: NodeJS.Timeout | undefined
    const loop = (): void => {
      if (!running) return
      current = tick()
        .catch((err) => this.logger.debug(`${name}: ${errorMessage(err)}`))
        .finally(() => {
          if (running) timer = setTimeout(loop, intervalMs)
        })
    }
    loop()
    const monitor: Monitor = {
      name,
      stop: async () => {
        running = false
        clearTimeout(timer)
        await current
      }
    }
    this.monitors.push(monitor)
    return monitor
  }

  async stopMonitors(): Promise<void> {
    await Promise.all(this.monitors.splice(0).map((m) => m.stop()))
  }
}
