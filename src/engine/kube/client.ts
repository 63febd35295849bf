import type { RequestOptions } from 'node:https'
import { KubeConfig } from '@kubernetes/client-node'
import { Agent, request, type Dispatcher } from 'undici'
import { VerificationError, errorMessage } from '../errors.js'
import { withRetry } from '../retry.js'
import type { KubeObject } from '../manifests.js'

export const FIELD_MANAGER = 'es-k8s-verify'

export interface RawResponse {
  status: number
  body: string
}

export interface RawRequestOptions {
  body?: string
  contentType?: string
  timeoutMs?: number
  /** Extra query parameters, encoded here; never passed through a client helper that mangles them. */
  query?: Record<string, string | number | boolean | undefined>
}

/** A pod as the engine reads it (the API's own shape, only the fields used). */
export interface PodView {
  metadata: {
    name: string
    uid: string
    namespace: string
    deletionTimestamp?: string
    labels?: Record<string, string>
  }
  spec?: {
    nodeName?: string
    hostname?: string
    subdomain?: string
    containers?: ContainerSpecView[]
    initContainers?: ContainerSpecView[]
  }
  status?: {
    phase?: string
    podIP?: string
    conditions?: { type: string; status: string; reason?: string; message?: string }[]
    containerStatuses?: ContainerStatusView[]
    initContainerStatuses?: ContainerStatusView[]
  }
}

export interface ContainerSpecView {
  name: string
  image?: string
  resources?: { requests?: Record<string, string> }
}

export interface ContainerStatusView {
  name: string
  ready: boolean
  restartCount: number
  state?: {
    waiting?: { reason?: string; message?: string }
    running?: { startedAt?: string }
    terminated?: { exitCode: number; reason?: string; message?: string }
  }
  lastState?: { terminated?: { exitCode: number; reason?: string; message?: string } }
}

/** The parts of a StatefulSet a rollout is followed by. */
export interface StatefulSetRolloutView {
  metadata: { name: string; generation?: number }
  spec?: { replicas?: number; updateStrategy?: { type?: string } }
  status?: {
    observedGeneration?: number
    replicas?: number
    readyReplicas?: number
    updatedReplicas?: number
    currentRevision?: string
    updateRevision?: string
  }
}

export interface EventView {
  type?: string
  reason?: string
  message?: string
  count?: number
  firstTimestamp?: string
  lastTimestamp?: string
  eventTime?: string
  metadata?: { creationTimestamp?: string }
  involvedObject?: { kind?: string; name?: string }
}

/** Thrown for an answer the API server gave with a non-2xx status, carrying its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

function apiMessage(res: RawResponse): string {
  try {
    const parsed = JSON.parse(res.body) as { message?: string }
    return parsed.message ?? res.body
  } catch {
    return res.body.slice(0, 500)
  }
}

/**
 * The engine's one way to the API server: raw HTTPS with the kubeconfig's credentials, so that
 * paths and query strings (pod proxy included) go out exactly as built.
 */
export class KubeClient {
  private dispatcher?: Dispatcher
  private headers: Record<string, string> = {}
  private readonly resourceCache = new Map<string, { plural: string; namespaced: boolean }>()
  readonly server: string

  constructor(readonly kubeConfig: KubeConfig) {
    const cluster = kubeConfig.getCurrentCluster()
    if (!cluster) throw new VerificationError('The kubeconfig has no current cluster.')
    this.server = cluster.server.replace(/\/$/, '')
  }

  static fromFile(path: string, context?: string): KubeClient {
    const kc = new KubeConfig()
    kc.loadFromFile(path)
    if (context) kc.setCurrentContext(context)
    return new KubeClient(kc)
  }

  private async connection(): Promise<Dispatcher> {
    if (this.dispatcher) return this.dispatcher
    const opts: RequestOptions = {}
    await this.kubeConfig.applyToHTTPSOptions(opts)
    this.headers = Object.fromEntries(
      Object.entries(opts.headers ?? {}).map(([k, v]) => [k, String(v)])
    )
    this.dispatcher = new Agent({
      connect: {
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        rejectUnauthorized: opts.rejectUnauthorized ?? true
      },
      keepAliveTimeout: 10_000,
      connections: 16
    })
    return this.dispatcher
  }

  /** One request to the API server. Never throws for an HTTP status; throws for a network failure. */
  async raw(
    method: Dispatcher.HttpMethod,
    path: string,
    opts: RawRequestOptions = {}
  ): Promise<RawResponse> {
    const res = await this.send(method, path, opts)
    return { status: res.statusCode, body: await res.body.text() }
  }

