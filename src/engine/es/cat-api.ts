import type { EsRequestBody, EsResponse, EsTransport } from './transport.js'

export type Distribution = 'elasticsearch' | 'opensearch'

/** Which engine answers, told apart from the root endpoint (`version.distribution`). */
export interface EngineInfo {
  distribution: Distribution
  version: string
  major: number
  clusterName: string
  clusterUuid: string
}

export interface HealthRow {
  cluster: string
  status: 'green' | 'yellow' | 'red'
  nodes: number
  dataNodes: number
  shards: number
  unassigned: number
}

export interface NodeRow {
  id: string
  name: string
  ip: string
  /** '*' the elected master, '-' another node, 'x' the answering node knows no master. */
  master: '*' | '-' | 'x'
  roles: string
}

export interface MasterView {
  id: string
  name: string
  ip: string
}

export interface ClusterStateView {
  clusterUuid: string
  masterNodeId?: string
  nodes: Record<string, { name: string; transport_address: string }>
}

/** An answer that was not a success, with the engine's own exception type when it gave one. */
export class EsRequestError extends Error {
  constructor(
    readonly status: number,
    readonly type: string | undefined,
    message: string
  ) {
    super(message)
  }
}

/** Default wait for one request: short, because waits are the poll loop's business. */
export const REQUEST_TIMEOUT_MS = 5000

/** The requests the verifier makes, each with columns named (never parsed by position). */
export class CatApi {
  /** Names that differ between the engines; set from the root endpoint's answer. */
  distribution: Distribution = 'elasticsearch'

  constructor(private readonly transport: EsTransport) {}

  private async get<T>(
    pod: string,
    path: string,
    query: Record<string, string> = {},
    timeoutMs = REQUEST_TIMEOUT_MS
  ): Promise<T> {
    return this.call<T>(pod, path, query, timeoutMs)
  }

  /**
   * One request whose answer must be 2xx JSON; otherwise EsRequestError naming the engine's
   * exception, or 'unreachable' when the way in failed. Used by the document API too.
   */
  async call<T>(
    pod: string,
    path: string,
    query: Record<string, string> = {},
    timeoutMs = REQUEST_TIMEOUT_MS,
    send?: EsRequestBody
  ): Promise<T> {
    let res: EsResponse
    try {
      res = await this.transport.request(pod, path, query, timeoutMs, send)
    } catch (err) {
      throw new EsRequestError(0, 'unreachable', `${pod}: ${path}: ${(err as Error).message}`)
    }
    if (res.status >= 200 && res.status < 300) return JSON.parse(res.body) as T
    if (res.status === 401) throw authenticationFailure(pod, path, res, this.transport.user)
    throw describeFailure(pod, path, res)
  }

  async engine(pod: string): Promise<EngineInfo> {
    let root: {
      cluster_name: string
      cluster_uuid: string
      version: { number: string; distribution?: string }
    }
    try {
      root = await this.get(pod, '/')
    } catch (err) {
      // A node without the root endpoint (Elasticsearch 8+ assembled without its rest-root
      // module answers 405, allowed: [DELETE]) still says what it is through its node info.
      if (!(err instanceof EsRequestError) || (err.status !== 405 && err.status !== 404)) throw err
      root = await this.engineFromNodeInfo(pod)
    }
    const distribution: Distribution =
      root.version.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch'
    this.distribution = distribution
    return {
      distribution,
      version: root.version.number,
      major: Number(root.version.number.split('.')[0]),
      clusterName: root.cluster_name,
      clusterUuid: root.cluster_uuid
    }
  }

  private async engineFromNodeInfo(pod: string): Promise<{
    cluster_name: string
    cluster_uuid: string
    version: { number: string; distribution?: string }
  }> {
    const info = await this.get<{
      cluster_name: string
      nodes: Record<string, { version: string; build_flavor?: string }>
    }>(pod, '_nodes/_local', { filter_path: 'cluster_name,nodes.*.version,nodes.*.build_flavor' })
    const node = Object.values(info.nodes ?? {})[0]
    if (!node) throw new EsRequestError(0, 'unreachable', `${pod}: _nodes/_local named no node`)
    const state = await this.get<{ metadata?: { cluster_uuid?: string } }>(
      pod,
      '_cluster/state/metadata',
      { local: 'true', filter_path: 'metadata.cluster_uuid' }
    )
    return {
      cluster_name: info.cluster_name,
      cluster_uuid: state.metadata?.cluster_uuid ?? '_na_',
      // build_flavor is Elasticsearch's own field; OpenSearch's node info has none.
      version: { number: node.version, distribution: node.build_flavor ? undefined : 'opensearch' }
    }
  }

