/** Bad input: an option, a manifest or a file. The CLI exits 2; nothing has been created. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  constructor(
    message: string,
    /** Where the problem is, when it is in a file. */
    readonly location?: { file: string; line?: number; column?: number }
  ) {
    super(message)
  }
}

/** The cluster did not do what it must. Carries what was last seen, for the report. */
export class VerificationError extends Error {
  override readonly name = 'VerificationError'
  constructor(
    message: string,
    readonly lastSeen?: unknown
  ) {
    super(message)
  }
}

/** Message of anything thrown, for logs. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** A problem in the manifests found by the preflight or by the API server, with where it is. */
export class ManifestError extends VerificationError {
  constructor(
    message: string,
    readonly location: { file: string; line: number }
  ) {
    super(message)
  }
}
