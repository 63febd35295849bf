/**
 * A read-only OCI distribution registry on loopback, serving the images build-images.sh put in
 * one OCI layout. containerd pulls from it as from docker.elastic.co or Docker Hub (its hosts.toml
 * names this registry as their server), so the kubelet's own pull path runs: a tag that was never
 * built gets 404 MANIFEST_UNKNOWN and the kubelet's ErrImagePull / ImagePullBackOff.
 *
 * A tag of an engine major that was built but not that exact version is served as the nearest
 * build of the major, with one environment variable added to the image config: the entrypoint
 * prints it as the container's first log line, so nobody mistakes which version ran.
 */
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { join } from 'node:path'

interface Descriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
}

/** Repository paths (as containerd asks for them) → the image family built here. */
const REPOSITORIES: Record<string, 'elasticsearch' | 'opensearch' | 'busybox' | 'pause'> = {
  'elasticsearch/elasticsearch': 'elasticsearch',
  'library/elasticsearch': 'elasticsearch',
  'opensearchproject/opensearch': 'opensearch',
  'library/busybox': 'busybox',
  pause: 'pause'
}

/** Registries whose names pods use for these images; each gets a hosts.toml naming this server. */
export const SERVED_REGISTRIES = ['docker.io', 'docker.elastic.co', 'registry.k8s.io']

const REF_NAME = 'org.opencontainers.image.ref.name'

/**
 * The proxy's answer for a registry not served here, as the status text Go's HTTP client turns
 * into containerd's error (`…: lookup registry.example: no such host …`): what a node says of a
 * registry that does not resolve, and what the verifier's pull diagnosis reads as final.
 */
export function unreachableRegistry(hostPort: string): string {
  const host = hostPort.replace(/:\d+$/, '').replace(/[^\w.:[\]-]/g, '')
  return `lookup ${host}: no such host (the local cluster reaches no registry but its own)`
}

/** A reference as Docker reads it: registry (docker.io by default), repository (library/ for one path element), tag. */
export function parseImageRef(ref: string): { registry: string; repository: string; tag: string } {
  const at = ref.lastIndexOf(':')
  const hasTag = at > ref.lastIndexOf('/')
  const name = hasTag ? ref.slice(0, at) : ref
  const tag = hasTag ? ref.slice(at + 1) : 'latest'
  const parts = name.split('/')
  const first = parts[0]
  const isRegistry =
    parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')
  const registry = isRegistry ? first : 'docker.io'
  const path = isRegistry ? parts.slice(1) : parts
  const repository =
    registry === 'docker.io' && path.length === 1 ? `library/${path[0]}` : path.join('/')
  return { registry, repository, tag }
}

export class LocalRegistry {
  private server?: Server
  /** Manifests and configs made for substituted tags, by digest. */
  private readonly made = new Map<string, { mediaType: string; body: Buffer }>()

  constructor(private readonly layout: string) {}

