/**
 * Benchmark: how long a broken manifest takes to get its verdict, and what clean-up costs, on
 * the local cluster, with the default timeouts (formation 10m). Also the reference scenario done
 * the way people script it by hand (API calls equivalent to kubectl, and `sleep 5` loops: wait
 * green, find the master, delete it, wait for a new master, wait green) beside the verifier.
 *
 *   node lib/scripts/bench-verdict.js
 *
 * Prints figures; asserts nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { verify } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import { nullLogger } from '../src/engine/logger.js'
import { KubeClient } from '../src/engine/kube/client.js'
import { loadManifests } from '../src/engine/manifests.js'

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
  ['vm.max_map_count too low (prepare-host off)', { 'prepare-host': 'false' }]
]

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** The reference scenario as a script with `sleep 5` loops would do it; returns its wall time. */
async function byHand(name: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-hand-'))
  const kubeconfig = join(dir, 'kubeconfig')
  execFileSync(process.execPath, [
    LOCAL_CLUSTER,
    'up',
    '--name',
    name,
    '--detach',
    '--sysctl',
    'host',
    '--kubeconfig',
    kubeconfig
  ])
  const kube = KubeClient.fromFile(kubeconfig)
  const ns = 'default'
  const started = Date.now()
  try {
    for (const m of loadManifests(['manifests/elasticsearch'])) await kube.apply(m.object, ns)
    const proxy = (pod: string, path: string): Promise<{ status: number; body: string }> =>
      kube.raw('GET', `/api/v1/namespaces/${ns}/pods/${pod}:9200/proxy/${path}`, {
        timeoutMs: 35_000
      })
    const green = async (pod: string): Promise<void> => {
      for (;;) {
        const res = await proxy(pod, '_cat/health?h=status,node.total').catch(() => ({
          status: 0,
          body: ''
        }))
        if (res.status === 200 && /^green 3/.test(res.body.trim())) return
        await sleep(5000)
      }
    }
    await green('es-cluster-0')
    const master = (await proxy('es-cluster-0', '_cat/master?h=node')).body.trim().split('.')[0]
    const pod = await kube.getPod(ns, master)
    await kube.deletePod(ns, master, pod!.metadata.uid)
    const survivor = ['es-cluster-0', 'es-cluster-1', 'es-cluster-2'].find((p) => p !== master)!
    for (;;) {
      await sleep(5000)
      const res = await proxy(survivor, '_cat/master?h=node').catch(() => ({ status: 0, body: '' }))
      if (res.status === 200 && res.body.trim() && !res.body.startsWith(master)) break
    }
    await green(survivor)
    return Date.now() - started
  } finally {
    await kube.close()
    execFileSync(process.execPath, [LOCAL_CLUSTER, 'down', '--name', name])
    rmSync(dir, { recursive: true, force: true })
  }
}

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
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'))
  const verifierStarted = Date.now()
  const report = await verify(
    parseOptions({
      provider: 'local',
      'report-dir': dir,
      'data-checks': 'false',
      'cluster-name': 'bench-verifier'
    }),
    nullLogger
  )
  // Like for like: from applying the manifests to green again after the kill.
  const phase = (n: string) => report.phases.find((p) => p.name === n)
  const verifierMs =
    phase('apply') && phase('rejoin-1')
      ? phase('rejoin-1')!.endedAt - phase('apply')!.startedAt
      : Date.now() - verifierStarted
  rmSync(dir, { recursive: true, force: true })
  const handMs = await byHand('bench-by-hand')
  console.log(
    `\nreference scenario, from applying the manifests to green again after killing the master:\n` +
      `  es-k8s-verify (data checks off): ${(verifierMs / 1000).toFixed(1)}s (${report.verdict})\n` +
      `  by hand, sleep 5 loops:           ${(handMs / 1000).toFixed(1)}s\n` +
      `  ratio by hand / verifier:         ${(handMs / verifierMs).toFixed(2)}`
  )
}

await main()
