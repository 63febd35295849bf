import type { KubeClient } from './kube/client.js'
import type { ClusterStatus, DocumentApi } from './es/documents.js'
import { isReady } from './observe.js'
import { VerificationError, errorMessage } from './errors.js'
import { formatDuration } from './duration.js'
import type { Timeline } from './timeline.js'

/** What the service did for its clients during one disruption (report.json `availability`). */
export interface AvailabilityReport {
  writes: {
    attempted: number
    acked: number
    failed: number
    /** Filled by the data check after healing: acknowledged writes that were not read back. */
    lost: number
    longestGapMs: number
    /** Median and worst latency of acknowledged writes. */
    latencyP50Ms?: number
    latencyMaxMs?: number
    /** The first distinct errors, to say why writes failed. */
    errors: string[]
  }
  reads: { attempted: number; ok: number; failed: number; longestGapMs: number; errors: string[] }
  health: {
    redMs: number
    yellowMs: number
    /** No master answered: the cluster could not tell its health (no status is counted then). */
    unavailableMs: number
    transitions: { at: number; status: ClusterStatus }[]
  }
}

/** Which pods the checks may use: Ready, not terminating, and not one being disrupted. */
export class ServingPods {
  private pods: { name: string; uid: string; ready: boolean }[] = []
  private readonly disrupted = new Set<string>()
  private cursor = 0
  private refreshedAt = 0
  /** The listing in flight: concurrent picks wait for it instead of reading an empty list. */
  private refreshing?: Promise<void>

  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
    private readonly selector: Record<string, string>,
    /** How stale the pod list may be before a pick lists the pods again. */
    private readonly maxAgeMs = 1000
  ) {}

  /** Marks pods (by UID) as disrupted: checks move off them; their replacements are eligible. */
  disrupt(uids: string[]): void {
    for (const uid of uids) this.disrupted.add(uid)
  }

  /** A pod to send the next check to, rotating among the eligible ones; undefined when none is. */
  async pick(): Promise<string | undefined> {
    if (this.refreshing) await this.refreshing
    else if (Date.now() - this.refreshedAt > this.maxAgeMs) {
      this.refreshing = this.refresh().finally(() => (this.refreshing = undefined))
      await this.refreshing
    }
    const eligible = this.pods.filter((p) => p.ready && !this.disrupted.has(p.uid))
    if (eligible.length === 0) return undefined
    return eligible[this.cursor++ % eligible.length].name
  }

  /** A check through this pod failed: list the pods again before the next pick. */
  failed(): void {
    this.refreshedAt = 0
  }

  private async refresh(): Promise<void> {
    const pods = await this.kube.listPods(this.namespace, this.selector)
    this.pods = pods.map((p) => ({ name: p.metadata.name, uid: p.metadata.uid, ready: isReady(p) }))
    this.refreshedAt = Date.now()
  }
}

/** Settings of the continuous checks. */
export interface AvailabilitySettings {
  /** Where writes go (the write alias). */
  index: string
  /** Where reads go (the index itself: a lost index must fail the read). */
  readIndex: string
  /** Ids of seeded documents that reads may ask for. */
  readIds: string[]
  writesPerSecond: number
  pollIntervalMs: number
  /** Red for longer than this fails the disruption (once armed). */
  maxRedMs: number
  /** Id prefix of this disruption's writes, unique in the run. */
  idPrefix: string
  requestTimeoutMs?: number
}

const MAX_ERRORS_KEPT = 5
/** At most this many writes in flight: a stalled cluster must not pile up requests. */
const MAX_WRITES_IN_FLIGHT = 8

/**
 * The background checks of one disruption (ECK's ContinuousHealthCheck, plus writes and reads):
 * started before the disruption, stopped once the cluster has healed. Writes, reads and health
 * each run on their own timer through a pod that is not being disrupted.
 */
