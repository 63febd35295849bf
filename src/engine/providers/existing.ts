import type { ClusterProvider, ProviderContext } from './provider.js'

/** A cluster the user already has: nothing is created here, and nothing but the run's namespace is removed. */
export class ExistingProvider implements ClusterProvider {
  readonly name = 'existing'
  readonly created = false

  constructor(
    private readonly kubeconfig: string,
    private readonly context: string | undefined,
    private readonly ctx: ProviderContext
  ) {}

  get clusterName(): string {
    return this.context ?? 'current-context'
  }

  async create(): Promise<{ kubeconfig: string; context?: string }> {
    return { kubeconfig: this.kubeconfig, context: this.context }
  }

  async prepareHost(): Promise<void> {
    this.ctx.logger.info(
      'Existing cluster: its nodes are not ours to change; make sure vm.max_map_count is at least 262144 on them (or set node.store.allow_mmap: false).'
    )
  }

  async loadImages(): Promise<void> {
    this.ctx.logger.info('Existing cluster: images are pulled by its nodes; nothing to preload.')
  }

  async exportLogs(): Promise<void> {}

  async destroy(): Promise<void> {}
}
