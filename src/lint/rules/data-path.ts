import { findingAt, type Finding, type Rule } from '../rule.js'

const DATA_PATHS = {
  elasticsearch: '/usr/share/elasticsearch/data',
  opensearch: '/usr/share/opensearch/data'
}

/** A claim mounted anywhere but the engine's data path keeps nothing: data and node identity go with the pod. */
export const dataPath: Rule = {
  id: 'data-path',
  severity: 'warning',
  summary: "A volume claim is mounted at the image's data path (or path.data points at it).",
  check(ctx) {
    const findings: Finding[] = []
    for (const sts of ctx.statefulSets) {
      if (sts.engine === 'unknown') continue
      const claims = new Set((sts.spec.volumeClaimTemplates ?? []).map((c) => c.metadata?.name))
      const dataPath = sts.envFor(`${sts.name}-0`)['path.data'] ?? DATA_PATHS[sts.engine]
      const mounts = sts.container?.volumeMounts ?? []
      const onClaim = mounts.findIndex(
        (m) =>
          claims.has(m.name) &&
          (dataPath === m.mountPath || dataPath.startsWith(`${m.mountPath.replace(/\/$/, '')}/`))
      )
      if (onClaim >= 0) continue
      const claimMount = mounts.findIndex((m) => claims.has(m.name))
      const path =
        claimMount >= 0
          ? [...sts.containerPath, 'volumeMounts', claimMount, 'mountPath']
          : [...sts.containerPath]
      const where =
        claimMount >= 0
          ? `The claim is mounted at ${mounts[claimMount].mountPath}, but ${sts.engine} keeps its data in ${dataPath}`
          : `No volume claim holds ${dataPath}`
      findings.push(
        findingAt(
          this,
          sts.manifest,
          path,
          `${where}: a recreated pod loses its data and comes back with a new node ID.`,
          `Mount the claim at ${dataPath} (or set path.data to a path on the claim).`
        )
      )
    }
    return findings
  }
}
