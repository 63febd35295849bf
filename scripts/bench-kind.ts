/**
 * Benchmark: the real kind beside the local cluster, in the same run. For each provider and run:
 * how long the cluster took to create (the provision phase: `kind create cluster` and image
 * loading, or the local cluster's start), time to green, the new master after the kill, green
 * again, and the whole run, on the reference Elasticsearch manifests (one failover round).
 * The first kind run of a fresh Docker engine is the cold one (nothing of the node image in the
 * page cache); later runs are warm.
 *
 *   eval "$(bash scripts/kind-env.sh | sed 's/^/export /')"; PATH=$(dirname "$KIND"):$PATH
 *   node lib/scripts/bench-kind.js [--runs 2] [--manifests manifests/elasticsearch]
 *
 * Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { verify } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import { nullLogger } from '../src/engine/logger.js'
import type { Report } from '../src/engine/report.js'

const PROVIDERS = {
  kind: (): Record<string, string> => {
    const image = process.env.KIND_NODE_IMAGE
    if (!image)
      throw new Error('KIND_NODE_IMAGE is not set: export what scripts/kind-env.sh prints')
    return { provider: 'kind', 'kind-node-image': image, 'preload-images': 'true' }
  },
  local: (): Record<string, string> => ({ provider: 'local' })
}

const seconds = (ms: number | undefined): string =>
  ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`

function row(provider: string, run: number, report: Report): string {
  const provision = report.phases.find((p) => p.name === 'provision')?.durationMs
  return [
    provider,
    String(run),
    report.verdict,
    seconds(provision),
    seconds(report.timeToGreenMs),
    seconds(report.failoverMs),
    seconds(report.rejoinMs),
    seconds(report.durationMs)
  ].join(' | ')
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '2' },
      manifests: { type: 'string', default: 'manifests/elasticsearch' }
    }
  })
  const runs = Number(values.runs)
  console.log(
    '| provider | run | verdict | create | time to green | new master after kill | green again after kill | whole run |'
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
  for (let run = 1; run <= runs; run++) {
    for (const [name, options] of Object.entries(PROVIDERS)) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-kind-'))
      try {
        const report = await verify(
          parseOptions({
            ...options(),
            manifests: values.manifests!,
            'cluster-name': `bench-${name}`,
            'report-dir': dir
          }),
          nullLogger
        )
        console.log(`| ${row(name, run, report)} |`)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message)
  process.exit(1)
})
