import type { VerifyOptions } from '../options.js'
import { Tool } from './tool.js'
import { KindProvider, deleteKindCluster } from './kind.js'
import { MinikubeProvider } from './minikube.js'
import { ExistingProvider } from './existing.js'
import { LocalProvider } from './local.js'
import type { ClusterProvider, ProviderContext } from './provider.js'

/** auto: kind when a Docker engine answers, else the local cluster. */
export async function resolveProvider(
  provider: VerifyOptions['provider'],
  ctx: ProviderContext
): Promise<Exclude<VerifyOptions['provider'], 'auto'>> {
  if (provider !== 'auto') return provider
  try {
    const docker = await Tool.find('docker', ctx, '')
    const info = await docker.run('docker info', ['info', '--format', '{{.ServerVersion}}'], {
      allowFailure: true
    })
    if (info.exitCode === 0 && info.stdout.trim()) {
      ctx.logger.info(`provider auto: a Docker engine (${info.stdout.trim()}) answers; using kind`)
      return 'kind'
    }
  } catch {
    // No docker CLI at all.
  }
  ctx.logger.info('provider auto: no Docker engine answers; using the local cluster')
  return 'local'
}

export function makeProvider(
  kind: Exclude<VerifyOptions['provider'], 'auto'>,
  options: VerifyOptions,
  clusterName: string,
  ctx: ProviderContext
): ClusterProvider {
  switch (kind) {
    case 'kind':
      return new KindProvider(
        clusterName,
        {
          version: options.kindVersion,
          allowUnpinned: options.kindUnpinned,
          nodeImage: options.kindNodeImage,
          config: options.kindConfig
        },
        ctx
      )
    case 'minikube':
      return new MinikubeProvider(
        clusterName,
        {
          memoryMb: options.minikubeMemory,
          cpus: options.minikubeCpus,
          kubernetesVersion: options.kubernetesVersion
        },
        ctx
      )
    case 'existing':
      return new ExistingProvider(options.kubeconfig!, options.context, ctx)
    case 'local':
      return new LocalProvider(clusterName, ctx)
  }
}

export type { ClusterProvider, ProviderContext } from './provider.js'

/**
 * Deletes a cluster by provider and name, for a cleanup that runs without the provider object
 * (the action's post step after main was cancelled).
 */
export async function deleteCluster(
  provider: string,
  clusterName: string,
  ctx: ProviderContext
): Promise<void> {
  switch (provider) {
    case 'kind': {
      const kind = await Tool.find('kind', ctx, 'Cannot delete the kind cluster.')
      await deleteKindCluster(kind, clusterName, ctx.logger)
      return
    }
    case 'minikube': {
      const minikube = await Tool.find('minikube', ctx, 'Cannot delete the minikube profile.')
      await minikube.run(`Deleting minikube profile ${clusterName}`, ['delete', '-p', clusterName])
      return
    }
    case 'local':
      await new LocalProvider(clusterName, ctx).destroyByName()
      return
    default:
      return
  }
}
