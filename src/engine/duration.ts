import { UsageError } from './errors.js'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/**
 * Parses a duration such as "90s", "5m", "1m30s", "500ms" or "1h" into milliseconds.
 * A bare number is refused: "10" could mean seconds or minutes.
 */
export function parseDuration(name: string, value: string): number {
  const text = value.trim()
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)]
  if (!text || parts.map((p) => p[0]).join('') !== text) {
    throw new UsageError(
      `Invalid ${name} '${value}'. Expected a duration such as 90s, 5m, 1m30s or 500ms.`
    )
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]], 0)
  if (ms <= 0)
    throw new UsageError(`Invalid ${name} '${value}'. Expected a duration greater than zero.`)
  return ms
}

/** Formats milliseconds for people: 850ms, 12.3s, 2m05s. */
export function formatDuration(ms: number): string {
  if (ms < 999.5) return `${Math.round(ms)}ms`
  // Round first, then split: 59.96 s is "1m00s", never "60.0s"; 119.6 s is "2m00s", never "1m60s".
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)}s`
  const total = Math.round(ms / 1000)
  return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s`
}
