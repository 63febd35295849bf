import * as core from '@actions/core'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { state } from './state.js'
import { uploadReport, shouldUpload } from './artifacts.js'
import { deleteCluster } from '../engine/providers/index.js'
import { KubeClient } from '../engine/kube/client.js'
import { CoreLogger } from './core-logger.js'
import { actionsSystem } from './system.js'
import { errorMessage } from '../engine/errors.js'

/**
 * The post step: uploads the report if main did not get to it (cancelled, crashed) and deletes
 * a cluster main created but did not remove. Warnings only: post never fails the job.
 */
export async function runPost(): Promise<void> {
  try {
    if (!state.isPost) return
    const plan = state.artifactPlan
    const verdict = state.verdict || 'failed'
    if (
      !state.uploaded &&
      plan.reportDir &&
      existsSync(plan.reportDir) &&
      shouldUpload(plan.when, verdict)
    ) {
      try {
        const id = await uploadReport(plan.name, plan.reportDir, plan.retentionDays)
        core.info(`Uploaded ${plan.reportDir} as artifact ${plan.name}${id ? ` (id ${id})` : ''}`)
      } catch (err) {
        core.warning(`Uploading the report failed: ${errorMessage(err)}`)
      }
    }
    const cluster = state.cluster
    const ns = state.namespace
    if (ns && !state.cleaned) {
      // Main was cancelled on an existing cluster: remove the namespace it created there.
      core.info(`Main did not finish: deleting namespace ${ns.namespace}`)
      const kube = KubeClient.fromFile(ns.kubeconfig, ns.context)
      await kube
        .deleteNamespace(ns.namespace)
        .catch((err) =>
          core.warning(`Deleting namespace ${ns.namespace} failed: ${errorMessage(err)}`)
        )
      await kube.close()
    }
    if (cluster.created && !state.cleaned && !cluster.keep) {
      core.info(`Main did not finish: deleting ${cluster.provider} cluster ${cluster.clusterName}`)
      const workDir = mkdtempSync(join(tmpdir(), 'es-k8s-verify-post-'))
      await deleteCluster(cluster.provider, cluster.clusterName, {
        logger: new CoreLogger(),
        workDir,
        system: actionsSystem
      }).catch((err) =>
        core.warning(`Deleting cluster ${cluster.clusterName} failed: ${errorMessage(err)}`)
      )
      rmSync(workDir, { recursive: true, force: true })
    }
  } catch (err) {
    core.warning(`es-k8s-verify post: ${errorMessage(err)}`)
  }
}
