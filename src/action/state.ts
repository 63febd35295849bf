import * as core from '@actions/core'

/** Everything main hands to post, behind typed accessors; the only user of core.saveState/getState. */
const Keys = {
  isPost: 'isPost',
  provider: 'provider',
  clusterName: 'clusterName',
  clusterCreated: 'clusterCreated',
  keepCluster: 'keepCluster',
  reportDir: 'reportDir',
  uploaded: 'uploaded',
  uploadWhen: 'uploadWhen',
  artifactName: 'artifactName',
  retentionDays: 'retentionDays',
  verdict: 'verdict',
  cleaned: 'cleaned',
  namespace: 'namespace',
  kubeconfig: 'kubeconfig',
  context: 'context'
} as const

export const state = {
  get isPost(): boolean {
    return core.getState(Keys.isPost) === 'true'
  },
  markMainStarted(): void {
    core.saveState(Keys.isPost, 'true')
  },
  setCluster(provider: string, clusterName: string, keep: boolean): void {
    core.saveState(Keys.provider, provider)
    core.saveState(Keys.clusterName, clusterName)
    core.saveState(Keys.clusterCreated, 'true')
    core.saveState(Keys.keepCluster, String(keep))
  },
  get cluster(): { provider: string; clusterName: string; created: boolean; keep: boolean } {
    return {
      provider: core.getState(Keys.provider),
      clusterName: core.getState(Keys.clusterName),
      created: core.getState(Keys.clusterCreated) === 'true',
      keep: core.getState(Keys.keepCluster) === 'true'
    }
  },
  /** A namespace main created on a cluster it did not create: post deletes it if main could not. */
  setNamespace(namespace: string, kubeconfig: string, context?: string): void {
    core.saveState(Keys.namespace, namespace)
    core.saveState(Keys.kubeconfig, kubeconfig)
    core.saveState(Keys.context, context ?? '')
  },
  get namespace(): { namespace: string; kubeconfig: string; context?: string } | undefined {
    const namespace = core.getState(Keys.namespace)
    if (!namespace) return undefined
    return {
      namespace,
      kubeconfig: core.getState(Keys.kubeconfig),
      context: core.getState(Keys.context) || undefined
    }
  },
  setArtifactPlan(
    reportDir: string,
    name: string,
    when: string,
    retentionDays: number | undefined
  ): void {
    core.saveState(Keys.reportDir, reportDir)
    core.saveState(Keys.artifactName, name)
    core.saveState(Keys.uploadWhen, when)
    core.saveState(Keys.retentionDays, retentionDays === undefined ? '' : String(retentionDays))
  },
  get artifactPlan(): { reportDir: string; name: string; when: string; retentionDays?: number } {
    const days = core.getState(Keys.retentionDays)
    return {
      reportDir: core.getState(Keys.reportDir),
      name: core.getState(Keys.artifactName),
      when: core.getState(Keys.uploadWhen),
      retentionDays: days ? Number(days) : undefined
    }
  },
  markUploaded(): void {
    core.saveState(Keys.uploaded, 'true')
  },
  get uploaded(): boolean {
    return core.getState(Keys.uploaded) === 'true'
  },
  markCleaned(): void {
    core.saveState(Keys.cleaned, 'true')
  },
  get cleaned(): boolean {
    return core.getState(Keys.cleaned) === 'true'
  },
  setVerdict(verdict: string): void {
    core.saveState(Keys.verdict, verdict)
  },
  get verdict(): string {
    return core.getState(Keys.verdict)
  }
}
