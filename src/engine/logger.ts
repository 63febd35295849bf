/**
 * How the engine talks to people. The CLI prints to the terminal; the action maps it onto
 * @actions/core (groups, annotations). The engine knows nothing of either.
 */
export interface Logger {
  info(message: string): void
  warning(message: string, location?: { file: string; line?: number; column?: number }): void
  error(message: string, location?: { file: string; line?: number; column?: number }): void
  debug(message: string): void
  /** Runs fn inside a titled, collapsible section that is closed even when fn throws. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>
}

/** A logger that keeps nothing: for tests and library use. */
export const nullLogger: Logger = {
  info: () => undefined,
  warning: () => undefined,
  error: () => undefined,
  debug: () => undefined,
  group: (_title, fn) => fn()
}
