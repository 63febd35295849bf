import { findingAt, type Finding, type Rule } from '../rule.js'

/** An even number of master-eligible nodes tolerates no more failures than one fewer node. */
export const evenMasters: Rule = {
  id: 'even-masters',
  severity: 'warning',
  summary: 'The number of master-eligible nodes is odd.',
  check(ctx) {
    const findings: Finding[] = []
    for (const sts of ctx.statefulSets) {
      if (sts.engine === 'unknown') continue
      const env = sts.envFor(`${sts.name}-0`)
      const roles = env['node.roles']
      const masterEligible = roles === undefined || /master|cluster_manager/.test(roles)
      if (masterEligible && sts.replicas > 1 && sts.replicas % 2 === 0) {
        findings.push(
          findingAt(
            this,
            sts.manifest,
            ['spec', 'replicas'],
            `${sts.replicas} master-eligible nodes: losing ${sts.replicas / 2} leaves no majority, so they tolerate no more losses than ${sts.replicas - 1} ${sts.replicas - 1 === 1 ? 'node' : 'nodes'} would.`,
            `Use an odd number of master-eligible nodes (${sts.replicas - 1} or ${sts.replicas + 1}).`
          )
        )
      }
    }
    return findings
  }
}
