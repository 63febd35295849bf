import { findingAt, type Finding, type Rule } from '../rule.js'

/** serviceName must name a headless Service of the manifests that selects the pods: it gives them their DNS names. */
export const headlessService: Rule = {
  id: 'headless-service',
  severity: 'error',
  summary: "The StatefulSet's serviceName names a headless Service that selects its pods.",
  check(ctx) {
    const findings: Finding[] = []
    for (const sts of ctx.statefulSets) {
      const name = sts.spec.serviceName
      if (!name) {
        findings.push(
          findingAt(
            this,
            sts.manifest,
            ['spec'],
            `StatefulSet ${sts.name} has no serviceName, so its pods get no <pod>.<service> DNS names to find each other by.`,
            'Set spec.serviceName to a headless Service (clusterIP: None) that selects the pods.'
          )
        )
        continue
      }
      const svc = ctx.services.find((s) => s.object.metadata.name === name)
      if (!svc) {
        findings.push(
          findingAt(
            this,
            sts.manifest,
            ['spec', 'serviceName'],
            `serviceName '${name}' names no Service in these manifests.`,
            `Add a headless Service named ${name} (clusterIP: None) selecting the pods' labels.`
          )
        )
        continue
      }
      const spec = (svc.object.spec ?? {}) as {
        clusterIP?: string
        selector?: Record<string, string>
      }
      if (spec.clusterIP !== 'None') {
        findings.push(
          findingAt(
            this,
            svc,
            ['spec', 'clusterIP'],
            // CoreDNS answers the pods' names under any Service whose endpoints carry their
            // hostnames (kind, minikube); the DNS specification promises them only when headless.
            `Service ${name} is not headless: the Kubernetes DNS specification gives the pods' names (${sts.name}-0.${name}) only under a headless Service. CoreDNS answers them anyway, other cluster DNS servers do not.`,
            'Set spec.clusterIP: None.'
          )
        )
      }
      const labels = sts.spec.template?.metadata?.labels ?? {}
      const selector = spec.selector ?? {}
      if (
        Object.keys(selector).length === 0 ||
        !Object.entries(selector).every(([k, v]) => labels[k] === v)
      ) {
        findings.push(
          findingAt(
            this,
            svc,
            ['spec', 'selector'],
            `Service ${name}'s selector ${JSON.stringify(selector)} does not select the pods of ${sts.name} (labels ${JSON.stringify(labels)}).`,
            'Make the Service selector a subset of the pod template labels.'
          )
        )
      }
    }
    return findings
  }
}
