import type { KubeClient, PodView } from './kube/client.js'
import type { Logger } from './logger.js'
import { sleepFor } from './retry.js'

/**
 * Lines in which an engine says that its cluster changed: a master lost or elected, a node
 * joined or left, the health colour changed, the node started. Elasticsearch 7–9 and
 * OpenSearch 2–3 (which says cluster-manager where Elasticsearch says master).
 */
export const ENGINE_CHANGE =
  /(master|cluster-manager) node changed|elected-as-(master|cluster-manager)|node-join|node-left|added \{|removed \{|health status changed|\] started\b|\bstarted \{/i

/** How long to wait before watching again after a watch broke, so a dead API server is not hammered. */
const REWATCH_DELAY_MS = 500

/**
 * What happens in the cluster, as it happens: pod changes from a watch on the StatefulSet's pods,
 * and the engines' own lines about masters and members from their followed logs. Waits wake on
 * it instead of sleeping until their next look; what they then read from the APIs stays the
 * evidence, so a missed or early event costs time, never a wrong verdict. Polling remains the
 * fallback.
 */
export class ClusterChanges {
  private readonly controller = new AbortController()
  private readonly followed = new Set<string>()
  private readonly podListeners = new Set<(type: string, pod: PodView) => void>()
  private generation?: { promise: Promise<void>; resolve: () => void }
  /** The pods as the watch last showed them; undefined while no watch is open. */
  private pods?: Map<string, PodView>
  private watching?: Promise<void>
  /** Counts of what woke the waits, for the debug log and the tests. */
  readonly seen = { podEvents: 0, engineLines: 0, watchesStarted: 0, logsFollowed: 0 }

  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
    private readonly selector: Record<string, string>,
    private readonly container: string,
    private readonly logger: Logger
  ) {}

  start(): this {
    this.watching ??= this.watchLoop()
    return this
  }

  /** Resolves at the next change seen (one shared promise until then, so waiting costs nothing). */
  next = (): Promise<void> => {
    if (!this.generation) {
      let resolve!: () => void
      const promise = new Promise<void>((r) => (resolve = r))
      this.generation = { promise, resolve }
    }
    return this.generation.promise
  }

  /**
   * The StatefulSet's pods as the open watch shows them (an informer's cache): as fresh as the
   * API server can tell, without a request. Undefined while no watch is open: list instead.
   */
  currentPods(): PodView[] | undefined {
    return this.pods ? [...this.pods.values()] : undefined
  }

  /** Calls `listener` with every pod event until the returned function is called. */
  onPod(listener: (type: string, pod: PodView) => void): () => void {
    this.podListeners.add(listener)
    return () => this.podListeners.delete(listener)
  }

  async stop(): Promise<void> {
    this.controller.abort()
    await this.watching
    this.logger.debug(
      `cluster changes seen: ${this.seen.podEvents} pod events (${this.seen.watchesStarted} watches), ${this.seen.engineLines} engine lines (${this.seen.logsFollowed} logs followed)`
    )
  }

  private changed(): void {
    const current = this.generation
    this.generation = undefined
    current?.resolve()
  }

  private async watchLoop(): Promise<void> {
    const { signal } = this.controller
    while (!signal.aborted) {
      try {
        const { pods, resourceVersion } = await this.kube.listPodsForWatch(
          this.namespace,
          this.selector
        )
        this.pods = new Map(pods.map((p) => [p.metadata.name, p]))
        for (const pod of pods) this.follow(pod)
        this.changed()
        this.seen.watchesStarted++
        const ended = await this.kube.watchPods(
          this.namespace,
          this.selector,
          resourceVersion,
          signal,
          (type, pod) => {
            this.seen.podEvents++
            if (type === 'DELETED') this.pods?.delete(pod.metadata.name)
            else if (type === 'ADDED' || type === 'MODIFIED') this.pods?.set(pod.metadata.name, pod)
            this.follow(pod)
            for (const listener of this.podListeners) listener(type, pod)
            this.changed()
          }
        )
        this.pods = undefined
        if (ended) this.logger.debug(`pod watch ended (${ended}); listing and watching again`)
      } catch (err) {
        this.pods = undefined
        this.logger.debug(`pod watch failed (${(err as Error).message}); retrying`)
      }
      // Abortable, so that stop() does not wait out the delay.
      await sleepFor(REWATCH_DELAY_MS, signal)
    }
  }

  /** Follows the engine container's log of each running container instance once, from now on. */
  private follow(pod: PodView): void {
    const status = pod.status?.containerStatuses?.find((s) => s.name === this.container)
    if (!status?.state?.running || pod.metadata.deletionTimestamp) return
    const key = `${pod.metadata.uid}/${status.restartCount}`
    if (this.followed.has(key) || this.controller.signal.aborted) return
    this.followed.add(key)
    this.seen.logsFollowed++
    void this.kube
      .followPodLogLines(
        this.namespace,
        pod.metadata.name,
        this.container,
        this.controller.signal,
        (line) => {
          if (!ENGINE_CHANGE.test(line)) return
          this.seen.engineLines++
          this.changed()
        }
      )
      .catch(() => undefined)
  }
}
