import * as core from '@actions/core'
import type { Logger } from '../engine/logger.js'

/** The engine's logger on a runner: groups per phase, annotations that point at file and line. */
export class CoreLogger implements Logger {
  private readonly started = Date.now()

  constructor(private readonly quiet = false) {}

  private elapsed(): string {
    return `[${((Date.now() - this.started) / 1000).toFixed(1)}s]`
  }

  info(message: string): void {
    if (!this.quiet) core.info(`${this.elapsed()} ${message}`)
  }

  progress(message: string): void {
    if (!this.quiet) core.info(`${this.elapsed()}   ${message}`)
  }

  result(message: string): void {
    core.info(`${this.elapsed()} ${message}`)
  }

  warning(message: string, location?: { file: string; line?: number; column?: number }): void {
    core.warning(
      message,
      location
        ? { file: location.file, startLine: location.line, startColumn: location.column }
        : undefined
    )
  }

  error(message: string, location?: { file: string; line?: number; column?: number }): void {
    core.error(
      message,
      location
        ? { file: location.file, startLine: location.line, startColumn: location.column }
        : undefined
    )
  }

  debug(message: string): void {
    core.debug(message)
  }

  group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    return core.group(title, fn)
  }
}
