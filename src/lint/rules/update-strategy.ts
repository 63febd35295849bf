import { findingAt, type Finding, type Rule } from '../rule.js'

/** Under OnDelete the controller never replaces a running pod: a manifest change never rolls out. */
export const updateStrategy: Rule = {
  id: 'update-strategy',
  severity: 'warning',
  summary: 'The StatefulSet rolls out changes (updateStrategy RollingUpdate).',
  check(ctx) {
    const findings: Finding[] = []
    for (const sts of ctx.statefulSets) {
      const strategy = (sts.spec as { updateStrategy?: { type?: string } }).updateStrategy?.type
      if (strategy !== 'OnDelete') continue
      findings.push(
        findingAt(
          this,
          sts.manifest,
          ['spec', 'updateStrategy', 'type'],
          `StatefulSet ${sts.name} uses updateStrategy OnDelete: a change to its pod template reaches a pod only when someone deletes it, so a rolling upgrade never starts.`,
          'Use updateStrategy RollingUpdate (the default), or delete pods one at a time yourself.'
        )
      )
    }
    return findings
  }
}
