import { findingAt, type Finding, type Rule } from '../rule.js'

/** The API server refuses a StatefulSet whose selector does not match its template's labels. */
export const selectorLabels: Rule = {
  id: 'selector-labels',
  severity: 'error',
  summary: "The StatefulSet's selector matches its pod template's labels.",
  check(ctx) {
    const findings: Finding[] = []
    for (const sts of ctx.statefulSets) {
      const selector = sts.spec.selector?.matchLabels ?? {}
      const labels = sts.spec.template?.metadata?.labels ?? {}
      const mismatched = Object.entries(selector).filter(([k, v]) => labels[k] !== v)
      if (Object.keys(selector).length === 0 || mismatched.length) {
        findings.push(
          findingAt(
            this,
            sts.manifest,
            ['spec', 'selector'],
            `StatefulSet ${sts.name}: selector ${JSON.stringify(selector)} does not match the pod template labels ${JSON.stringify(labels)}; the API server will refuse it.`,
            'Use the same key/value pairs in spec.selector.matchLabels and spec.template.metadata.labels.'
          )
        )
      }
    }
    return findings
  }
}