export class AvailabilityMonitor {
  readonly acked: string[] = []
  private readonly report: AvailabilityReport = {
    writes: { attempted: 0, acked: 0, failed: 0, lost: 0, longestGapMs: 0, errors: [] },
    reads: { attempted: 0, ok: 0, failed: 0, longestGapMs: 0, errors: [] },
    health: { redMs: 0, yellowMs: 0, unavailableMs: 0, transitions: [] }
  }
  private readonly latencies: number[] = []
  private running = false
  private readonly timers: NodeJS.Timeout[] = []
  private readonly inFlight = new Set<Promise<void>>()
  private seq = 0
  private lastAckAt = 0
  private lastReadAt = 0
  private lastStatus?: { status: ClusterStatus; at: number }
  private redSinceArmed = 0
  private armed = false
  private onFailure?: (err: VerificationError) => void
  private failure?: VerificationError

  constructor(
    private readonly docs: DocumentApi,
    private readonly pods: ServingPods,
    private readonly settings: AvailabilitySettings,
    private readonly timeline: Timeline,
    private readonly phase: string
  ) {}

  /** Starts the three checks; red is held against max-red from now on when `armRed` is true. */
  start(opts: { armRed: boolean; onFailure: (err: VerificationError) => void }): void {
    this.running = true
    this.armed = opts.armRed
    this.onFailure = opts.onFailure
    this.lastAckAt = this.lastReadAt = Date.now()
    this.every(1000 / this.settings.writesPerSecond, () => this.write())
    this.every(this.settings.pollIntervalMs, () => this.read())
    this.every(this.settings.pollIntervalMs, () => this.health())
  }

  /**
   * Holds red against max-red from now on. A full restart is red while its primaries come
   * back from disk; the restart scenario arms the check once the cluster has re-formed.
   */
  armRed(): void {
    this.armed = true
  }

  /** The error that stopped the disruption early (red beyond max-red), if any. */
  get failed(): VerificationError | undefined {
    return this.failure
  }

  /** Stops the checks, waits for writes in flight, and returns the figures. */
  async stop(): Promise<AvailabilityReport> {
    if (!this.running) return this.report
    this.running = false
    for (const t of this.timers) clearTimeout(t)
    await Promise.allSettled([...this.inFlight])
    const now = Date.now()
    this.closeHealthWindow(now)
    const w = this.report.writes
    w.longestGapMs = Math.max(w.longestGapMs, now - this.lastAckAt)
    this.report.reads.longestGapMs = Math.max(this.report.reads.longestGapMs, now - this.lastReadAt)
    if (this.latencies.length) {
      const sorted = [...this.latencies].sort((a, b) => a - b)
      w.latencyP50Ms = sorted[Math.floor(sorted.length / 2)]
      w.latencyMaxMs = sorted[sorted.length - 1]
    }
    return this.report
  }

  /** Runs `tick` every intervalMs without overlapping itself; a slow tick delays the next. */
  private every(intervalMs: number, tick: () => Promise<void> | void): void {
    const loop = async (): Promise<void> => {
      if (!this.running) return
      const started = Date.now()
      await tick()
      if (!this.running) return
      this.timers.push(
        setTimeout(() => void loop(), Math.max(0, intervalMs - (Date.now() - started)))
      )
    }
    void loop()
  }

  private get timeoutMs(): number {
    return this.settings.requestTimeoutMs ?? 5000
  }

  /** Sends one write and returns at once, so that a stalled write never slows the rate. */
  private write(): void {
    if (this.inFlight.size >= MAX_WRITES_IN_FLIGHT) return
    const id = `${this.settings.idPrefix}-${++this.seq}`
    const w = this.report.writes
    w.attempted++
    const sent = Date.now()
    const p = (async () => {
      const pod = await this.pods.pick()
      if (!pod) throw new Error('no Ready pod outside the disruption to write through')
      try {
        await this.docs.indexOne(
          pod,
          this.settings.index,
          id,
          { seq: this.seq, at: sent },
          this.timeoutMs
        )
      } catch (err) {
        this.pods.failed()
        throw err
      }
    })()
      .then(() => {
        const now = Date.now()
        w.acked++
        this.acked.push(id)
        this.latencies.push(now - sent)
        w.longestGapMs = Math.max(w.longestGapMs, now - this.lastAckAt)
        this.lastAckAt = Math.max(this.lastAckAt, now)
      })
      .catch((err: unknown) => {
        w.failed++
        keep(w.errors, errorMessage(err))
      })
      .finally(() => this.inFlight.delete(p))
    this.inFlight.add(p)
  }

