import { rmSync } from 'node:fs'
import { errorMessage } from '../errors.js'
import type { FinalStep } from '../scenario.js'

/** Removes what the run created (the cluster, or the namespace on an existing one), unless kept. */
export const cleanUpStep: FinalStep = {
  title: 'Clean up',
  async run(ctx) {
    const { provider, kube, namespace, report, logger } = ctx
    try {
      if (ctx.options.keepCluster) {
        logger.info(
          `Keeping ${provider.created ? `cluster ${provider.clusterName}` : `namespace ${namespace}`} as asked (keep-cluster)`
        )
        return
      }
      if (provider.created) {
        await provider.destroy().catch((err) => {
          report.warnings.push(`Cleanup: ${errorMessage(err)}`)
          logger.warning(`Deleting the cluster failed (the verdict stands): ${errorMessage(err)}`)
        })
      } else if (kube && namespace && ctx.createdNamespace) {
        await kube.deleteNamespace(namespace).catch((err) => {
          report.warnings.push(`Cleanup: ${errorMessage(err)}`)
          logger.warning(
            `Deleting namespace ${namespace} failed (the verdict stands): ${errorMessage(err)}`
          )
        })
      }
    } finally {
      rmSync(ctx.workDir, { recursive: true, force: true })
      await kube?.close()
    }
  }
}
