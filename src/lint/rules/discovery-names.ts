import { findingAt, type Finding, type Rule } from '../rule.js'
import { INITIAL_MASTERS, SEED_HOSTS, podNames, seedHostList, settingOf } from '../context.js'

/**
 * node.name, discovery.seed_hosts and cluster.initial_master_nodes must agree with the pod
 * names and the service subdomain (the article's main lesson): an initial master that no pod
 * is called keeps the cluster from ever bootstrapping.
 */
export const discoveryNames: Rule = {
  id: 'discovery-names',
  severity: 'error',
  summary:
    'node.name, seed hosts and initial master nodes agree with the pod names, the service and the replica count.',
  check(ctx) {
    const findings: Finding[] = []
    for (const sts of ctx.statefulSets) {
      if (sts.engine === 'unknown' || sts.replicas < 2) continue
      const pods = podNames(sts)
      const envs = pods.map((p) => sts.envFor(p))
      if (envs[0]['discovery.type'] === 'single-node') continue
      const nodeNames = pods.map((p, i) => envs[i]['node.name'] ?? p)
      const initial = settingOf(envs[0], INITIAL_MASTERS)
      if (!initial) {
        findings.push(
          findingAt(
            this,
            sts.manifest,
            [...sts.containerPath, 'env'],
            `StatefulSet ${sts.name} sets no ${INITIAL_MASTERS[sts.engine === 'opensearch' ? 1 : 0]}: a new multi-node cluster cannot bootstrap.`,
            `List the node names of the master-eligible pods, e.g. ${nodeNames.join(',')}.`
          )
        )
      } else {
        const at = sts.envAt(initial.name)
        for (const n of initial.value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          if (!nodeNames.includes(n)) {
            findings.push(
              findingAt(
                this,
                sts.manifest,
                at?.path ?? sts.containerPath,
                `${initial.name} lists '${n}', which is no node's node.name (the nodes are ${nodeNames.join(', ')}): the cluster will never form.`,
                `Use exactly the node names: ${nodeNames.join(',')}.`
              )
            )
          }
        }
      }
      const seeds = settingOf(envs[0], SEED_HOSTS)
      if (seeds) {
        const at = sts.envAt(seeds.name)
        const service = sts.spec.serviceName
        for (const host of seedHostList(seeds.value)) {
          const resolves =
            host === service ||
            pods.some((p) => host === `${p}.${service}` || host.startsWith(`${p}.${service}.`))
          if (!resolves) {
            findings.push(
              findingAt(
                this,
                sts.manifest,
                at?.path ?? sts.containerPath,
                `discovery.seed_hosts entry '${host}' is not a pod of ${sts.name} under its Service (${pods.map((p) => `${p}.${service}`).join(', ')}).`,
                `Use <pod>.<serviceName> names: ${pods.map((p) => `${p}.${service}`).join(',')}.`,
                'warning'
              )
            )
          }
        }
      } else {
        findings.push(
          findingAt(
            this,
            sts.manifest,
            [...sts.containerPath, 'env'],
            `StatefulSet ${sts.name} sets no discovery.seed_hosts: the nodes look only on localhost and will not find each other.`,
            `Set discovery.seed_hosts to ${pods.map((p) => `${p}.${sts.spec.serviceName}`).join(',')}.`
          )
        )
      }
    }
    return findings
  }
}
