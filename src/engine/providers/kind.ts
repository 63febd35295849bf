import { createHash } from 'node:crypto'
import { readFileSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import { arch } from 'node:os'
import { Tool } from './tool.js'
import { KIND_SHA256 } from './kind-checksums.js'
import { MAX_MAP_COUNT, type ClusterProvider, type ProviderContext } from './provider.js'
import { prepareLocalHost } from './host.js'
import { withRetry, type RetryLog } from '../retry.js'

const KIND_RELEASES = 'https://github.com/kubernetes-sigs/kind/releases/download'

/** The sha256 from a `.sha256sum` file ("<hex>  <name>"). */
export function parseSha256Sum(text: string): string {
  const hex = text.trim().split(/\s+/)[0]?.toLowerCase() ?? ''
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a sha256sum file: '${text.slice(0, 80)}'`)
  return hex
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/**
 * Finds kind at the requested version: the one on PATH when it matches, else the tool cache,
 * else the release binary, verified against its published sha256 before it is ever run.
 */
export async function ensureKind(
  version: string,
  ctx: ProviderContext,
  opts: { allowUnpinned?: boolean; releases?: string } = {}
): Promise<Tool> {
  const releases = opts.releases ?? KIND_RELEASES
  const onPath = await ctx.system.which('kind')
  if (onPath) {
    const out = await new Tool(onPath, ctx).run('kind version', ['version'], {
      allowFailure: true
    })
    const found = /kind (v\d+\.\d+\.\d+)/.exec(out.stdout)?.[1]
    if (found === version) {
      ctx.logger.info(`Using kind ${found} from ${onPath}`)
      return new Tool(onPath, ctx)
    }
    ctx.logger.info(`kind on PATH is ${found ?? 'of unknown version'}; ${version} was asked for`)
  }
  const platformArch = arch() === 'arm64' ? 'arm64' : 'amd64'
  const cached = ctx.system.findCached('kind', version.replace(/^v/, ''), platformArch)
  if (cached) return new Tool(join(cached, 'kind'), ctx)
  const url = `${releases}/${version}/kind-linux-${platformArch}`
  ctx.logger.info(`Downloading ${url}`)
  const pinned = KIND_SHA256[version]?.[platformArch]
  if (!pinned && !opts.allowUnpinned)
    throw new Error(
      `kind ${version} has no checksum pinned in es-k8s-verify (pinned: ${Object.keys(KIND_SHA256).join(', ')}); set kind-unpinned: true to trust the .sha256sum published beside the binary.`
    )
  const binary = await ctx.system.download(url, join(ctx.workDir, `kind-${version}`))
  let expected = pinned
  let source = 'pinned in es-k8s-verify'
  if (!expected) {
    const sumFile = await ctx.system.download(
      `${url}.sha256sum`,
      join(ctx.workDir, `kind-${version}.sha256sum`)
    )
    expected = parseSha256Sum(readFileSync(sumFile, 'utf8'))
    source = `from ${url}.sha256sum, as kind-unpinned allows`
    ctx.logger.warning(`kind ${version} is checked only against ${url}.sha256sum (kind-unpinned)`)
  }
  const actual = sha256File(binary)
  if (actual !== expected) {
    throw new Error(
      `Checksum mismatch for ${url}: expected sha256 ${expected} (${source}), got ${actual}. The binary was not run.`
    )
  }
  ctx.logger.info(`kind ${version} verified: sha256 ${actual}`)
  chmodSync(binary, 0o755)
  const dir = await ctx.system.cache(
    binary,
    'kind',
    'kind',
    version.replace(/^v/, ''),
    platformArch
  )
  return new Tool(join(dir, 'kind'), ctx)
}

/**
 * Deletes a kind cluster and checks that kind no longer lists it: on a busy Docker engine a
 * delete can end without removing every node (seen once under load in the tests), and a cluster
 * left behind keeps running on the user's machine. Retried twice, logged.
 */
export async function deleteKindCluster(
  kind: Tool,
  clusterName: string,
  log: RetryLog
): Promise<void> {
  await withRetry(
    `Deleting kind cluster ${clusterName}`,
    async () => {
      await kind.run(`Deleting kind cluster ${clusterName}`, [
        'delete',
        'cluster',
        '--name',
        clusterName
      ])
      const listed = await kind.run('Listing kind clusters', ['get', 'clusters'])
      if (listed.stdout.split('\n').includes(clusterName))
        throw new Error(`kind still lists cluster ${clusterName} after deleting it`)
    },
    { attempts: 3, minDelayMs: 2000, log }
  )
}

export class KindProvider implements ClusterProvider {
  readonly name = 'kind'
  created = false
  private kind?: Tool
  private readonly kubeconfig: string

  constructor(
    readonly clusterName: string,
    private readonly opts: {
      version: string
      allowUnpinned?: boolean
      nodeImage?: string
      config?: string
    },
    private readonly ctx: ProviderContext
  ) {
    this.kubeconfig = join(ctx.workDir, 'kubeconfig')
  }

  async create(): Promise<{ kubeconfig: string }> {
    this.kind = await ensureKind(this.opts.version, this.ctx, {
      allowUnpinned: this.opts.allowUnpinned
    })
    const args = [
      'create',
      'cluster',
      '--name',
      this.clusterName,
      '--wait',
      '5m',
      '--kubeconfig',
      this.kubeconfig
    ]
    if (this.opts.nodeImage) args.push('--image', this.opts.nodeImage)
    if (this.opts.config) args.push('--config', this.opts.config)
    this.created = true
    await this.kind.run(`Creating kind cluster ${this.clusterName}`, args)
    chmodSync(this.kubeconfig, 0o600)
    return { kubeconfig: this.kubeconfig }
  }

  /** kind nodes are containers on the host's kernel: the host's own setting is the one that counts. */
  async prepareHost(): Promise<void> {
    await prepareLocalHost(this.ctx, MAX_MAP_COUNT)
  }

  /**
   * Loads the images into every node with one `kind load docker-image`. An image the Docker
   * engine already has is not pulled again: what was built or loaded locally is what runs.
   */
  async loadImages(images: string[]): Promise<void> {
    if (!images.length) return
    const docker = await Tool.find('docker', this.ctx, 'Image preloading needs the Docker CLI.')
    for (const image of images) {
      const local = await docker.run(`Looking up ${image}`, ['image', 'inspect', image], {
        allowFailure: true
      })
      if (local.exitCode === 0) this.ctx.logger.info(`${image} is in the Docker engine already`)
      else await docker.run(`Pulling ${image}`, ['pull', image])
    }
    await this.kind!.run(`Loading ${images.length} image(s) into kind`, [
      'load',
      'docker-image',
      ...images,
      '--name',
      this.clusterName
    ])
  }

  async exportLogs(dir: string): Promise<void> {
    if (!this.kind || !this.created) return
    await this.kind.run('Exporting kind logs', ['export', 'logs', dir, '--name', this.clusterName])
  }

  async destroy(): Promise<void> {
    if (!this.kind || !this.created) return
    await deleteKindCluster(this.kind, this.clusterName, this.ctx.logger)
    this.created = false
  }
}
