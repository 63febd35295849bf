import { findingAt, type Finding, type Rule } from '../rule.js'

/**
 * With OrderedReady, pod 1 starts only when pod 0 is Ready. If readiness waits for cluster
 * health and DNS lists only Ready pods, pod 0 can never become Ready: the cluster never forms.
 */
export const orderedReady: Rule = {
  id: 'ordered-ready',
  severity: 'error',
  summary:
    'OrderedReady is not combined with a readiness probe that waits for cluster health and a Service without publishNotReadyAddresses.',
  check(ctx) {
    const findings: Finding[] = []
    for (const sts of ctx.statefulSets) {
      if (sts.replicas < 2 || (sts.spec.podManagementPolicy ?? 'OrderedReady') !== 'OrderedReady')
        continue
      const probe = sts.container?.readinessProbe
      const text = probe
        ? [probe.httpGet?.path ?? '', ...(probe.exec?.command ?? [])].join(' ')
        : ''
      if (!/_cluster\/health|_cat\/health/.test(text)) continue
      const svc = ctx.services.find((s) => s.object.metadata.name === sts.spec.serviceName)
      if (
        (svc?.object.spec as { publishNotReadyAddresses?: boolean } | undefined)
          ?.publishNotReadyAddresses
      )
        continue
      findings.push(
        findingAt(
          this,
          sts.manifest,
          ['spec'],
          `StatefulSet ${sts.name} starts pods one at a time (OrderedReady) and each becomes Ready only when the cluster is healthy, which needs the next pods: the cluster can never bootstrap.`,
          'Set podManagementPolicy: Parallel and publishNotReadyAddresses: true on the headless Service.'
        )
      )
    }
    return findings
  }
}
