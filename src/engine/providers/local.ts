import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Tool } from './tool.js'
import { MAX_MAP_COUNT, type ClusterProvider, type ProviderContext } from './provider.js'

/** Finds the local cluster's entry point: bundled next to this file, or compiled under lib/. */
export function localClusterScript(from = dirname(fileURLToPath(import.meta.url))): string {
  if (process.env.ES_K8S_VERIFY_LOCAL_CLUSTER) return process.env.ES_K8S_VERIFY_LOCAL_CLUSTER
  let dir = from
  for (let i = 0; i < 6; i++) {
    for (const candidate of [
      join(dir, 'dist', 'local-cluster.js'),
      join(dir, 'local-cluster.js'),
      join(dir, 'lib', 'local-cluster', 'agent', 'main.js')
    ]) {
      if (existsSync(candidate)) return candidate
    }
    dir = resolve(dir, '..')
  }
  throw new Error(
    'The local cluster (dist/local-cluster.js) was not found next to es-k8s-verify; set ES_K8S_VERIFY_LOCAL_CLUSTER to its path.'
  )
}

/**
 * The local cluster of this repository: the upstream control plane and node (kubelet on
 * containerd) running images of real engines built here, no Docker. See local-cluster/README.md.
 */
export class LocalProvider implements ClusterProvider {
  readonly name = 'local'
  created = false
  private readonly tool: Tool
  private readonly kubeconfig: string

  constructor(
    readonly clusterName: string,
    private readonly ctx: ProviderContext
  ) {
    this.tool = new Tool(process.execPath, ctx, [localClusterScript()])
    this.kubeconfig = join(ctx.workDir, 'kubeconfig')
  }

  async create(): Promise<{ kubeconfig: string }> {
    this.created = true
    await this.tool.run(`Starting local cluster ${this.clusterName}`, [
      'up',
      '--name',
      this.clusterName,
      '--detach',
      '--kubeconfig',
      this.kubeconfig
    ])
    return { kubeconfig: this.kubeconfig }
  }

  /** Each local node keeps its own vm.max_map_count, as a minikube VM does. */
  async prepareHost(): Promise<void> {
    const read = await this.tool.run('Reading vm.max_map_count of the local node', [
      'sysctl',
      '--name',
      this.clusterName
    ])
    const current = Number(/(\d+)/.exec(read.stdout)?.[1] ?? 0)
    if (current >= MAX_MAP_COUNT) {
      this.ctx.logger.info(`vm.max_map_count on the local node is already ${current}`)
      return
    }
    this.ctx.logger.info(
      `vm.max_map_count on the local node is ${current}; raising it to ${MAX_MAP_COUNT}`
    )
    await this.tool.run('Raising vm.max_map_count on the local node', [
      'sysctl',
      '--name',
      this.clusterName,
      `vm.max_map_count=${MAX_MAP_COUNT}`
    ])
  }

  async loadImages(images: string[]): Promise<void> {
    this.ctx.logger.info(
      `The local cluster maps images to engines built from Maven Central; nothing to load for ${images.join(', ')}`
    )
  }

  async exportLogs(dir: string): Promise<void> {
    if (!this.created) return
    await this.tool.run('Exporting local cluster logs', [
      'logs',
      '--name',
      this.clusterName,
      '--dir',
      dir
    ])
  }

  /** Stops the cluster of this name whether or not this object started it. */
  async destroyByName(): Promise<void> {
    await this.tool.run(`Stopping local cluster ${this.clusterName}`, [
      'down',
      '--name',
      this.clusterName
    ])
  }

  async destroy(): Promise<void> {
    if (!this.created) return
    await this.tool.run(`Stopping local cluster ${this.clusterName}`, [
      'down',
      '--name',
      this.clusterName
    ])
    this.created = false
  }
}
