import { PodProxyTransport, ExecCurlTransport, type EsTransport } from '../es/transport.js'
import { CatApi } from '../es/cat-api.js'
import { DocumentApi } from '../es/documents.js'
import { waitForGreen } from '../formation.js'
import { ClusterChanges } from '../changes.js'
import { linkPreflight } from '../explain.js'
import { snapshotElasticsearch } from '../collect.js'
import type { RunContext, Step } from '../scenario.js'
import { httpScheme } from '../security.js'
import type { ClusterTarget } from '../formation.js'
import { seedHostNames, seedHostsThatNeverResolve, type ServiceView } from '../diagnose.js'

/** The way in to the engines: exec (curl in the pod) when a password is given, else the pod proxy. */
function transportFor(ctx: RunContext): EsTransport {
  const { options, kube, namespace, manifests } = ctx
  const scheme = httpScheme(options.scheme, manifests.view.env)
  const exec =
    options.transport === 'exec' || (options.transport === 'auto' && options.password !== undefined)
  return exec
    ? ExecCurlTransport.forCluster(
        kube!,
        namespace!,
        manifests.view.containerName,
        options.esPort,
        scheme,
        options.password !== undefined
          ? { username: options.username ?? 'elastic', password: options.password }
          : undefined
      )
    : new PodProxyTransport(kube!, namespace!, options.esPort, scheme)
}

/** Snapshots the engines' own view (`_cat` tables) after a step, as `elasticsearch/<step>-<outcome>/`. */
export async function snapshotAfter(
  ctx: RunContext,
  step: string,
  outcome: 'passed' | 'failed'
): Promise<void> {
  if (!ctx.kube || !ctx.namespace || !ctx.api) return
  await snapshotElasticsearch(
    {
      kube: ctx.kube,
      api: ctx.api,
      namespace: ctx.namespace,
      selector: ctx.manifests.view.selector,
      logger: ctx.logger
    },
    ctx.writer,
    `${step}-${outcome}`
  )
}

/** Waits until the cluster is green with every expected node; records the engine and its cluster UUID. */
export const formStep: Step = {
  name: 'form',
  title: (ctx) => `Form: green with ${ctx.expectedNodes} nodes`,
  async run(ctx) {
    const api = new CatApi(transportFor(ctx))
    ctx.api = api
    ctx.docs = new DocumentApi(api)
    ctx.target = {
      kube: ctx.kube!,
      api,
      namespace: ctx.namespace!,
      selector: ctx.manifests.view.selector,
      container: ctx.manifests.view.containerName,
      expectedNodes: ctx.expectedNodes,
      timeline: ctx.timeline,
      logger: ctx.logger,
      pollIntervalMs: ctx.options.pollIntervalMs,
      signal: ctx.hooks.signal,
      seedHosts: seedHostNames(ctx.manifests.view.env),
      changes: new ClusterChanges(
        ctx.kube!,
        ctx.namespace!,
        ctx.manifests.view.selector,
        ctx.manifests.view.containerName,
        ctx.logger
      ).start()
    }
    const result = await waitForGreen(ctx.target, 'form', ctx.options.formationTimeoutMs).catch(
      (err: unknown) => {
        throw linkPreflight(ctx, err)
      }
    )
    ctx.formed = result
    ctx.askPod = result.answeringPod
    const engine = await api.engine(result.answeringPod)
    ctx.clusterUuid = engine.clusterUuid
    ctx.report.engine = { distribution: engine.distribution, version: engine.version }
    const differs = versionDiffers(ctx.options.image ?? ctx.manifests.view.image, engine)
    if (differs) {
      ctx.report.warnings.push(differs)
      ctx.logger.warning(differs)
    }
    const unresolvable = await seedHostsWarning(ctx.target)
    if (unresolvable) {
      ctx.report.warnings.push(unresolvable)
      ctx.logger.warning(unresolvable)
    }
    ctx.report.clusterUuid = engine.clusterUuid
    ctx.logger.info(
      `${engine.distribution} ${engine.version}: cluster ${result.health.cluster} (${engine.clusterUuid}) green with ${result.health.nodes} nodes`
    )
    const applied = ctx.timeline.first('applied')
    const green = ctx.timeline.first('green')
    if (applied && green) ctx.report.timeToGreenMs = green.at - applied.at
  },
  collect: (ctx, outcome) => snapshotAfter(ctx, 'form', outcome)
}

/**
 * Says when the nodes do not run the version the image tag asks for (a stand-in build, a tag
 * that moved, a mirror that serves something else), so that a pass is not read as proof for a
 * version that never ran. Tags that name no version (latest, a digest) are not judged.
 */
export function versionDiffers(
  image: string,
  engine: { distribution: string; version: string }
): string | undefined {
  const tag = /:([^:/@]+)(@sha256:[a-f0-9]+)?$/.exec(image)?.[1]
  const asked = tag && /^\d+\.\d+\.\d+/.exec(tag)?.[0]
  if (!asked || engine.version.startsWith(asked)) return undefined
  return `The image asks for ${engine.distribution} ${asked} (${image}), but the nodes run ${engine.version}: this run proves ${engine.version}, not ${asked}.`
}

/**
 * Seed hosts that cluster DNS never answers, although the cluster formed (through the others):
 * a typo that passes today, and leaves each node one name fewer to find the cluster by.
 */
async function seedHostsWarning(target: ClusterTarget): Promise<string | undefined> {
  const { kube, namespace, selector, seedHosts, expectedNodes } = target
  if (!seedHosts?.length) return undefined
  const [pods, services] = await Promise.all([
    kube.listPods(namespace, selector),
    kube.list(`/api/v1/namespaces/${namespace}/services`) as Promise<ServiceView[]>
  ]).catch(() => [undefined, undefined])
  if (!pods || !services) return undefined
  const never = seedHostsThatNeverResolve(seedHosts, pods, services, namespace, expectedNodes)
  if (!never.size) return undefined
  return `discovery.seed_hosts names ${[...never.keys()].join(', ')}, which cluster DNS never answers (${[...never.values()][0]}) The cluster formed all the same, through ${seedHosts.filter((h) => !never.has(h)).join(', ')}: each node finds the cluster through those alone, and the addresses it remembers.`
}
