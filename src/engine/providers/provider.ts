import type { Logger } from '../logger.js'
import type { SystemPort } from '../system.js'

/** Where the cluster comes from. Each provider creates (or adopts) one cluster and removes only what it created. */
export interface ClusterProvider {
  readonly name: 'kind' | 'minikube' | 'existing' | 'local'
  /** Name of the cluster (kind name, minikube profile, local cluster name, or the context). */
  readonly clusterName: string
  /** True once this run created a cluster that cleanup must remove. */
  readonly created: boolean
  /** Creates the cluster (or checks the existing one) and returns a kubeconfig path and context. */
  create(): Promise<{ kubeconfig: string; context?: string }>
  /** Makes sure vm.max_map_count is at least 262144 where the pods run; logs whether it already was. */
  prepareHost(): Promise<void>
  /** Pulls images and loads them into the cluster's nodes. */
  loadImages(images: string[]): Promise<void>
  /** Writes the provider's own logs under dir. */
  exportLogs(dir: string): Promise<void>
  /** Removes the cluster this run created. */
  destroy(): Promise<void>
}

export const MAX_MAP_COUNT = 262144

export interface ProviderContext {
  logger: Logger
  /** Programs, downloads and the tool cache (the action's toolkit, or plain Node). */
  system: SystemPort
  /** Private temp directory of the run (mode 0700) for kubeconfigs and downloads. */
  workDir: string
}
