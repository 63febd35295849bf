import { createLogUpdate } from 'log-update'

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
/** Often enough that the elapsed time visibly runs; rarely enough to cost nothing. */
const REDRAW_MS = 100

/**
 * One status line on a terminal that updates in place (spinner, elapsed time, what is awaited),
 * drawn by log-update; every other line is written above it and stays in the scrollback.
 * Only for a TTY: logs and pipes get plain lines.
 */
export class LiveStatus {
  private readonly draw: ReturnType<typeof createLogUpdate>
  private status?: { text: string; since: number }
  private frame = 0
  private timer?: NodeJS.Timeout

  constructor(stream: NodeJS.WriteStream) {
    this.draw = createLogUpdate(stream, { showCursor: true, defaultWidth: 120 })
  }

  /** Shows what is being awaited, until the next show or stop. */
  show(text: string): void {
    this.status = { text, since: this.status?.text === text ? this.status.since : Date.now() }
    this.render()
    if (!this.timer) {
      this.timer = setInterval(() => this.render(), REDRAW_MS)
      this.timer.unref()
    }
  }

  /** Writes a line above the status line. */
  line(text: string): void {
    this.draw.clear()
    this.draw.persist(text)
    this.render()
  }

  /** Removes the status line (a phase ended, or the run did). */
  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.status = undefined
    this.draw.clear()
  }

  private render(): void {
    if (!this.status) return
    const seconds = ((Date.now() - this.status.since) / 1000).toFixed(1)
    this.draw(`${FRAMES[this.frame++ % FRAMES.length]} ${seconds}s ${this.status.text}`)
  }
}
