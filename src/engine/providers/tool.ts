import type { Logger } from '../logger.js'
import type { ExecResult, SystemPort } from '../system.js'

export type ToolResult = ExecResult

/** What a tool needs: where to log and how to run programs. */
export interface ToolContext {
  logger: Logger
  system: SystemPort
}

/**
 * One external program, run with argument arrays (never a shell string). Each call logs its
 * full command line at debug level and turns a non-zero exit into an Error that says what was
 * being done and ends with the program's stderr.
 */
export class Tool {
  private readonly logger: Logger
  private readonly system: SystemPort

  constructor(
    readonly path: string,
    ctx: ToolContext,
    /** Arguments that go before every call's own (a script for `node`, for example). */
    private readonly leadingArgs: string[] = []
  ) {
    this.logger = ctx.logger
    this.system = ctx.system
  }

  /** Finds a program on PATH once; a clear, actionable error when it is missing. */
  static async find(name: string, ctx: ToolContext, hint: string): Promise<Tool> {
    const path = await ctx.system.which(name)
    if (!path) throw new Error(`${name} was not found on PATH. ${hint}`)
    return new Tool(path, ctx)
  }

  async run(
    what: string,
    args: string[],
    opts: { env?: Record<string, string>; input?: string; allowFailure?: boolean } = {}
  ): Promise<ToolResult> {
    const all = [...this.leadingArgs, ...args]
    this.logger.debug(`$ ${[this.path, ...all].join(' ')}`)
    const result = await this.system.exec(this.path, all, {
      // Always explicit: a child must see this process's environment as it is now.
      env: { ...process.env, ...opts.env } as Record<string, string>,
      input: opts.input
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
