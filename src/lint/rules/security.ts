import { findingAt, type Finding, type Rule } from '../rule.js'

/**
 * Elasticsearch 8+ turns security on at first start, and a multi-node cluster without transport
 * TLS fails a bootstrap check. OpenSearch 2.12+ needs the security plugin off or an admin password.
 */
export const security: Rule = {
  id: 'security',
  severity: 'error',
  summary:
    'Security settings let the cluster start: ES 8+ multi-node has security off or transport TLS; OpenSearch 2.12+ has the plugin off or an admin password.',
  check(ctx) {
    const findings: Finding[] = []
    for (const sts of ctx.statefulSets) {
      const env = sts.envFor(`${sts.name}-0`)
      const multi = sts.replicas > 1 && env['discovery.type'] !== 'single-node'
      if (sts.engine === 'elasticsearch' && sts.version && sts.version[0] >= 8 && multi) {
        const off = env['xpack.security.enabled'] === 'false'
        const tls = env['xpack.security.transport.ssl.enabled'] === 'true'
        if (!off && !tls) {
          findings.push(
            findingAt(
              this,
              sts.manifest,
              [...sts.containerPath, 'env'],
              `Elasticsearch ${sts.version.join('.')} with ${sts.replicas} nodes: security is on by default and there is no transport TLS, so the bootstrap check fails.`,
              'For a test cluster set xpack.security.enabled: "false"; otherwise configure xpack.security.transport.ssl.'
            )
          )
        }
      }
      if (
        sts.engine === 'opensearch' &&
        sts.version &&
        (sts.version[0] > 2 || (sts.version[0] === 2 && sts.version[1] >= 12))
      ) {
        if (
          env.DISABLE_SECURITY_PLUGIN !== 'true' &&
          !env.OPENSEARCH_INITIAL_ADMIN_PASSWORD &&
          env['plugins.security.disabled'] !== 'true'
        ) {
          findings.push(
            findingAt(
              this,
              sts.manifest,
              [...sts.containerPath, 'env'],
              `OpenSearch ${sts.version.join('.')} installs its demo security configuration, which since 2.12 refuses to start without OPENSEARCH_INITIAL_ADMIN_PASSWORD.`,
              'For a plain-HTTP test cluster set DISABLE_SECURITY_PLUGIN and DISABLE_INSTALL_DEMO_CONFIG to "true"; otherwise set OPENSEARCH_INITIAL_ADMIN_PASSWORD from a Secret.'
            )
          )
        }
      }
    }
    return findings
  }
}
