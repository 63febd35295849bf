import { appendFileSync } from 'node:fs'

/** One thing that really happened on the local cluster, from containerd's events and the engines' own lines. */
export interface GroundTruthEvent {
  /** Milliseconds since the epoch. */
  ts: number
  event:
    | 'process-started'
    | 'process-exited'
    | 'container-ready'
    | 'container-unready'
    | 'pod-ip-assigned'
    | 'pod-removed'
    | 'master-changed'
    | 'sysctl-set'
    | 'fault-injected'
  namespace?: string
  pod?: string
  container?: string
  detail?: Record<string, unknown>
}

/**
 * Appends events as JSON lines so that tests and benchmarks can compare what the verifier
 * observed with what really happened, and when.
 */
export class GroundTruthLog {
  constructor(private readonly path: string) {}

  /** Records an event now, or at ts when its source timestamped it (lines may then be out of order). */
  record(event: Omit<GroundTruthEvent, 'ts'> & { ts?: number }): void {
    const { ts, ...rest } = event
    appendFileSync(this.path, `${JSON.stringify({ ts: ts ?? Date.now(), ...rest })}\n`)
  }
}

/**
 * Recognises the engines' own log line for a change of elected master and returns the new
 * master's node name ('' when the node lost its master). Elasticsearch 7.x:
 * "master node changed {previous [...], current [{es-cluster-1}{id}...]}"; OpenSearch 2.x says
 * "cluster-manager node changed" with the same shape.
 */
export function parseMasterChange(line: string): string | undefined {
  // Only the applier's line: it is logged once on every node when the change takes effect there.
  if (!line.includes('ClusterApplierService')) return undefined
  const m = /(?:master|cluster-manager) node changed \{previous \[.*?\], current \[(.*?)\]\}/.exec(
    line
  )
  if (!m) return undefined
  const name = /^\{([^}]*)\}/.exec(m[1])
  return name ? name[1] : ''
}
