import { findingAt, type Finding, type Rule } from '../rule.js'

function matches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string>
): boolean {
  const entries = Object.entries(selector ?? {})
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v)
}

/**
 * Without a PodDisruptionBudget, a node drain (a node-pool upgrade, an autoscaler) may evict
 * several engine pods at once; the restart scenario shows what that does to the data.
 */
export const disruptionBudget: Rule = {
  id: 'disruption-budget',
  severity: 'warning',
  summary:
    'A PodDisruptionBudget limits voluntary evictions of the StatefulSet to one pod at a time.',
  check(ctx) {
    const findings: Finding[] = []
    const budgets = ctx.objects.filter((o) => o.object.kind === 'PodDisruptionBudget')
    for (const sts of ctx.statefulSets) {
      if (sts.replicas < 2) continue
      const labels = sts.spec.template?.metadata?.labels ?? {}
      const covered = budgets.some((b) =>
        matches(
          (b.object.spec as { selector?: { matchLabels?: Record<string, string> } })?.selector
            ?.matchLabels,
          labels
        )
      )
      if (covered) continue
      findings.push(
        findingAt(
          this,
          sts.manifest,
          ['metadata', 'name'],
          `No PodDisruptionBudget covers StatefulSet ${sts.name}: a node drain may evict several of its pods at once, and with them the master quorum or every copy of a shard.`,
          `Add a policy/v1 PodDisruptionBudget with maxUnavailable: 1 and the selector ${JSON.stringify(labels)}.`
        )
      )
    }
    return findings
  }
}
