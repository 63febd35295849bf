import type { Logger } from '../engine/logger.js'

/** The CLI's logger: phases as headed sections with elapsed time, warnings and errors on stderr. */
export class ConsoleLogger implements Logger {
  private readonly started = Date.now()

  constructor(
    private readonly verbose: boolean,
    /** Only phase starts and ends, warnings, errors and the verdict. */
    private readonly quiet: boolean,
    private readonly out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
    private readonly err: (line: string) => void = (l) => process.stderr.write(`${l}\n`)
  ) {}

  private stamp(): string {
    return `[${((Date.now() - this.started) / 1000).toFixed(1).padStart(6)}s]`
  }

  info(message: string): void {
    if (!this.quiet) this.out(`${this.stamp()} ${message}`)
  }

  progress(message: string): void {
    if (!this.quiet) this.out(`${this.stamp()}   ${message}`)
  }

  result(message: string): void {
    this.out(`${this.stamp()} ${message}`)
  }

  warning(message: string, location?: { file: string; line?: number }): void {
    this.err(
      `${this.stamp()} warning: ${location ? `${location.file}${location.line ? `:${location.line}` : ''}: ` : ''}${message}`
    )
  }

  error(message: string, location?: { file: string; line?: number }): void {
    this.err(
      `${this.stamp()} error: ${location ? `${location.file}${location.line ? `:${location.line}` : ''}: ` : ''}${message}`
    )
  }

  debug(message: string): void {
    if (this.verbose) this.out(`${this.stamp()}   ${message}`)
  }

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.out(`${this.stamp()} ▶ ${title}`)
    return fn()
  }
}