  async listen(): Promise<number> {
    this.server = createServer((req, res) => this.handle(req, res))
    // containerd's proxy for every other registry: no pull leaves the machine, and the answer is
    // the one a node gets for a registry that does not exist, so the kubelet's verdict is final.
    this.server.on('connect', (req: IncomingMessage, socket: Duplex) =>
      socket.end(`HTTP/1.1 502 ${unreachableRegistry(req.url ?? '')}\r\n\r\n`)
    )
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    return (this.server.address() as AddressInfo).port
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve()
    )
  }

  /** The built refs, e.g. elasticsearch-7.17.29, busybox-1.35.0. */
  builtRefs(): string[] {
    return this.indexEntries()
      .map((m) => m.annotations?.[REF_NAME] ?? '')
      .filter((ref) => ref && !ref.includes('--'))
  }

  private indexEntries(): Descriptor[] {
    const index = JSON.parse(readFileSync(join(this.layout, 'index.json'), 'utf8')) as {
      manifests: Descriptor[]
    }
    return index.manifests
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    try {
      // A plain-HTTP registry asked through the proxy: an absolute URL instead of a path.
      if (/^https?:\/\//.test(req.url ?? '')) {
        res.statusMessage = unreachableRegistry(new URL(req.url!).host)
        return void res.writeHead(502).end()
      }
      const url = new URL(req.url ?? '/', 'http://registry')
      if (url.pathname === '/v2/' || url.pathname === '/v2')
        return this.send(res, req, 200, 'application/json', Buffer.from('{}'))
      const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname)
      if (!match) return this.error(res, 404, 'NAME_UNKNOWN', `no route ${url.pathname}`)
      const [, repository, kind, reference] = match
      const family = REPOSITORIES[repository]
      if (!family)
        return this.error(
          res,
          404,
          'NAME_UNKNOWN',
          `repository ${repository} is not built by the local cluster`
        )
      if (reference.startsWith('sha256:')) return this.sendDigest(req, res, reference)
      if (kind !== 'manifests') return this.error(res, 404, 'BLOB_UNKNOWN', reference)
      // containerd names the registry the image was asked from when it pulls through a mirror.
      const registry = url.searchParams.get('ns')
      const asked = !registry || registry === 'docker.io' ? repository : `${registry}/${repository}`
      const manifest = this.manifestForTag(family, asked, reference)
      if (!manifest)
        return this.error(
          res,
          404,
          'MANIFEST_UNKNOWN',
          `manifest unknown: ${repository}:${reference} was not built here (built: ${this.builtRefs().join(', ')})`
        )
      return this.send(res, req, 200, manifest.mediaType, manifest.body, manifest.digest)
    } catch (err) {
      this.error(res, 500, 'UNKNOWN', (err as Error).message)
    }
  }

  /**
   * The manifest served for a full image reference (`docker.elastic.co/elasticsearch/elasticsearch:9.5.3`,
   * `busybox:1.36`), as a pull through containerd gets it; undefined when it was never built here.
   */
  manifestForRef(
    ref: string
  ):
    | { mediaType: string; body: Buffer; digest: string; blob: (digest: string) => Buffer }
    | undefined {
    const { registry, repository, tag } = parseImageRef(ref)
    const family = REPOSITORIES[repository]
    if (!family) return undefined
    const asked = registry === 'docker.io' ? repository : `${registry}/${repository}`
    const manifest = this.manifestForTag(family, asked, tag)
    return manifest && { ...manifest, blob: (digest) => this.blob(digest) }
  }

  private manifestForTag(
    family: string,
    image: string,
    tag: string
  ): { mediaType: string; body: Buffer; digest: string } | undefined {
    const built = this.builtRefs().filter((ref) => ref.startsWith(`${family}-`))
    const versions = built.map((ref) => ref.slice(family.length + 1))
    // busybox and pause: any tag is the one build (their versions do not change a run).
    if (family === 'busybox' || family === 'pause')
      return built[0] ? this.blobManifest(built[0]) : undefined
    if (versions.includes(tag)) return this.blobManifest(`${family}-${tag}`)
    const nearest = nearestOfMajor(tag, versions)
    if (!nearest) return undefined
    const original = this.blobManifest(`${family}-${nearest}`)!
    const manifest = JSON.parse(original.body.toString('utf8')) as { config: Descriptor }
    const config = JSON.parse(this.blob(manifest.config.digest).toString('utf8')) as {
      config: { Env?: string[] }
    }
    const note = `[es-k8s-verify local registry] ${image}:${tag} was not built here; this container runs ${family} ${nearest}, the nearest build of major ${tag.split('.')[0]}`
    config.config.Env = [...(config.config.Env ?? []), `ES_K8S_VERIFY_SUBSTITUTE=${note}`]
    const configBody = Buffer.from(JSON.stringify(config))
    const configDigest = this.remember(manifest.config.mediaType, configBody)
    manifest.config = { ...manifest.config, digest: configDigest, size: configBody.length }
    const body = Buffer.from(JSON.stringify(manifest))
    const digest = this.remember(original.mediaType, body)
    return { mediaType: original.mediaType, body, digest }
  }

  private remember(mediaType: string, body: Buffer): string {
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`
    this.made.set(digest, { mediaType, body })
    return digest
  }

  private blobManifest(
    ref: string
  ): { mediaType: string; body: Buffer; digest: string } | undefined {
    const found = this.indexEntries().find((m) => m.annotations?.[REF_NAME] === ref)
    if (!found) return undefined
    return { mediaType: found.mediaType, body: this.blob(found.digest), digest: found.digest }
  }

  private blobPath(digest: string): string {
    const hex = /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1]
    if (!hex) throw new Error(`not a sha256 digest: ${digest}`)
    return join(this.layout, 'blobs', 'sha256', hex)
  }

  private blob(digest: string): Buffer {
    return this.made.get(digest)?.body ?? readFileSync(this.blobPath(digest))
  }

  private sendDigest(req: IncomingMessage, res: ServerResponse, digest: string): void {
    const made = this.made.get(digest)
    if (made) return this.send(res, req, 200, made.mediaType, made.body, digest)
    const path = this.blobPath(digest)
    if (!existsSync(path)) return this.error(res, 404, 'BLOB_UNKNOWN', digest)
    const size = statSync(path).size
    // A manifest asked for by digest needs its media type; other blobs are octet streams.
    const mediaType =
      this.indexEntries().find((m) => m.digest === digest)?.mediaType ?? 'application/octet-stream'
    res.writeHead(200, {
      'content-type': mediaType,
      'content-length': size,
      'docker-content-digest': digest
    })
    if (req.method === 'HEAD') return void res.end()
    createReadStream(path).pipe(res)
  }

  private send(
    res: ServerResponse,
    req: IncomingMessage,
    status: number,
    contentType: string,
    body: Buffer,
    digest?: string
  ): void {
    res.writeHead(status, {
      'content-type': contentType,
      'content-length': body.length,
      ...(digest ? { 'docker-content-digest': digest } : {}),
      'docker-distribution-api-version': 'registry/2.0'
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  private error(res: ServerResponse, status: number, code: string, message: string): void {
    const body = Buffer.from(JSON.stringify({ errors: [{ code, message }] }))
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length })
    res.end(body)
  }
}

/** The built version of the same major nearest to the one asked for, or undefined. */
export function nearestOfMajor(asked: string, built: string[]): string | undefined {
  const parse = (v: string): number[] | undefined => {
    const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v)
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined
  }
  const want = parse(asked)
  if (!want) return undefined
  const candidates = built
    .map((v) => [v, parse(v)] as const)
    .filter((c): c is readonly [string, number[]] => !!c[1] && c[1][0] === want[0])
  const distance = (v: number[]): number => Math.abs((v[1] - want[1]) * 10_000 + (v[2] - want[2]))
  candidates.sort((a, b) => distance(a[1]) - distance(b[1]))
  return candidates[0]?.[0]
}
