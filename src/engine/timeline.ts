/** One observation: what the verifier saw or did, and when. */
export interface TimelineEntry {
  /** Milliseconds since the epoch. */
  at: number
  /** Milliseconds since the run started. */
  elapsedMs: number
  phase: string
  event: string
  message: string
  data?: unknown
}

/** Every observation of a run, in order; written as timeline.json. */
export class Timeline {
  readonly entries: TimelineEntry[] = []
  readonly startedAt: number

  constructor(private readonly now: () => number = Date.now) {
    this.startedAt = now()
  }

  record(phase: string, event: string, message: string, data?: unknown): TimelineEntry {
    const at = this.now()
    const entry = { at, elapsedMs: at - this.startedAt, phase, event, message, data }
    this.entries.push(entry)
    return entry
  }

  /** The first entry of an event, if any. */
  first(event: string): TimelineEntry | undefined {
    return this.entries.find((e) => e.event === event)
  }
}