  private async read(): Promise<void> {
    const ids = this.settings.readIds
    if (ids.length === 0) return
    const r = this.report.reads
    r.attempted++
    try {
      const pod = await this.pods.pick()
      if (!pod) throw new Error('no Ready pod outside the disruption to read through')
      const id = ids[Math.floor(Math.random() * ids.length)]
      const found = await this.docs
        .getOne(pod, this.settings.readIndex, id, this.timeoutMs)
        .catch((err) => {
          this.pods.failed()
          throw err
        })
      if (!found) throw new Error(`seeded document ${id} was not found`)
      const now = Date.now()
      r.ok++
      r.longestGapMs = Math.max(r.longestGapMs, now - this.lastReadAt)
      this.lastReadAt = now
    } catch (err) {
      r.failed++
      keep(r.errors, errorMessage(err))
    }
  }

  private async health(): Promise<void> {
    let status: ClusterStatus
    try {
      const pod = await this.pods.pick()
      status = pod ? await this.docs.clusterStatus(pod, this.timeoutMs) : 'unavailable'
    } catch {
      this.pods.failed()
      status = 'unavailable'
    }
    if (!this.running) return
    const now = Date.now()
    this.closeHealthWindow(now)
    if (this.lastStatus?.status !== status) {
      this.report.health.transitions.push({ at: now, status })
      this.timeline.record(this.phase, `health-${status}`, `cluster health ${status}`)
    }
    this.lastStatus = { status, at: now }
    if (this.armed && status === 'red' && !this.failure) {
      if (this.redSinceArmed >= this.settings.maxRedMs || this.settings.maxRedMs === 0) {
        const budget =
          this.settings.maxRedMs === 0
            ? 'max-red is 0s, so any red fails'
            : `red for ${formatDuration(this.redSinceArmed)}, more than max-red ${formatDuration(this.settings.maxRedMs)}`
        this.failure = new VerificationError(
          `The cluster went red during ${this.phase} (${budget}): some primary shards had no copy in service, so their data could be neither read nor written (see cat-shards.txt under elasticsearch/ in the report).`,
          { health: this.report.health.transitions.slice(-5) }
        )
        this.onFailure?.(this.failure)
      }
    }
  }

  /** Adds the time since the last sample to the status it had. */
  private closeHealthWindow(now: number): void {
    const last = this.lastStatus
    if (!last) return
    const ms = now - last.at
    const h = this.report.health
    if (last.status === 'red') {
      h.redMs += ms
      if (this.armed) this.redSinceArmed += ms
    } else if (last.status === 'yellow') h.yellowMs += ms
    else if (last.status === 'unavailable') h.unavailableMs += ms
    last.at = now
  }
}

function keep(errors: string[], message: string): void {
  if (errors.length < MAX_ERRORS_KEPT && !errors.includes(message)) errors.push(message)
}

/** One line per disruption, as the CLI prints it. */
export function describeAvailability(a: AvailabilityReport): string {
  const s = (ms: number): string => formatDuration(ms)
  return `writes: ${a.writes.acked} acked, ${a.writes.failed} failed, ${a.writes.lost} lost; longest gap ${s(a.writes.longestGapMs)}; reads: ${a.reads.ok} ok, ${a.reads.failed} failed, longest gap ${s(a.reads.longestGapMs)}; red ${s(a.health.redMs)}, yellow ${s(a.health.yellowMs)}, no master ${s(a.health.unavailableMs)}`
}
