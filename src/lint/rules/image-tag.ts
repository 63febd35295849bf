import { findingAt, type Finding, type Rule } from '../rule.js'

/** `latest` or no tag makes every run test a different version. */
export const imageTag: Rule = {
  id: 'image-tag',
  severity: 'warning',
  summary: 'Images name a version: not latest, not untagged.',
  check(ctx) {
    const findings: Finding[] = []
    for (const sts of ctx.statefulSets) {
      const containers = sts.spec.template?.spec?.containers ?? []
      containers.forEach((c, i) => {
        const image = c.image ?? ''
        const tag = /:([^/:@]+)$/.exec(image)?.[1]
        if (!image.includes('@') && (!tag || tag === 'latest')) {
          findings.push(
            findingAt(
              this,
              sts.manifest,
              ['spec', 'template', 'spec', 'containers', i, 'image'],
              `Image '${image}' has ${tag ? 'the tag latest' : 'no tag'}: each run may test a different version.`,
              'Pin a version, e.g. docker.elastic.co/elasticsearch/elasticsearch:9.1.0.'
            )
          )
        }
      })
    }
    return findings
  }
}