  /** `_cat/health`. Blocks up to 30 s on a masterless node: ask only where a master is known. */
  async health(pod: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<HealthRow> {
    const rows = await this.get<Record<string, string>[]>(
      pod,
      '_cat/health',
      { format: 'json', h: 'cluster,status,node.total,node.data,shards,unassign' },
      timeoutMs
    )
    const row = rows[0] ?? {}
    return {
      cluster: row.cluster,
      status: row.status as HealthRow['status'],
      nodes: Number(row['node.total']),
      dataNodes: Number(row['node.data']),
      shards: Number(row.shards),
      unassigned: Number(row.unassign)
    }
  }

  /**
   * Blocks on the engine's side until the cluster has `nodes` nodes (and is green, when asked),
   * for at most `seconds` (`_cluster/health?wait_for_nodes=N[&wait_for_status=green]`): it
   * answers the moment the cluster gets there, with no poll in between. True when it did; false
   * when the engine timed out (HTTP 408 with the health it reached). Ask a node that knows a master.
   */
  async awaitHealth(
    pod: string,
    until: { nodes: number; green?: boolean },
    seconds: number
  ): Promise<boolean> {
    const query: Record<string, string> = {
      wait_for_nodes: String(until.nodes),
      timeout: `${seconds}s`
    }
    if (until.green) query.wait_for_status = 'green'
    const res = await this.transport.request(pod, '_cluster/health', query, (seconds + 5) * 1000)
    if (res.status === 408) return false
    if (res.status < 200 || res.status > 299) throw describeFailure(pod, '_cluster/health', res)
    return !(JSON.parse(res.body) as { timed_out?: boolean }).timed_out
  }

  /** `_cat/nodes` as seen by the elected master (full IDs: the short ones collide). */
  async nodes(pod: string): Promise<NodeRow[]> {
    const rows = await this.get<Record<string, string>[]>(pod, '_cat/nodes', {
      format: 'json',
      h: 'id,name,ip,master,node.role',
      full_id: 'true'
    })
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      ip: r.ip,
      master: r.master as NodeRow['master'],
      roles: r['node.role']
    }))
  }

  /**
   * The elected master as this node itself sees it, answered at once even without a master
   * (`local=true`). Undefined when the node knows none (the row is all '-').
   */
  async localMaster(pod: string): Promise<MasterView | undefined> {
    const route = this.distribution === 'opensearch' ? '_cat/cluster_manager' : '_cat/master'
    let rows: { id: string; node: string; ip: string }[]
    try {
      rows = await this.get(pod, route, { format: 'json', local: 'true' })
    } catch (err) {
      // Elasticsearch 9.5 fails this very request on a node that knows no master (HTTP 500,
      // null_pointer_exception); the node's own cluster state answers the same question.
      // (A refused login is a 401, so it is thrown as it is.)
      if (!(err instanceof EsRequestError) || err.status < 500) throw err
      return this.masterFromLocalState(pod)
    }
    const row = rows[0]
    if (!row || row.id === '-' || !row.id) return undefined
    return { id: row.id, name: row.node, ip: row.ip }
  }

  private async masterFromLocalState(pod: string): Promise<MasterView | undefined> {
    const { masterNodeId, nodes } = await this.localState(pod)
    // A masterless node answers master_node: null (or leaves it out).
    if (!masterNodeId || !(masterNodeId in nodes)) return undefined
    const master = nodes[masterNodeId]
    return {
      id: masterNodeId,
      name: master.name,
      ip: master.transport_address.replace(/:\d+$/, '')
    }
  }

  /** The node's own cluster state: cluster UUID, master and members, without asking the master. */
  async localState(pod: string): Promise<ClusterStateView> {
    const body = await this.get<{
      cluster_uuid: string
      master_node?: string
      nodes?: ClusterStateView['nodes']
    }>(pod, '_cluster/state/master_node,nodes', {
      local: 'true',
      filter_path: 'cluster_uuid,master_node,nodes.*.name,nodes.*.transport_address'
    })
    return {
      clusterUuid: body.cluster_uuid,
      masterNodeId: body.master_node,
      nodes: body.nodes ?? {}
    }
  }

  /** The answering node's own ID (it changes when a node comes back without its data path). */
  async localNodeId(pod: string): Promise<string | undefined> {
    const body = await this.get<{ nodes?: Record<string, unknown> }>(pod, '_nodes/_local', {
      filter_path: 'nodes.*.name'
    })
    return Object.keys(body.nodes ?? {})[0]
  }

  /** Raw text of a diagnostic endpoint, for the report directory; never throws. */
  async snapshot(
    pod: string,
    path: string,
    query: Record<string, string>
  ): Promise<{ status: number; body: string }> {
    try {
      const res = await this.transport.request(pod, path, query, REQUEST_TIMEOUT_MS)
      return { status: res.status, body: res.body }
    } catch (err) {
      return { status: 0, body: (err as Error).message }
    }
  }
}

/** The engine refused a request for want of valid credentials: security is on. */
export class AuthenticationError extends EsRequestError {}

/**
 * A 401: without credentials, the engine asks for them (security is on in these manifests);
 * with them, it refused that user. Either way no retry can change it.
 */
export function authenticationFailure(
  pod: string,
  path: string,
  res: EsResponse,
  user: string | undefined
): AuthenticationError {
  const { type, what: said } = engineComplaint(res)
  const message = user
    ? `The engine refused user '${user}' (HTTP 401 from ${pod}, ${path}: ${said}). Check username and password.`
    : `The engine asked for authentication (HTTP 401 from ${pod}, ${path}: ${said}): security is on in these manifests. Pass username and password (or password-file); the verifier then reaches the engine through curl inside the pod (transport exec).`
  return new AuthenticationError(401, type, message)
}

/** Turns a failed answer into an error naming the engine's exception (master_not_discovered_exception, ...). */
export function describeFailure(pod: string, path: string, res: EsResponse): EsRequestError {
  const { type, what } = engineComplaint(res)
  return new EsRequestError(res.status, type, `${pod}: ${path} answered ${res.status} (${what})`)
}

/** What a failed answer's body says: the engine's exception type and reason, else its text. */
function engineComplaint(res: EsResponse): { type?: string; what: string } {
  let type: string | undefined
  let reason: string | undefined
  try {
    const body = JSON.parse(res.body) as {
      error?: { type?: string; reason?: string } | string
      message?: string
    }
    if (typeof body.error === 'object') {
      type = body.error.type
      reason = body.error.reason ?? undefined
    } else if (res.fromTransport) {
      type = 'unreachable'
      reason = body.message
    }
  } catch {
    reason = res.body.slice(0, 200)
  }
  return { type, what: type ? `${type}${reason ? `: ${reason}` : ''}` : (reason ?? 'no body') }
}
