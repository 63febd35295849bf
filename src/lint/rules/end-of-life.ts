import { findingAt, type Finding, type Rule } from '../rule.js'

/**
 * Engine lines past their end of life get no security fixes. Elasticsearch 7.17, the last 7.x,
 * reached end of life on 2026-01-15 (every earlier line before it); OpenSearch 1.x is no longer
 * maintained. Kept to lines whose end is certain, so the rule never warns about a supported one.
 */
const END_OF_LIFE: {
  engine: 'elasticsearch' | 'opensearch'
  below: [number, number]
  since: string
}[] = [
  {
    engine: 'elasticsearch',
    below: [8, 0],
    since: '2026-01-15 (7.17, the last 7.x; earlier lines before it)'
  },
  { engine: 'opensearch', below: [2, 0], since: 'the 1.x line is no longer maintained' }
]

function older(v: [number, number], than: [number, number]): boolean {
  return v[0] < than[0] || (v[0] === than[0] && v[1] < than[1])
}

export const endOfLife: Rule = {
  id: 'end-of-life',
  severity: 'warning',
  summary: 'The engine version is still maintained.',
  check(ctx) {
    const findings: Finding[] = []
    for (const sts of ctx.statefulSets) {
      if (!sts.version || sts.engine === 'unknown') continue
      const eol = END_OF_LIFE.find((e) => e.engine === sts.engine && older(sts.version!, e.below))
      if (!eol) continue
      findings.push(
        findingAt(
          this,
          sts.manifest,
          [...sts.containerPath, 'image'],
          `${sts.container?.image} is past its end of life (${eol.since}): no more security fixes.`,
          `Move to a maintained ${sts.engine} line (and check the upgrade with scenario rolling-upgrade).`
        )
      )
    }
    return findings
  }
}
