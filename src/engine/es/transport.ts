import { PassThrough, Readable } from 'node:stream'
import { Exec, type V1Status } from '@kubernetes/client-node'
import type { KubeClient } from '../kube/client.js'

/** An answer from Elasticsearch, or from whatever stood between (the API server's proxy). */
export interface EsResponse {
  status: number
  body: string
  /** True when the answer came from the way in (proxy or exec), not from the engine. */
  fromTransport?: boolean
}

/** A request with a body (index, bulk, search); reads are GETs without one. */
export interface EsRequestBody {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE'
  body?: string
  /** application/json by default; the bulk API takes application/x-ndjson. */
  contentType?: string
}

/** How the engine reaches Elasticsearch's HTTP port inside a pod. */
export interface EsTransport {
  readonly kind: 'proxy' | 'exec'
  /** The user the requests authenticate as, when they carry credentials. */
  readonly user?: string
  request(
    pod: string,
    path: string,
    query: Record<string, string>,
    timeoutMs: number,
    send?: EsRequestBody
  ): Promise<EsResponse>
}

/**
 * Quotes a value for a curl config file (`-K`): backslashes, quotes and line breaks escaped,
 * so that a password or a body can never end the string and add an option of its own.
 */
export function curlConfigString(value: string): string {
  return `"${value.replace(/[\\"\n\r\t]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!)}"`
}

function queryString(query: Record<string, string>): string {
  const q = new URLSearchParams(query).toString()
  return q ? `?${q}` : ''
}

/**
 * Through the API server's pod proxy, with the URL built here: the client's proxy helper
 * URL-encodes the path and mangles query strings. Plain-HTTP clusters only: the API server
 * drops the Authorization header after authenticating the caller.
 */
export class PodProxyTransport implements EsTransport {
  readonly kind = 'proxy'

  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
    private readonly port: number,
    private readonly scheme: 'http' | 'https'
  ) {}

  async request(
    pod: string,
    path: string,
    query: Record<string, string>,
    timeoutMs: number,
    send?: EsRequestBody
  ): Promise<EsResponse> {
    const target = `${this.scheme === 'https' ? 'https:' : ''}${pod}:${this.port}`
    const res = await this.kube.raw(
      send?.method ?? 'GET',
      `/api/v1/namespaces/${this.namespace}/pods/${target}/proxy/${path.replace(/^\//, '')}${queryString(query)}`,
      {
        timeoutMs,
        body: send?.body,
        contentType: send?.body !== undefined ? (send.contentType ?? 'application/json') : undefined
      }
    )
    // The API server's own failures (pod gone, connection refused) come as a Status object.
    const fromTransport = res.status >= 400 && /"kind"\s*:\s*"Status"/.test(res.body)
    return { ...res, fromTransport }
  }
}

/**
 * Through `curl` run inside the pod, for clusters with security on. Credentials go to curl on
 * its standard input (`-K -`), never on a command line that the pod's process list would show.
 */
export class ExecCurlTransport implements EsTransport {
  readonly kind = 'exec'

  constructor(
    private readonly exec: Pick<Exec, 'exec'>,
    private readonly namespace: string,
    private readonly container: string,
    private readonly port: number,
    private readonly scheme: 'http' | 'https',
    private readonly credentials?: { username: string; password: string }
  ) {}

  get user(): string | undefined {
    return this.credentials?.username
  }

  static forCluster(
    kube: KubeClient,
    namespace: string,
    container: string,
    port: number,
    scheme: 'http' | 'https',
    credentials?: { username: string; password: string }
  ): ExecCurlTransport {
    return new ExecCurlTransport(
      new Exec(kube.kubeConfig),
      namespace,
      container,
      port,
      scheme,
      credentials
    )
  }

  async request(
    pod: string,
    path: string,
    query: Record<string, string>,
    timeoutMs: number,
    send?: EsRequestBody
  ): Promise<EsResponse> {
    const url = `${this.scheme}://localhost:${this.port}/${path.replace(/^\//, '')}${queryString(query)}`
    // Everything secret or long goes in the config on standard input, never on the command line.
    const lines: string[] = []
    if (this.credentials)
      lines.push(
        `user = ${curlConfigString(`${this.credentials.username}:${this.credentials.password}`)}`
      )
    if (send && send.method !== 'GET') lines.push(`request = ${curlConfigString(send.method)}`)
    if (send?.body !== undefined) {
      lines.push(
        `header = ${curlConfigString(`Content-Type: ${send.contentType ?? 'application/json'}`)}`
      )
      lines.push(`data-raw = ${curlConfigString(send.body)}`)
    }
    const config = lines.map((l) => `${l}\n`).join('')
    const stdout = new PassThrough()
    const stderr = new PassThrough()
    let out = ''
    let err = ''
    stdout.on('data', (c: Buffer) => (out += c.toString('utf8')))
    stderr.on('data', (c: Buffer) => (err += c.toString('utf8')))
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000))
    const command = [
      'curl',
      '-sS',
      '-k',
      '-K',
      '-',
      '--max-time',
      String(seconds),
      '-w',
      '\n%{http_code}',
      url
    ]
    // Exec resolves when the websocket opens; the command's end comes through the status callback.
    const status = await new Promise<V1Status>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`curl in pod ${pod} did not finish within ${seconds + 5}s`)),
        (seconds + 5) * 1000
      )
      this.exec
        .exec(
          this.namespace,
          pod,
          this.container,
          command,
          stdout,
          stderr,
          Readable.from([config]),
          false,
          (s) => {
            clearTimeout(timer)
            resolve(s)
          }
        )
        .catch((e: unknown) => {
          clearTimeout(timer)
          reject(e instanceof Error ? e : new Error(String(e)))
        })
    })
    if (status.status !== 'Success') {
      return {
        status: 0,
        body: `curl in pod ${pod} failed: ${err.trim() || status.message || 'no output'}`,
        fromTransport: true
      }
    }
    const cut = out.lastIndexOf('\n')
    return { status: Number(out.slice(cut + 1)), body: out.slice(0, cut) }
  }
}
