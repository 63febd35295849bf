import { getExecOutput } from '@actions/exec'
import { which } from '@actions/io'
import type { Logger } from '../logger.js'

export interface ToolResult {
  stdout: string
  stderr: string
  exitCode: number
}

/**
 * One external program, run with argument arrays (never a shell string). Each call logs its
 * full command line at debug level and turns a non-zero exit into an Error that says what was
 * being done and ends with the program's stderr.
 */
export class Tool {
  constructor(
    readonly path: string,
    private readonly logger: Logger,
    /** Arguments that go before every call's own (a script for `node`, for example). */
    private readonly leadingArgs: string[] = []
  ) {}

  /** Finds a program on PATH once; a clear, actionable error when it is missing. */
  static async find(name: string, logger: Logger, hint: string): Promise<Tool> {
    const path = await which(name, false)
    if (!path) throw new Error(`${name} was not found on PATH. ${hint}`)
    return new Tool(path, logger)
  }

  async run(
    what: string,
    args: string[],
    opts: { env?: Record<string, string>; input?: string; allowFailure?: boolean } = {}
  ): Promise<ToolResult> {
    const all = [...this.leadingArgs, ...args]
    this.logger.debug(`$ ${[this.path, ...all].join(' ')}`)
    const result = await getExecOutput(this.path, all, {
      silent: true,
      ignoreReturnCode: true,
      // Always explicit: a child must see this process's environment as it is now.
      env: { ...process.env, ...opts.env } as Record<string, string>,
      input: opts.input !== undefined ? Buffer.from(opts.input) : undefined
    })
    if (result.exitCode !== 0 && !opts.allowFailure) {
      const tail = (result.stderr || result.stdout).trim().split('\n').slice(-15).join('\n')
      throw new Error(
        `${what} failed: ${[this.path, ...all].join(' ')} exited ${result.exitCode}${tail ? `:\n${tail}` : ''}`
      )
    }
    return result
  }
}
