import { join } from 'node:path'
import { collectKubernetes } from '../collect.js'
import { errorMessage } from '../errors.js'
import type { FinalStep } from '../scenario.js'
import { endDisruption } from './disruption.js'

/** How long a killed master's log stream may run on once the run is over. */
const LAST_WORDS_GRACE_MS = 2_000

/** Collects logs, objects, events and the provider's logs, whatever the outcome. */
export const collectStep: FinalStep = {
  title: 'Collect logs and reports',
  async run(ctx) {
    // A disruption cut short by a failure still reports what its checks saw.
    await endDisruption(ctx).catch((err) =>
      ctx.logger.warning(`Stopping the checks failed: ${errorMessage(err)}`)
    )
    await ctx.runner.stopMonitors()
    await ctx.target?.changes?.stop()
    // A killed master's stream ends when its process does; cut any that outlive the run.
    await Promise.all(ctx.pending.map((capture) => capture.stop(LAST_WORDS_GRACE_MS)))
    if (ctx.kube && ctx.namespace)
      await collectKubernetes(
        {
          kube: ctx.kube,
          api: ctx.api,
          namespace: ctx.namespace,
          selector: ctx.manifests.view.selector,
          logger: ctx.logger
        },
        ctx.writer
      ).catch((err) =>
        ctx.logger.warning(`Collecting Kubernetes objects and logs failed: ${errorMessage(err)}`)
      )
    await ctx.provider
      .exportLogs(join(ctx.writer.dir, 'provider'))
      .catch((err) =>
        ctx.logger.warning(`Exporting ${ctx.provider.name} logs failed: ${errorMessage(err)}`)
      )
  }
}
