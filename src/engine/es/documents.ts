import { createHash } from 'node:crypto'
import { EsRequestError, type CatApi } from './cat-api.js'

/** How the test index is laid out: shards spread so every node holds some, with replicas. */
export interface IndexLayout {
  shards: number
  replicas: number
}

/** Health of the whole cluster as the elected master sees it, or why it could not be told. */
export type ClusterStatus = 'green' | 'yellow' | 'red' | 'unavailable'

/** Bulk answers are long; a sample of the failures is enough to explain them. */
const FAILURE_SAMPLE = 3

/** Reads and writes of test documents: seeding, continuous writes and reads, and the read-back. */
export class DocumentApi {
  constructor(private readonly api: CatApi) {}

  /** Creates the test index; refuses to reuse one that exists (it would hold another run's data). */
  async createIndex(pod: string, index: string, layout: IndexLayout, alias: string): Promise<void> {
    await this.api.call(pod, index, {}, 30_000, {
      method: 'PUT',
      body: JSON.stringify({
        settings: {
          number_of_shards: layout.shards,
          number_of_replicas: layout.replicas
        },
        aliases: { [alias]: {} }
      })
    })
  }

  /** Waits (on the engine's side) until the index reaches `status` or better; returns the status reached. */
  async waitForIndexStatus(
    pod: string,
    index: string,
    status: 'green' | 'yellow',
    timeoutMs: number
  ): Promise<string> {
    const seconds = Math.max(1, Math.floor(timeoutMs / 1000))
    try {
      const health = await this.api.call<{ status: string }>(
        pod,
        `_cluster/health/${index}`,
        { wait_for_status: status, timeout: `${seconds}s` },
        timeoutMs + 5000
      )
      return health.status
    } catch (err) {
      // On timeout the engine answers 408 with the health it reached; the body is not kept by call().
      if (err instanceof EsRequestError && err.status === 408) return `not ${status}`
      throw err
    }
  }

  /**
   * Writes documents through the bulk API with `refresh=wait_for`. Returns the ids the engine
   * acknowledged; a partial failure names the first failures.
   */
  async bulkIndex(
    pod: string,
    index: string,
    docs: { id: string; body: object }[]
  ): Promise<{ acked: string[]; failures: string[] }> {
    const ndjson = docs
      .map(
        (d) =>
          `${JSON.stringify({ index: { _index: index, _id: d.id } })}\n${JSON.stringify(d.body)}\n`
      )
      .join('')
    const res = await this.api.call<{
      errors: boolean
      items: { index: { _id: string; status: number; error?: { type: string; reason: string } } }[]
    }>(pod, '_bulk', { refresh: 'wait_for', require_alias: 'true' }, 60_000, {
      method: 'POST',
      body: ndjson,
      contentType: 'application/x-ndjson'
    })
    const acked: string[] = []
    const failures: string[] = []
    for (const item of res.items) {
      const r = item.index
      if (r.status >= 200 && r.status < 300) acked.push(r._id)
      else if (failures.length < FAILURE_SAMPLE)
        failures.push(
          `${r._id}: ${r.status} ${r.error?.type ?? ''} ${r.error?.reason ?? ''}`.trim()
        )
    }
    return { acked, failures }
  }

  /**
   * Indexes one document and resolves when the engine acknowledged it (2xx with a successful
   * shard). `op_type=create`: an id is written once, so a retried write cannot hide a loss.
   */
  async indexOne(
    pod: string,
    index: string,
    id: string,
    body: object,
    timeoutMs: number
  ): Promise<void> {
    const seconds = Math.max(1, Math.floor(timeoutMs / 1000))
    const res = await this.api.call<{ result: string; _shards?: { successful: number } }>(
      pod,
      `${index}/_doc/${encodeURIComponent(id)}`,
      // Through the alias only: a lost index must fail the write, not be recreated empty.
      { op_type: 'create', require_alias: 'true', timeout: `${seconds}s` },
      timeoutMs,
      { method: 'PUT', body: JSON.stringify(body) }
    )
    if (res.result !== 'created' || (res._shards && res._shards.successful < 1))
      throw new Error(`write of ${id} answered ${res.result}`)
  }

  /** Reads one document by id (a real get, not a search: it must reach a shard copy). */
  async getOne(pod: string, index: string, id: string, timeoutMs: number): Promise<boolean> {
    try {
      const res = await this.api.call<{ found: boolean }>(
        pod,
        `${index}/_doc/${encodeURIComponent(id)}`,
        {},
        timeoutMs
      )
      return res.found
    } catch (err) {
      if (err instanceof EsRequestError && err.status === 404 && err.type === undefined)
        return false
      throw err
    }
  }

  /**
   * Which of `ids` the index does not hold, read back in batches with `_mget` (real-time: no
   * refresh needed). A lost index answers 200 with an error per document: all of them missing.
   */
  async missing(pod: string, index: string, ids: string[], batch = 500): Promise<string[]> {
    const missing: string[] = []
    for (let i = 0; i < ids.length; i += batch) {
      const res = await this.api.call<{ docs: { _id: string; found?: boolean }[] }>(
        pod,
        `${index}/_mget`,
        { _source: 'false' },
        30_000,
        { method: 'POST', body: JSON.stringify({ ids: ids.slice(i, i + batch) }) }
      )
      for (const d of res.docs) if (d.found !== true) missing.push(d._id)
    }
    return missing
  }

  /** Cluster health as the master sees it; 'unavailable' when no master answers in time. */
  async clusterStatus(pod: string, timeoutMs: number): Promise<ClusterStatus> {
    try {
      const res = await this.api.call<{ status: ClusterStatus }>(
        pod,
        '_cluster/health',
        // Without a master the node would wait 30 s (master_timeout); ask for an answer at once.
        { master_timeout: `${Math.max(1, Math.floor(timeoutMs / 2000))}s` },
        timeoutMs
      )
      return res.status
    } catch (err) {
      if (err instanceof EsRequestError && err.status !== 0) return 'unavailable'
      throw err
    }
  }
}

/** A checksum of a set of ids, independent of their order (recorded at seeding, compared after). */
export function idsChecksum(ids: string[]): string {
  return createHash('sha256')
    .update([...ids].sort().join('\n'))
    .digest('hex')
}
