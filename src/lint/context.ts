import type { ManifestObject } from '../engine/manifests.js'
import type { ContainerSpec, LintContext, StatefulSetSpec, StatefulSetUnderLint } from './rule.js'

/** Tells the engine and version from an image reference. */
export function engineOfImage(image: string | undefined): {
  engine: StatefulSetUnderLint['engine']
  version?: [number, number]
  tag?: string
} {
  if (!image) return { engine: 'unknown' }
  const tag = /:([^/:]+)$/.exec(image)?.[1]
  const version = tag && /^(\d+)\.(\d+)/.exec(tag)
  const v: [number, number] | undefined = version
    ? [Number(version[1]), Number(version[2])]
    : undefined
  if (/opensearch/.test(image)) return { engine: 'opensearch', version: v, tag }
  if (/elasticsearch/.test(image)) return { engine: 'elasticsearch', version: v, tag }
  return { engine: 'unknown', version: v, tag }
}

/** Resolves a container's env for one pod, as the kubelet would: fieldRef metadata.name and $(VAR). */
export function resolveEnvFor(
  container: ContainerSpec | undefined,
  podName: string,
  namespace = 'default'
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const v of container?.env ?? []) {
    if (v.valueFrom?.fieldRef) {
      const field = v.valueFrom.fieldRef.fieldPath
      env[v.name] =
        field === 'metadata.name' ? podName : field === 'metadata.namespace' ? namespace : ''
    } else {
      env[v.name] = (v.value ?? '').replace(
        /\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g,
        (whole, n: string) => (n in env ? env[n] : whole)
      )
    }
  }
  return env
}

export function buildContext(objects: ManifestObject[]): LintContext {
  const statefulSets: StatefulSetUnderLint[] = objects
    .filter((o) => o.object.kind === 'StatefulSet')
    .map((manifest) => {
      const spec = (manifest.object.spec ?? {}) as StatefulSetSpec
      const containers = spec.template?.spec?.containers ?? []
      let containerIndex = containers.findIndex((c) => engineOfImage(c.image).engine !== 'unknown')
      if (containerIndex < 0) containerIndex = 0
      const container = containers[containerIndex]
      const { engine, version } = engineOfImage(container?.image)
      const containerPath = ['spec', 'template', 'spec', 'containers', containerIndex]
      return {
        manifest,
        name: manifest.object.metadata.name,
        spec,
        // A malformed count is the statefulset-shape rule's finding; the other rules see one replica.
        replicas: Number.isInteger(spec.replicas) && spec.replicas! >= 0 ? spec.replicas! : 1,
        container,
        containerIndex,
        engine,
        version,
        containerPath,
        envFor: (podName: string) => resolveEnvFor(container, podName),
        envAt: (name: string) => {
          const i = (container?.env ?? []).findIndex((e) => e.name === name)
          return i < 0
            ? undefined
            : { value: container!.env![i].value, path: [...containerPath, 'env', i, 'value'] }
        }
      }
    })
  return { objects, statefulSets, services: objects.filter((o) => o.object.kind === 'Service') }
}

/** Pod names a StatefulSet will have. */
export function podNames(sts: StatefulSetUnderLint): string[] {
  return Array.from({ length: sts.replicas }, (_, i) => `${sts.name}-${i}`)
}

/** The engine's setting under either name (OpenSearch renamed master to cluster_manager). */
export function settingOf(
  env: Record<string, string>,
  names: string[]
): { name: string; value: string } | undefined {
  for (const n of names) if (env[n] !== undefined) return { name: n, value: env[n] }
  return undefined
}

/** The settings that name the seed hosts, the current one first (the second is Elasticsearch 6's). */
export const SEED_HOSTS = ['discovery.seed_hosts', 'discovery.zen.ping.unicast.hosts']

/**
 * The host names of a seed-hosts setting's value, as DNS compares them: ports and a trailing dot
 * dropped, lower case.
 */
export function seedHostList(value: string): string[] {
  return value
    .split(',')
    .map((host) => host.trim().replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase())
    .filter(Boolean)
}

export const INITIAL_MASTERS = [
  'cluster.initial_master_nodes',
  'cluster.initial_cluster_manager_nodes'
]
