import pRetry from 'p-retry'
import { VerificationError, errorMessage } from './errors.js'

/** Where retries and waits say what they are doing; the engine's logger fits. */
export interface RetryLog {
  debug(message: string): void
}

const silent: RetryLog = { debug: () => undefined }

/**
 * Runs `fn` up to `attempts` times with growing, logged delays. For transient failures of one
 * call (the API server restarting); waiting for a state is `waitFor`'s job.
 */
export async function withRetry<T>(
  what: string,
  fn: () => Promise<T>,
  opts: { attempts?: number; minDelayMs?: number; log?: RetryLog } = {}
): Promise<T> {
  const log = opts.log ?? silent
  return pRetry(fn, {
    retries: (opts.attempts ?? 3) - 1,
    minTimeout: opts.minDelayMs ?? 500,
    factor: 2,
    onFailedAttempt: ({ error, attemptNumber, retriesLeft, retryDelay }) => {
      if (retriesLeft > 0)
        log.debug(
          `${what}: attempt ${attemptNumber} failed (${error.message}); retrying in ${retryDelay}ms`
        )
    }
  })
}

/** A wait that sees no change still says what it awaits this often (silence looks like a hang). */
export const PROGRESS_EVERY_MS = 10_000

/** What one look at the cluster found: done, or not yet with what was seen. */
export type Observation<T> =
  { done: true; value: T } | { done: false; seen: unknown; summary: string }

/** Thrown inside a check to stop waiting at once (the cluster can no longer get there). */
export class GiveUp extends Error {}

/** Re-looks after a wake that did not yet show the awaited state: a log line can precede the API's view by a few ms. */
const AFTER_WAKE_MS = [40, 120]

/**
 * Observes until `check` reports done or the deadline passes: every `intervalMs`, and at once
 * when `wake` resolves (a watched change). At the deadline it throws VerificationError saying
 * what was awaited and what was last seen, never a bare timeout. An exception thrown by
 * `check` counts as a look that saw that error; GiveUp ends the wait with its cause.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<Observation<T>>,
  opts: {
    timeoutMs: number
    intervalMs: number
    /** Told what is still awaited: on each change of what is seen, and at least every 10 s. */
    onProgress?: (line: string) => void
    signal?: AbortSignal
    /** Resolves at the next change in the cluster; the wait then looks at once. */
    wake?: () => Promise<void>
  }
): Promise<T> {
  const started = Date.now()
  let last: { seen: unknown; summary: string } = {
    seen: undefined,
    summary: 'nothing observed yet'
  }
  let toldAt = started
  let told = ''
  let quickLooks: number[] = []
  for (;;) {
    if (opts.signal?.aborted)
      throw new VerificationError(
        `Interrupted while waiting for ${what}. Last seen: ${last.summary}`,
        last.seen
      )
    let observation: Observation<T>
    try {
      observation = await check()
    } catch (err) {
      if (err instanceof GiveUp)
        // The cause first: it is what the reader needs, the wait is context.
        throw new VerificationError(
          `${err.message}\nGave up waiting for ${what} after ${((Date.now() - started) / 1000).toFixed(1)}s: this cannot heal by itself.`,
          last.seen
        )
      observation = { done: false, seen: { error: errorMessage(err) }, summary: errorMessage(err) }
    }
    if (observation.done) return observation.value
    last = observation
    const now = Date.now()
    if (observation.summary !== told || now - toldAt >= PROGRESS_EVERY_MS) {
      opts.onProgress?.(
        `waiting ${((now - started) / 1000).toFixed(0)}s for ${what}: ${observation.summary}`
      )
      told = observation.summary
      toldAt = now
    }
    const left = opts.timeoutMs - (now - started)
    if (left <= 0)
      throw new VerificationError(
        `Timed out after ${((now - started) / 1000).toFixed(1)}s waiting for ${what}. Last seen: ${observation.summary}`,
        observation.seen
      )
    const pause = Math.min(quickLooks.shift() ?? opts.intervalMs, left)
    if (await pauseOrWake(pause, opts.signal, opts.wake)) quickLooks = [...AFTER_WAKE_MS]
  }
}

/** Sleeps `ms` unless `wake` resolves or `signal` aborts first; true when woken by a change. */
async function pauseOrWake(
  ms: number,
  signal: AbortSignal | undefined,
  wake: (() => Promise<void>) | undefined
): Promise<boolean> {
  const stop = new AbortController()
  const sleep = sleepFor(ms, signal ? AbortSignal.any([signal, stop.signal]) : stop.signal).then(
    () => false
  )
  const woken = wake ? wake().then(() => true) : new Promise<boolean>(() => undefined)
  const result = await Promise.race([sleep, woken])
  stop.abort()
  return result
}

/** Sleeps `ms`, or less when `signal` aborts first; never rejects. */
export function sleepFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        resolve()
      },
      { once: true }
    )
  })
}
