/**
 * How the engine talks to people. The CLI prints to the terminal (one live status line on a
 * TTY); the action maps it onto the runner's log groups and annotations. The engine knows
 * nothing of either.
 */
export interface Logger {
  info(message: string): void
  warning(message: string, location?: { file: string; line?: number; column?: number }): void
  error(message: string, location?: { file: string; line?: number; column?: number }): void
  debug(message: string): void
  /** What a wait still awaits, on each change and at least every 10 s; dropped by --quiet. */
  progress(message: string): void
  /** A phase's end (passed, failed or skipped): kept by --quiet. */
  result(message: string): void
  /** Runs fn inside a titled, collapsible section that is closed even when fn throws. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>
}

/** A logger that keeps nothing: for tests and library use. */
export const nullLogger: Logger = {
  info: () => undefined,
  warning: () => undefined,
  error: () => undefined,
  debug: () => undefined,
  progress: () => undefined,
  result: () => undefined,
  group: (_title, fn) => fn()
}
