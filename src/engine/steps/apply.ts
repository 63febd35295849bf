import { overrideImage, type ManifestObject } from '../manifests.js'
import { ApiError, type KubeClient } from '../kube/client.js'
import { ManifestError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { ManifestSet, RunContext, Step } from '../scenario.js'

/** Label on the namespaces a run creates, with the run's id (how orphans are found). */
export const NAMESPACE_LABEL = 'es-k8s-verify/run'

/**
 * Applies a manifest set into the run's namespace (server-side apply), the image override on
 * the StatefulSet under test. A refusal names the file and line of the object.
 */
export async function applyManifestSet(ctx: RunContext, set: ManifestSet): Promise<void> {
  for (const m of set.objects) {
    const object =
      m === set.statefulset && ctx.options.image
        ? overrideImage(m.object, set.view.containerName, ctx.options.image)
        : m.object
    await applyOne(ctx.kube!, m, object, ctx.namespace!, ctx.logger)
  }
}

async function applyOne(
  kube: KubeClient,
  m: ManifestObject,
  object: ManifestObject['object'],
  namespace: string,
  logger: Logger
): Promise<void> {
  try {
    await kube.apply(object, namespace)
    logger.info(`applied ${object.kind}/${object.metadata.name}`)
  } catch (err) {
    if (err instanceof ApiError) {
      throw new ManifestError(
        `${m.file}:${m.line}: the API server refused ${object.kind}/${object.metadata.name}: ${err.message}`,
        { file: m.file, line: m.line }
      )
    }
    throw err
  }
}

/**
 * Creates the run's namespace (unless an existing one was named) and applies the manifests:
 * the base of a rolling upgrade when there is one, else the manifests under test.
 */
export const applyStep: Step = {
  name: 'apply',
  title: (ctx) => `Apply ${(ctx.base ?? ctx.manifests).objects.length} objects`,
  async run(ctx) {
    const kube = ctx.kube!
    if (!ctx.namespace || !(await kube.namespaceExists(ctx.namespace))) {
      ctx.namespace ??= `es-k8s-verify-${ctx.runId}`
      await kube.createNamespace(ctx.namespace, { [NAMESPACE_LABEL]: ctx.runId })
      ctx.createdNamespace = true
      ctx.hooks.onNamespaceCreated?.(ctx.namespace)
    }
    ctx.report.namespace = ctx.namespace
    const set = ctx.base ?? ctx.manifests
    await applyManifestSet(ctx, set)
    ctx.timeline.record(
      'apply',
      'applied',
      `applied ${set.objects.length} objects${ctx.base ? ' (the rolling upgrade base)' : ''} to namespace ${ctx.namespace}`
    )
  }
}
