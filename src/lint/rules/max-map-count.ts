import { findingAt, type Finding, type Rule } from '../rule.js'

/** The bootstrap check needs vm.max_map_count >= 262144 on the node; say so when nothing in the manifests handles it. */
export const maxMapCount: Rule = {
  id: 'max-map-count',
  severity: 'info',
  summary:
    'vm.max_map_count is handled (privileged init container or node.store.allow_mmap: false), or the host must be prepared.',
  check(ctx) {
    const findings: Finding[] = []
    for (const sts of ctx.statefulSets) {
      if (sts.engine === 'unknown') continue
      const env = sts.envFor(`${sts.name}-0`)
      if (env['discovery.type'] === 'single-node' || env['node.store.allow_mmap'] === 'false')
        continue
      const inits = sts.spec.template?.spec?.initContainers ?? []
      const handled = inits.some(
        (c) =>
          c.securityContext?.privileged &&
          /vm\.max_map_count/.test([...(c.command ?? []), ...(c.args ?? [])].join(' '))
      )
      if (!handled) {
        findings.push(
          findingAt(
            this,
            sts.manifest,
            sts.containerPath,
            `Nothing in ${sts.name} raises vm.max_map_count: nodes need at least 262144 or the bootstrap check stops ${sts.engine}.`,
            'Prepare the hosts (es-k8s-verify does with prepare-host), add a privileged init container running sysctl -w vm.max_map_count=262144, or set node.store.allow_mmap: false.'
          )
        )
      }
    }
    return findings
  }
}
