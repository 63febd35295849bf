import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { lint, formatFindings, toSarif } from '../src/lint/lint.js'
import { RULES } from '../src/lint/rules/index.js'
import { jvmBytes, quantityBytes } from '../src/lint/rules/heap.js'

const reference = {
  elasticsearch:
    readFileSync('manifests/elasticsearch/service.yaml', 'utf8') +
    '---\n' +
    readFileSync('manifests/elasticsearch/statefulset.yaml', 'utf8'),
  opensearch:
    readFileSync('manifests/opensearch/service.yaml', 'utf8') +
    '---\n' +
    readFileSync('manifests/opensearch/statefulset.yaml', 'utf8')
}

/** Lints the reference manifests with one edit applied; the edit must change something. */
function lintEdited(
  engine: keyof typeof reference,
  from: string | RegExp,
  to: string,
  ...more: [string | RegExp, string][]
): ReturnType<typeof lint> {
  let text = reference[engine]
  for (const [f, t] of [[from, to], ...more] as [string | RegExp, string][]) {
    const edited = text.replace(f, t)
    expect(edited).not.toBe(text)
    text = edited
  }
  const dir = mkdtempSync(join(tmpdir(), 'lint-'))
  writeFileSync(join(dir, 'all.yaml'), text)
  return lint([dir])
}

const ids = (r: ReturnType<typeof lint>): string[] =>
  r.findings.filter((f) => f.severity !== 'info').map((f) => f.ruleId)

