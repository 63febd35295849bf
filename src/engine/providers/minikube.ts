import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Tool } from './tool.js'
import { MAX_MAP_COUNT, type ClusterProvider, type ProviderContext } from './provider.js'

export class MinikubeProvider implements ClusterProvider {
  readonly name = 'minikube'
  created = false
  private minikube?: Tool
  private readonly kubeconfig: string

  constructor(
    readonly clusterName: string,
    private readonly opts: { memoryMb: number; cpus: number; kubernetesVersion?: string },
    private readonly ctx: ProviderContext
  ) {
    this.kubeconfig = join(ctx.workDir, 'kubeconfig')
  }

  /** minikube writes its context into $KUBECONFIG: point it at the run's private file. */
  private get env(): Record<string, string> {
    return { KUBECONFIG: this.kubeconfig }
  }

  async create(): Promise<{ kubeconfig: string; context: string }> {
    this.minikube = await Tool.find(
      'minikube',
      this.ctx,
      'Install minikube (ubuntu-latest runners ship it) or choose provider kind.'
    )
    writeFileSync(this.kubeconfig, '', { mode: 0o600 })
    const args = [
      'start',
      '-p',
      this.clusterName,
      '--driver=docker',
      `--memory=${this.opts.memoryMb}`,
      `--cpus=${this.opts.cpus}`,
      '--wait=all'
    ]
    if (this.opts.kubernetesVersion)
      args.push(`--kubernetes-version=${this.opts.kubernetesVersion}`)
    this.created = true
    await this.minikube.run(`Starting minikube profile ${this.clusterName}`, args, {
      env: this.env
    })
    chmodSync(this.kubeconfig, 0o600)
    return { kubeconfig: this.kubeconfig, context: this.clusterName }
  }

  /** The minikube node has its own kernel settings: raise them inside it, as the article had to. */
  async prepareHost(): Promise<void> {
    const read = await this.minikube!.run(
      'Reading vm.max_map_count in the minikube node',
      ['ssh', '-p', this.clusterName, '--', 'sysctl', '-n', 'vm.max_map_count'],
      { env: this.env }
    )
    const current = Number(read.stdout.trim())
    if (current >= MAX_MAP_COUNT) {
      this.ctx.logger.info(`vm.max_map_count in the minikube node is already ${current}`)
      return
    }
    this.ctx.logger.info(
      `vm.max_map_count in the minikube node is ${current}; raising it to ${MAX_MAP_COUNT}`
    )
    await this.minikube!.run(
      'Raising vm.max_map_count in the minikube node',
      [
        'ssh',
        '-p',
        this.clusterName,
        '--',
        'sudo',
        'sysctl',
        '-w',
        `vm.max_map_count=${MAX_MAP_COUNT}`
      ],
      { env: this.env }
    )
  }

  async loadImages(images: string[]): Promise<void> {
    for (const image of images) {
      await this.minikube!.run(
        `Loading ${image} into minikube`,
        ['image', 'load', image, '-p', this.clusterName],
        { env: this.env }
      )
    }
  }

  async exportLogs(dir: string): Promise<void> {
    if (!this.minikube || !this.created) return
    await this.minikube.run(
      'Exporting minikube logs',
      ['logs', '-p', this.clusterName, `--file=${join(dir, 'minikube.log')}`],
      { env: this.env }
    )
  }

  async destroy(): Promise<void> {
    if (!this.minikube || !this.created) return
    await this.minikube.run(
      `Deleting minikube profile ${this.clusterName}`,
      ['delete', '-p', this.clusterName],
      { env: this.env }
    )
    this.created = false
  }
}
