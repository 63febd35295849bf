/**
 * Benchmark: how soon the verifier notices each event after it really happened, and what it
 * costs, on the local cluster. Compares the verifier's timeline with the cluster's ground truth
 * (containerd's events and each engine's own "master node changed" log line).
 *
 *   node lib/scripts/bench.js [--runs 3] [--manifests manifests/elasticsearch] [--image IMAGE] [--kill-mode graceful]
 *                             [--compare-data-checks]
 *
 * With --compare-data-checks each run is done twice, data checks on and off (alternating), and
 * the failover and rejoin times and the verifier's CPU of both are printed side by side.
 *
 * Prints figures; asserts nothing.
 */
import { readFileSync, mkdtempSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { verify } from '../src/engine/verify.js'
import { parseOptions } from '../src/engine/options.js'
import { nullLogger } from '../src/engine/logger.js'
import type { TimelineEntry } from '../src/engine/timeline.js'
import { runByHand } from './by-hand.js'
import type { GroundTruthEvent } from '../local-cluster/agent/ground-truth.js'

interface Lag {
  event: string
  truth: number
  seen: number
}

function lags(
  timeline: TimelineEntry[],
  truth: GroundTruthEvent[],
  killedPod: string,
  newMaster: string
): Lag[] {
  const out: Lag[] = []
  const at = (event: string): number | undefined => timeline.find((e) => e.event === event)?.at
  const masterChanges = truth.filter((e) => e.event === 'master-changed')
  // Green: the cluster is green once the last node applied the first elected master (no indices yet).
  const firstMaster = masterChanges.find((e) => (e.detail as { master: string }).master)
  const formed = masterChanges.filter(
    (e) =>
      (e.detail as { master: string }).master ===
      (firstMaster?.detail as { master: string } | undefined)?.master
  )
  const killedExit = truth.find((e) => e.event === 'process-exited' && e.pod === killedPod)
  // The verifier's green needs every pod Ready too (its readiness probe runs every few seconds).
  const readyBeforeGreen = truth.filter(
    (e) => e.event === 'container-ready' && at('green') && e.ts <= at('green')!
  )
  if (formed.length >= 3 && at('green'))
    out.push({
      event: 'green',
      truth: Math.max(formed[2].ts, ...readyBeforeGreen.map((e) => e.ts)),
      seen: at('green')!
    })
  if (killedExit && at('master-lost'))
    out.push({ event: 'master lost', truth: killedExit.ts, seen: at('master-lost')! })
  const elected = masterChanges.filter(
    (e) =>
      killedExit &&
      e.ts >= killedExit.ts &&
      (e.detail as { master: string }).master === newMaster &&
      e.pod !== killedPod
  )
  if (elected.length && at('new-master'))
    out.push({
      event: 'new master',
      truth: Math.max(...elected.map((e) => e.ts)),
      seen: at('new-master')!
    })
  const back = truth.find(
    (e) =>
      e.event === 'pod-ip-assigned' && e.pod === killedPod && killedExit && e.ts > killedExit.ts
  )
  if (back && at('pod-back')) out.push({ event: 'pod back', truth: back.ts, seen: at('pod-back')! })
  const ready = truth.find(
    (e) =>
      e.event === 'container-ready' && e.pod === killedPod && killedExit && e.ts > killedExit.ts
  )
  // The first time the verifier saw the killed pod's successor Ready, in whichever phase.
  const killedAt = at('kill') ?? 0
  const readySeen = timeline.find(
    (e) => e.event === 'pod-ready' && e.at > killedAt && e.message.startsWith(`${killedPod} `)
  )?.at
  if (ready && readySeen) out.push({ event: 'pod ready', truth: ready.ts, seen: readySeen })
  const rejoined = masterChanges.find(
    (e) =>
      e.pod === killedPod &&
      killedExit &&
      e.ts > killedExit.ts &&
      (e.detail as { master: string }).master
  )
  if (rejoined && at('node-rejoined'))
    out.push({
      event: 'node rejoined',
      truth: Math.max(rejoined.ts, ready?.ts ?? 0),
      seen: at('node-rejoined')!
    })
  return out
}

/** Resident memory of the local cluster's processes (control plane, node, engine JVMs in their containers), in MiB. */
function clusterRssMiB(): number {
  const ps = execFileSync('ps', ['-eo', 'rss=,args='], { encoding: 'utf8' })
  return (
    ps
      .split('\n')
      .filter((l) =>
        /es-k8s-verify\/bin\/|local-cluster(\.js|\/agent\/main\.js)|containerd|org\.(elasticsearch|opensearch)\.bootstrap\./.test(
          l
        )
      )
      .reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0]), 0) / 1024
  )
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      manifests: { type: 'string', default: 'manifests/elasticsearch' },
      image: { type: 'string' },
      'kill-mode': { type: 'string', default: 'graceful' },
      'compare-data-checks': { type: 'boolean', default: false },
      'compare-by-hand': { type: 'boolean', default: false }
    }
  })
  const byHand = values['compare-by-hand']
  const handRows: { verifierMs: number; handMs: number; steps: string }[] = []
  // By hand means no data checks: the verifier runs the same scenario for the comparison.
  const modes = values['compare-data-checks'] ? ['true', 'false'] : byHand ? ['false'] : ['true']
  const byMode: Record<string, { newMaster: number[]; green: number[]; cpu: number[] }> = {}
  process.env.ES_K8S_VERIFY_LOCAL_CLUSTER ??= resolve('lib/local-cluster/agent/main.js')
  const all: Record<string, number[]> = {}
  const rows: string[] = []
  for (let n = 0; n < Number(values.runs) * modes.length; n++) {
    const i = Math.floor(n / modes.length) + 1
    const dataChecks = modes[n % modes.length]
    const dir = mkdtempSync(join(tmpdir(), 'bench-'))
    let peakMiB = 0
    const sampler = setInterval(() => (peakMiB = Math.max(peakMiB, clusterRssMiB())), 500)
    const cpuBefore = process.cpuUsage()
    const wallBefore = Date.now()
    const report = await verify(
      parseOptions({
        provider: 'local',
        manifests: values.manifests,
        ...(values.image ? { image: values.image } : {}),
        'kill-mode': values['kill-mode'],
        'report-dir': dir,
        'data-checks': dataChecks,
        'cluster-name': `bench-${i}`
      }),
      nullLogger
    )
    const cpu = process.cpuUsage(cpuBefore)
    const wall = Date.now() - wallBefore
    clearInterval(sampler)
    if (report.verdict !== 'passed') {
      rows.push(`run ${i}: FAILED: ${report.error?.message}`)
      continue
    }
    const timeline = JSON.parse(readFileSync(join(dir, 'timeline.json'), 'utf8')) as TimelineEntry[]
    const truth = readFileSync(join(dir, 'provider', 'ground-truth.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as GroundTruthEvent)
    if (byHand) {
      const applied = timeline.find((e) => e.event === 'applied')!.at
      const greenAgain = timeline.filter((e) => e.event === 'green').at(-1)!.at
      const hand = await runByHand(values.manifests, `bench-hand-${i}`)
      handRows.push({
        verifierMs: greenAgain - applied,
        handMs: hand.wallMs,
        steps: hand.steps.map((s) => `${s.name} ${(s.ms / 1000).toFixed(1)}s`).join(', ')
      })
    }
    const round = report.rounds[0]
    for (const lag of lags(timeline, truth, round.masterBefore.pod, round.masterAfter!.node))
      (all[lag.event] ??= []).push(lag.seen - lag.truth)
    const cpuMs = (cpu.user + cpu.system) / 1000
    ;(all['verifier CPU ms'] ??= []).push(cpuMs)
    const m = (byMode[dataChecks] ??= { newMaster: [], green: [], cpu: [] })
    m.newMaster.push(report.failoverMs ?? 0)
    m.green.push(report.rejoinMs ?? 0)
    m.cpu.push((cpuMs / wall) * 100)
    rows.push(
      `run ${i} (data checks ${dataChecks === 'true' ? 'on' : 'off'}): wall ${(wall / 1000).toFixed(1)}s, time to green ${((report.timeToGreenMs ?? 0) / 1000).toFixed(1)}s, new master after kill ${report.failoverMs} ms, green again after ${((report.rejoinMs ?? 0) / 1000).toFixed(1)}s; verifier CPU ${cpuMs.toFixed(0)} ms (${((cpuMs / wall) * 100).toFixed(1)}% of one core); cluster peak RSS ${peakMiB.toFixed(0)} MiB`
    )
  }
  console.log(rows.join('\n'))
  console.log('\nevent            noticed after it happened (ms): min / median / max   (n)')
  for (const [event, values_] of Object.entries(all)) {
    if (event === 'verifier CPU ms') continue
    const sorted = [...values_].sort((a, b) => a - b)
    console.log(
      `${event.padEnd(16)} ${String(sorted[0]).padStart(6)} / ${String(sorted[Math.floor(sorted.length / 2)]).padStart(6)} / ${String(sorted[sorted.length - 1]).padStart(6)}   (${sorted.length})`
    )
  }
  if (handRows.length) {
    console.log(
      '\nrun   verifier: apply → green again after the new master   by hand (sleep 5 loops)   ratio   by-hand steps'
    )
    handRows.forEach((r, i) =>
      console.log(
        `${String(i + 1).padEnd(5)} ${`${(r.verifierMs / 1000).toFixed(1)}s`.padStart(47)}   ${`${(r.handMs / 1000).toFixed(1)}s`.padStart(23)}   ${(r.handMs / r.verifierMs).toFixed(2).padStart(5)}   ${r.steps}`
      )
    )
  }
  if (byMode.true && byMode.false) {
    const median = (xs: number[]): number =>
      [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
    const on = byMode.true
    const off = byMode.false
    console.log(
      '\ndata checks   new master after kill (median ms)   green again after kill (median s)   verifier CPU (median % of a core)'
    )
    for (const [name, m] of [
      ['on', on],
      ['off', off]
    ] as const)
      console.log(
        `${name.padEnd(13)} ${String(median(m.newMaster)).padStart(32)}   ${(median(m.green) / 1000).toFixed(1).padStart(33)}   ${median(m.cpu).toFixed(1).padStart(33)}`
      )
    const pct = (a: number, b: number): string => `${(((a - b) / b) * 100).toFixed(0)}%`
    console.log(
      `on vs off     ${pct(median(on.newMaster), median(off.newMaster)).padStart(32)}   ${pct(median(on.green), median(off.green)).padStart(33)}`
    )
  }
}

await main()