describe('lint', () => {
  it.each(['manifests/elasticsearch', 'manifests/opensearch'])(
    'finds no error or warning in the reference manifests %s',
    (dir) => {
      expect(ids(lint([dir]))).toEqual([])
    }
  )

  const cases: [string, keyof typeof reference, string | RegExp, string, RegExp][] = [
    [
      'headless-service',
      'elasticsearch',
      'clusterIP: None',
      'clusterIP: 10.96.0.10',
      /Service es-cluster is not headless/
    ],
    [
      'headless-service',
      'elasticsearch',
      'serviceName: es-cluster',
      'serviceName: elastic',
      /serviceName 'elastic' names no Service/
    ],
    [
      'headless-service',
      'elasticsearch',
      /selector:\n {4}app: es/,
      'selector:\n    app: other',
      /does not select the pods/
    ],
    [
      'selector-labels',
      'elasticsearch',
      /matchLabels:\n {6}app: es/,
      'matchLabels:\n      app: elastic',
      /does not match the pod template labels/
    ],
    [
      'discovery-names',
      'elasticsearch',
      /(initial_master_nodes\n *value: )[^\n]+/,
      '$1es-cluster-0,es-cluster-1,es-cluster-2',
      /lists 'es-cluster-0', which is no node's node\.name/
    ],
    [
      'discovery-names',
      'elasticsearch',
      /(seed_hosts\n *value: )[^\n]+/,
      '$1es-0.es-cluster',
      /seed_hosts entry 'es-0\.es-cluster' is not a pod/
    ],
    [
      'discovery-names',
      'opensearch',
      'cluster.initial_cluster_manager_nodes',
      'cluster.initial_nothing',
      /sets no cluster\.initial_cluster_manager_nodes/
    ],
    [
      'single-node-replicas',
      'elasticsearch',
      '- name: cluster.name',
      '- name: discovery.type\n              value: single-node\n            - name: cluster.name',
      /single-node with 3 replicas/
    ],
    [
      'data-path',
      'elasticsearch',
      'mountPath: /usr/share/elasticsearch/data',
      'mountPath: /data',
      /mounted at \/data, but elasticsearch keeps its data in \/usr\/share\/elasticsearch\/data/
    ],
    ['heap', 'elasticsearch', '-Xms512m -Xmx512m', '-Xms256m -Xmx512m', /-Xms256m and -Xmx512m/],
    [
      'heap',
      'elasticsearch',
      '-Xms512m -Xmx512m',
      '-Xms768m -Xmx768m',
      /more than half of the memory limit 1Gi/
    ],
    [
      'heap',
      'opensearch',
      /limits:\n {14}memory: 1Gi/,
      'limits:\n              cpu: 1',
      /has no memory limit/
    ],
    [
      'security',
      'elasticsearch',
      / *- name: xpack.security.enabled\n *value: 'false'\n/,
      '',
      /security is on by default/
    ],
    [
      'security',
      'opensearch',
      / *- name: DISABLE_SECURITY_PLUGIN\n *value: 'true'\n/,
      '',
      /OPENSEARCH_INITIAL_ADMIN_PASSWORD/
    ],
    ['even-masters', 'elasticsearch', 'replicas: 3', 'replicas: 4', /4 master-eligible nodes/],
    [
      'image-tag',
      'elasticsearch',
      'elasticsearch/elasticsearch:9.1.0',
      'elasticsearch/elasticsearch',
      /has no tag/
    ]
  ]

  it('ordered-ready trips on OrderedReady, a health readiness probe and no publishNotReadyAddresses', () => {
    const result = lintEdited(
      'elasticsearch',
      'podManagementPolicy: Parallel',
      'podManagementPolicy: OrderedReady',
      ['publishNotReadyAddresses: true', 'publishNotReadyAddresses: false'],
      [
        /tcpSocket:\n( *)port: api/,
        'httpGet:\n$1path: /_cluster/health?wait_for_status=green\n$1port: api'
      ]
    )
    expect(result.findings.find((f) => f.ruleId === 'ordered-ready')?.message).toMatch(
      /can never bootstrap/
    )
  })

  it.each(cases)('%s trips on a manifest that breaks it', (rule, engine, from, to, message) => {
    const result = lintEdited(engine, from, to)
    const hit = result.findings.find((f) => f.ruleId === rule && message.test(f.message))
    expect(hit).toBeDefined()
    expect(hit!.line).toBeGreaterThan(0)
    expect(hit!.hint.length).toBeGreaterThan(10)
  })

  it('statefulset-shape trips on a replicas count that is not a number, and the other rules survive it', () => {
    const result = lintEdited('elasticsearch', 'replicas: 3', 'replicas: three')
    expect(result.findings.find((f) => f.ruleId === 'statefulset-shape')?.message).toMatch(
      /replicas is "three", not a whole number/
    )
  })

  it('compares seed hosts as DNS does: a port, a trailing dot and upper case still name the pod', () => {
    const r = lintEdited(
      'elasticsearch',
      /(seed_hosts\n *value: )[^\n]+/,
      '$1ES-Cluster-0.es-cluster:9300,es-cluster-1.es-cluster.,es-clustr-2.es-cluster'
    )
    const seeds = r.findings.filter((f) => /seed_hosts entry/.test(f.message))
    expect(seeds.map((f) => f.message)).toEqual([
      expect.stringMatching(/^discovery\.seed_hosts entry 'es-clustr-2\.es-cluster' is not a pod/)
    ])
  })

  it('reports vm.max_map_count as information only, and not when mmap is off', () => {
    expect(lint(['manifests/elasticsearch']).findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['max-map-count', 'info']
    ])
    const off = lintEdited(
      'elasticsearch',
      '- name: cluster.name',
      "- name: node.store.allow_mmap\n              value: 'false'\n            - name: cluster.name"
    )
    expect(off.findings.map((f) => f.ruleId)).not.toContain('max-map-count')
  })

  it("flags the article's own manifest: /data mount, no memory limit, no budget, no spread, 7.1.1", () => {
    expect(ids(lint(['manifests/article-three-node'])).sort()).toEqual([
      'anti-affinity',
      'data-path',
      'disruption-budget',
      'end-of-life',
      'heap'
    ])
  })

  it('is quiet about what the reference manifests already do (budget, spread, maintained engine, rolling updates)', () => {
    for (const dir of ['manifests/elasticsearch', 'manifests/opensearch'])
      expect(
        ids(lint([dir])).filter((id) =>
          ['disruption-budget', 'anti-affinity', 'end-of-life', 'update-strategy'].includes(id)
        )
      ).toEqual([])
  })

  it('flags OnDelete, under which a rolling upgrade never starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lint-ondelete-'))
    try {
      const text = readFileSync('manifests/elasticsearch/statefulset.yaml', 'utf8').replace(
        '  podManagementPolicy: Parallel',
        '  podManagementPolicy: Parallel\n  updateStrategy:\n    type: OnDelete'
      )
      writeFileSync(join(dir, 'statefulset.yaml'), text)
      const finding = lint([dir]).findings.find((f) => f.ruleId === 'update-strategy')
      expect(finding).toMatchObject({ severity: 'warning', line: 16 })
      expect(finding?.message).toMatch(/updateStrategy OnDelete: .* a rolling upgrade never starts/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('writes text, JSON and SARIF 2.1.0 with file, line and rule', () => {
    const result = lintEdited('elasticsearch', 'replicas: 3', 'replicas: 4')
    expect(formatFindings(result, 'text')).toMatch(/all\.yaml:\d+:\d+: warning \[even-masters\]/)
    expect(JSON.parse(formatFindings(result, 'json')).findings[0].ruleId).toBeDefined()
    const sarif = toSarif(result) as {
      version: string
      runs: {
        tool: { driver: { rules: unknown[] } }
        results: {
          ruleId: string
          locations: { physicalLocation: { region: { startLine: number } } }[]
        }[]
      }[]
    }
    expect(sarif.version).toBe('2.1.0')
    expect(sarif.runs[0].tool.driver.rules).toHaveLength(RULES.length)
    expect(
      sarif.runs[0].results.find((r) => r.ruleId === 'even-masters')!.locations[0].physicalLocation
        .region.startLine
    ).toBeGreaterThan(0)
    expect(formatFindings({ findings: [], files: ['a'] }, 'text')).toBe('No findings in 1 file(s).')
  })

  it('sizes JVM and Kubernetes quantities', () => {
    expect(jvmBytes('512m')).toBe(512 * 2 ** 20)
    expect(quantityBytes('1Gi')).toBe(2 ** 30)
    expect(quantityBytes('1G')).toBe(1e9)
    expect(Number.isNaN(quantityBytes('lots'))).toBe(true)
  })
})
