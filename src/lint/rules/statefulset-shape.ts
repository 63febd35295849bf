import { findingAt, type Finding, type Rule } from '../rule.js'

/** Fields the API server would refuse, caught before a cluster exists: replicas must be a whole number. */
export const statefulsetShape: Rule = {
  id: 'statefulset-shape',
  severity: 'error',
  summary: 'The StatefulSet has a whole-number replicas count and at least one container.',
  check(ctx) {
    const findings: Finding[] = []
    // The verifier refuses such a set; lint must not call it clean.
    if (ctx.statefulSets.length === 0 && ctx.objects.length > 0)
      findings.push(
        findingAt(
          this,
          ctx.objects[0],
          [],
          `The manifests hold no StatefulSet (found ${ctx.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`).join(', ')}): there is no Elasticsearch or OpenSearch cluster to verify.`,
          'Add the StatefulSet that runs the engine, or point manifests at its directory.'
        )
      )
    for (const sts of ctx.statefulSets) {
      const replicas = sts.spec.replicas as unknown
      if (replicas !== undefined && (!Number.isInteger(replicas) || (replicas as number) < 0)) {
        findings.push(
          findingAt(
            this,
            sts.manifest,
            ['spec', 'replicas'],
            `StatefulSet ${sts.name}: replicas is ${JSON.stringify(replicas)}, not a whole number; the API server will refuse it.`,
            'Write the count as a number, e.g. replicas: 3.'
          )
        )
      }
      if (!sts.container) {
        findings.push(
          findingAt(
            this,
            sts.manifest,
            ['spec', 'template', 'spec'],
            `StatefulSet ${sts.name} has no containers.`,
            'Add the Elasticsearch container under spec.template.spec.containers.'
          )
        )
      }
    }
    return findings
  }
}
