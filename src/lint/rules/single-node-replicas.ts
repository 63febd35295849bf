import { findingAt, type Finding, type Rule } from '../rule.js'

/** discovery.type=single-node with several replicas gives several one-node clusters, not one cluster. */
export const singleNodeReplicas: Rule = {
  id: 'single-node-replicas',
  severity: 'error',
  summary: 'discovery.type single-node is not combined with more than one replica.',
  check(ctx) {
    const findings: Finding[] = []
    for (const sts of ctx.statefulSets) {
      const at = sts.envAt('discovery.type')
      if (at?.value === 'single-node' && sts.replicas > 1) {
        findings.push(
          findingAt(
            this,
            sts.manifest,
            at.path,
            `discovery.type is single-node with ${sts.replicas} replicas: each pod forms its own one-node cluster.`,
            'Remove discovery.type and set discovery.seed_hosts and cluster.initial_master_nodes, or use one replica.'
          )
        )
      }
    }
    return findings
  }
}
