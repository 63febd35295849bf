import { findingAt, type Finding, type Rule } from '../rule.js'

interface PodSpecWithPlacement {
  affinity?: { podAntiAffinity?: unknown }
  topologySpreadConstraints?: unknown[]
}

/**
 * Without pod anti-affinity (or a topology spread), the scheduler may put every master-eligible
 * pod on one Kubernetes node: losing that node loses the quorum and every copy of the data.
 */
export const antiAffinity: Rule = {
  id: 'anti-affinity',
  severity: 'warning',
  summary:
    'Engine pods are spread across Kubernetes nodes (pod anti-affinity or a topology spread).',
  check(ctx) {
    const findings: Finding[] = []
    for (const sts of ctx.statefulSets) {
      if (sts.replicas < 2 || sts.engine === 'unknown') continue
      const spec = sts.spec.template?.spec as PodSpecWithPlacement | undefined
      if (spec?.affinity?.podAntiAffinity || spec?.topologySpreadConstraints?.length) continue
      findings.push(
        findingAt(
          this,
          sts.manifest,
          ['spec', 'template', 'spec'],
          `StatefulSet ${sts.name} has no pod anti-affinity: all ${sts.replicas} pods may land on one Kubernetes node, and losing that node loses every master and every copy of each shard.`,
          'Add podAntiAffinity on topologyKey kubernetes.io/hostname (preferred on single-node test clusters, required in production).'
        )
      )
    }
    return findings
  }
}
