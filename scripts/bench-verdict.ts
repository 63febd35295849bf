/**
 * Benchmark: how long a broken manifest takes to get its verdict, and what clean-up costs, on
 * the local cluster, with the default timeouts (formation 10m).
 *
 *   node lib/scripts/bench-verdict.js
 *
 * Prints figures; asserts nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { verify } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import { nullLogger } from '../src/engine/logger.js'

const LOCAL_CLUSTER = resolve('lib/local-cluster/agent/main.js')

/** A copy of a manifest directory with textual edits (the broken cases). */
function edited(dir: string, edits: [string | RegExp, string][]): string {
  const out = mkdtempSync(join(tmpdir(), 'bench-manifests-'))
  for (const file of ['service.yaml', 'statefulset.yaml']) {
    let text = readFileSync(join(dir, file), 'utf8')
    for (const [from, to] of edits) text = text.replace(from, to)
    writeFileSync(join(out, file), text)
  }
  return out
}

const BROKEN: [string, Record<string, string>][] = [
  ['image that does not exist', { image: 'registry.example/elasticsearch:1' }],
  [
    'discovery.type single-node x 3 replicas',
    {
      manifests: edited('manifests/elasticsearch', [
        [
          /(- name: )cluster\.initial_master_nodes\n( *value: )[^\n]+/,
          '$1discovery.type\n$2single-node'
        ]
      ])
    }
  ],
  [
    'initial master names that match no node',
    {
      manifests: edited('manifests/elasticsearch', [
        [/(initial_master_nodes\n *value: )[^\n]+/, '$1es-cluster-0,es-cluster-1,es-cluster-2']
      ])
    }
  ],
  [
    'claim of a StorageClass that does not exist',
    {
      manifests: edited('manifests/elasticsearch', [
        [
          "accessModes: ['ReadWriteOnce']",
          "storageClassName: nope\n        accessModes: ['ReadWriteOnce']"
        ]
      ])
    }
  ],
  ['vm.max_map_count too low (prepare-host off)', { 'prepare-host': 'false' }],
  [
    'headless Service under another name',
    {
      manifests: edited('manifests/elasticsearch', [
        [/^(metadata:\n {2}name: )es-cluster(\n {2}labels:)/m, '$1es-nodes$2']
      ])
    }
  ],
  [
    'Service not headless',
    { manifests: edited('manifests/elasticsearch', [['clusterIP: None', '']]) }
  ],
  [
    'memory request no node can hold',
    {
      manifests: edited('manifests/elasticsearch', [
        [/(requests:\n *cpu: 250m\n *memory: )1Gi(\n *limits:\n *memory: )1Gi/, '$14Ti$24Ti']
      ])
    }
  ]
]

async function main(): Promise<void> {
  process.env.ES_K8S_VERIFY_LOCAL_CLUSTER ??= LOCAL_CLUSTER
  console.log(
    'broken case                                     verdict after   clean-up   verdict starts with'
  )
  for (const [name, raw] of BROKEN) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'))
    const started = Date.now()
    const report = await verify(
      parseOptions({
        provider: 'local',
        preflight: 'false',
        'report-dir': dir,
        'data-checks': 'false',
        ...raw
      }),
      nullLogger
    )
    const failed = report.phases.find((p) => p.status === 'failed')
    const verdictMs = failed ? failed.endedAt - Date.parse(report.startedAt) : Date.now() - started
    const cleanupMs = Date.parse(report.endedAt) - (failed?.endedAt ?? Date.now())
    console.log(
      `${name.padEnd(48)} ${(verdictMs / 1000).toFixed(1).padStart(8)}s ${(cleanupMs / 1000).toFixed(1).padStart(9)}s   ${(report.error?.message ?? report.verdict).slice(0, 70)}`
    )
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
