import { imagesOf } from '../manifests.js'
import { KubeClient } from '../kube/client.js'
import type { Step } from '../scenario.js'

/** Creates (or adopts) the cluster, prepares its hosts, and connects to its API server. */
export const provisionStep: Step = {
  name: 'provision',
  title: (ctx) => `Provision cluster (${ctx.provider.name})`,
  async run(ctx) {
    const { options, provider, manifests } = ctx
    const created = await provider.create()
    ctx.hooks.onClusterCreated?.({
      provider: provider.name,
      clusterName: provider.clusterName,
      kubeconfig: created.kubeconfig
    })
    if (options.prepareHost) await provider.prepareHost()
    if (options.preloadImages) {
      const objects = [...(ctx.base?.objects ?? []), ...manifests.objects]
      const images = imagesOf(objects)
      await provider.loadImages(
        options.image
          ? [options.image, ...images.filter((i) => i !== manifests.view.image)]
          : images
      )
    }
    ctx.kube = KubeClient.fromFile(created.kubeconfig, created.context)
    ctx.report.kubernetesVersion = await ctx.kube.checkReachable()
  }
}