  /**
   * Sends one request and hands back the response unread: `raw` reads it whole under the
   * timeout; a followed stream (`follow`) stays open until the server ends it or its signal aborts.
   */
  private async send(
    method: Dispatcher.HttpMethod,
    path: string,
    opts: RawRequestOptions,
    follow?: { signal: AbortSignal }
  ): Promise<Dispatcher.ResponseData> {
    const dispatcher = await this.connection()
    const url = new URL(this.server + path)
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v))
    const timeout = opts.timeoutMs ?? 30_000
    return request(url, {
      method,
      dispatcher,
      body: opts.body,
      headers: {
        ...this.headers,
        accept: 'application/json',
        ...(opts.contentType ? { 'content-type': opts.contentType } : {})
      },
      headersTimeout: timeout,
      bodyTimeout: follow ? 0 : timeout,
      signal: follow?.signal ?? AbortSignal.timeout(timeout)
    })
  }

  /** A request whose answer must be 2xx JSON; otherwise ApiError with the server's own message. */
  async json<T>(
    method: Dispatcher.HttpMethod,
    path: string,
    opts: RawRequestOptions = {}
  ): Promise<T> {
    const res = await this.raw(method, path, opts)
    if (res.status < 200 || res.status > 299) throw new ApiError(res.status, apiMessage(res))
    return JSON.parse(res.body) as T
  }

  /** Checks that the API server answers, with a few bounded retries; one clear error otherwise. */
  async checkReachable(): Promise<string> {
    try {
      const version = await withRetry(
        'reach the API server',
        () => this.json<{ gitVersion: string }>('GET', '/version', { timeoutMs: 10_000 }),
        { attempts: 4 }
      )
      return version.gitVersion
    } catch (err) {
      throw new VerificationError(
        `Cannot reach the Kubernetes API server at ${this.server}: ${errorMessage(err)}`
      )
    }
  }

  /** Finds the REST path of a kind through discovery (cached per group version). */
  private async resourceFor(
    apiVersion: string,
    kind: string
  ): Promise<{ plural: string; namespaced: boolean; prefix: string }> {
    const prefix = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`
    const cacheKey = `${apiVersion}/${kind}`
    if (!this.resourceCache.has(cacheKey)) {
      const list = await this.json<{
        resources: { name: string; kind: string; namespaced: boolean }[]
      }>('GET', prefix)
      for (const r of list.resources)
        if (!r.name.includes('/'))
          this.resourceCache.set(`${apiVersion}/${r.kind}`, {
            plural: r.name,
            namespaced: r.namespaced
          })
    }
    const found = this.resourceCache.get(cacheKey)
    if (!found)
      throw new ApiError(404, `the API server does not serve kind ${kind} in ${apiVersion}`)
    return { ...found, prefix }
  }

  /** Server-side apply with field manager es-k8s-verify; the API server's own message on refusal. */
  async apply(obj: KubeObject, namespace: string): Promise<KubeObject> {
    const { plural, namespaced, prefix } = await this.resourceFor(obj.apiVersion, obj.kind)
    const body = namespaced ? { ...obj, metadata: { ...obj.metadata, namespace } } : obj
    const path = `${prefix}${namespaced ? `/namespaces/${namespace}` : ''}/${plural}/${encodeURIComponent(obj.metadata.name)}`
    return this.json<KubeObject>('PATCH', path, {
      body: JSON.stringify(body),
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: FIELD_MANAGER, force: true }
    })
  }

  async createNamespace(name: string, labels: Record<string, string>): Promise<void> {
    await this.json('POST', '/api/v1/namespaces', {
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }),
      contentType: 'application/json'
    })
  }

  async namespaceExists(name: string): Promise<boolean> {
    const res = await this.raw('GET', `/api/v1/namespaces/${name}`)
    return res.status === 200
  }

  async deleteNamespace(name: string): Promise<void> {
    const res = await this.raw('DELETE', `/api/v1/namespaces/${name}`)
    if (res.status !== 200 && res.status !== 202 && res.status !== 404)
      throw new ApiError(res.status, apiMessage(res))
  }

  /** A StatefulSet's spec and rollout status, or undefined when it does not exist. */
  async getStatefulSet(
    namespace: string,
    name: string
  ): Promise<StatefulSetRolloutView | undefined> {
    const res = await this.raw(
      'GET',
      `/apis/apps/v1/namespaces/${namespace}/statefulsets/${encodeURIComponent(name)}`,
      { timeoutMs: 10_000 }
    )
    if (res.status === 404) return undefined
    if (res.status !== 200) throw new ApiError(res.status, apiMessage(res))
    return JSON.parse(res.body) as StatefulSetRolloutView
  }

  async listPods(namespace: string, selector: Record<string, string>): Promise<PodView[]> {
    return (await this.listPodsForWatch(namespace, selector)).pods
  }

  async getPod(namespace: string, name: string): Promise<PodView | undefined> {
    const res = await this.raw('GET', `/api/v1/namespaces/${namespace}/pods/${name}`, {
      timeoutMs: 10_000
    })
    if (res.status === 404) return undefined
    if (res.status !== 200) throw new ApiError(res.status, apiMessage(res))
    return JSON.parse(res.body) as PodView
  }

  /**
   * Deletes a pod. The grace period and the UID precondition go in the body: with a body,
   * the API server ignores DeleteOptions given as query parameters (seen on v1.34).
   */
  async deletePod(
    namespace: string,
    name: string,
    uid: string,
    gracePeriodSeconds?: number
  ): Promise<void> {
    await this.json('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}`, {
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        preconditions: { uid },
        ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {})
      }),
      contentType: 'application/json'
    })
  }

  async podLogs(
    namespace: string,
    pod: string,
    container: string,
    previous: boolean,
    tailLines?: number
  ): Promise<string | undefined> {
    const res = await this.raw('GET', `/api/v1/namespaces/${namespace}/pods/${pod}/log`, {
      query: { container, previous: previous || undefined, tailLines },
      timeoutMs: 30_000
    })
    return res.status === 200 ? res.body : undefined
  }

  /**
   * Follows a container's log from its start until the container exits (the kubelet then ends
   * the stream) or `signal` aborts; resolves with what arrived either way, never rejects on abort.
   */
  async followPodLogs(
    namespace: string,
    pod: string,
    container: string,
    signal: AbortSignal
  ): Promise<string> {
    const chunks: Buffer[] = []
    try {
      const res = await this.send(
        'GET',
        `/api/v1/namespaces/${namespace}/pods/${pod}/log`,
        { query: { container, follow: true } },
        { signal }
      )
      if (res.statusCode !== 200)
        return `could not follow logs: HTTP ${res.statusCode} ${await res.body.text()}`
      for await (const chunk of res.body) chunks.push(chunk as Buffer)
    } catch (err) {
      if (!signal.aborted) chunks.push(Buffer.from(`\n[log stream broke: ${errorMessage(err)}]\n`))
    }
    return Buffer.concat(chunks).toString('utf8')
  }

  /**
   * Streams a followed response line by line to `onLine` until the server ends it or `signal`
   * aborts; resolves either way, with the reason it ended when that was not the abort.
   */
  private async streamLines(
    path: string,
    query: RawRequestOptions['query'],
    signal: AbortSignal,
    onLine: (line: string) => void
  ): Promise<string | undefined> {
    try {
      const res = await this.send('GET', path, { query }, { signal })
      if (res.statusCode !== 200) {
        const why = `HTTP ${res.statusCode} ${(await res.body.text()).slice(0, 300)}`
        return why
      }
      let rest = ''
      for await (const chunk of res.body) {
        const lines = (rest + (chunk as Buffer).toString('utf8')).split('\n')
        rest = lines.pop() ?? ''
        for (const line of lines) if (line) onLine(line)
      }
      if (rest) onLine(rest)
      return 'the server ended the stream'
    } catch (err) {
      return signal.aborted ? undefined : errorMessage(err)
    }
  }

  /**
   * Watches the pods a selector matches from `resourceVersion` on: each ADDED, MODIFIED or
   * DELETED object goes to `onEvent` as the API server sends it. Resolves when the watch ends
   * (server timeout, error, abort) with why, so that the caller can list and watch again.
   */
  async watchPods(
    namespace: string,
    selector: Record<string, string>,
    resourceVersion: string,
    signal: AbortSignal,
    onEvent: (type: string, pod: PodView) => void
  ): Promise<string | undefined> {
    const labelSelector = labelSelectorOf(selector)
    return this.streamLines(
      `/api/v1/namespaces/${namespace}/pods`,
      { labelSelector, watch: true, resourceVersion, allowWatchBookmarks: false },
      signal,
      (line) => {
        const event = JSON.parse(line) as { type: string; object: PodView }
        onEvent(event.type, event.object)
      }
    )
  }

  /** Lists the pods a selector matches, with the list's resourceVersion to watch from. */
  async listPodsForWatch(
    namespace: string,
    selector: Record<string, string>
  ): Promise<{ pods: PodView[]; resourceVersion: string }> {
    const labelSelector = labelSelectorOf(selector)
    const list = await this.json<{ items: PodView[]; metadata: { resourceVersion: string } }>(
      'GET',
      `/api/v1/namespaces/${namespace}/pods`,
      { query: { labelSelector }, timeoutMs: 10_000 }
    )
    return { pods: list.items, resourceVersion: list.metadata.resourceVersion }
  }

  /** Follows a container's log from now on (tailLines=0), line by line, until it ends or `signal` aborts. */
  async followPodLogLines(
    namespace: string,
    pod: string,
    container: string,
    signal: AbortSignal,
    onLine: (line: string) => void
  ): Promise<string | undefined> {
    return this.streamLines(
      `/api/v1/namespaces/${namespace}/pods/${pod}/log`,
      { container, follow: true, tailLines: 0 },
      signal,
      onLine
    )
  }

  async events(namespace: string): Promise<EventView[]> {
    const list = await this.json<{ items: EventView[] }>(
      'GET',
      `/api/v1/namespaces/${namespace}/events`
    )
    const time = (e: EventView): string =>
      e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? ''
    return list.items.sort((a, b) => time(a).localeCompare(time(b)))
  }

  async list(path: string): Promise<unknown[]> {
    const res = await this.raw('GET', path)
    if (res.status !== 200) return []
    return (JSON.parse(res.body) as { items: unknown[] }).items
  }

  async close(): Promise<void> {
    await this.dispatcher?.close()
  }
}

/** `k=v,k2=v2`: the API's form of an equality selector. */
function labelSelectorOf(selector: Record<string, string>): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
}
