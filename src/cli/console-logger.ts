import type { Logger } from '../engine/logger.js'
import type { LiveStatus } from './live-status.js'

/** The CLI's logger: phases as headed sections with elapsed time, warnings and errors on stderr. */
export class ConsoleLogger implements Logger {
  private readonly started = Date.now()

  constructor(
    private readonly verbose: boolean,
    /** Only phase starts and ends, warnings, errors and the verdict. */
    private readonly quiet: boolean,
    private readonly out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
    private readonly err: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
    /** On a terminal: progress updates one line in place instead of adding lines. */
    private readonly live?: LiveStatus
  ) {}

  private print(line: string): void {
    if (this.live) this.live.line(line)
    else this.out(line)
  }

  private stamp(): string {
    return `[${((Date.now() - this.started) / 1000).toFixed(1).padStart(6)}s]`
  }

  info(message: string): void {
    if (!this.quiet) this.print(`${this.stamp()} ${message}`)
  }

  progress(message: string): void {
    if (this.quiet) return
    if (this.live) this.live.show(message)
    else this.out(`${this.stamp()}   ${message}`)
  }

  result(message: string): void {
    this.live?.stop()
    this.print(`${this.stamp()} ${message}`)
  }

  warning(message: string, location?: { file: string; line?: number }): void {
    this.live?.stop()
    this.err(`${this.stamp()} warning: ${at(location, message)}${message}`)
  }

  error(message: string, location?: { file: string; line?: number }): void {
    this.live?.stop()
    this.err(`${this.stamp()} error: ${at(location, message)}${message}`)
  }

  debug(message: string): void {
    if (this.verbose) this.print(`${this.stamp()}   ${message}`)
  }

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.print(`${this.stamp()} ▶ ${title}`)
    try {
      return await fn()
    } finally {
      this.live?.stop()
    }
  }
}

/** `file:line: ` before a message, unless the message already starts with its file (a refused apply does). */
function at(location: { file: string; line?: number } | undefined, message: string): string {
  if (!location || message.startsWith(`${location.file}:`)) return ''
  return `${location.file}${location.line ? `:${location.line}` : ''}: `
}
