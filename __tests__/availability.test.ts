import { describe, expect, it } from '@jest/globals'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  AvailabilityMonitor,
  ServingPods,
  describeAvailability
} from '../src/engine/availability.js'
import { CatApi } from '../src/engine/es/cat-api.js'
import { DocumentApi } from '../src/engine/es/documents.js'
import { Timeline } from '../src/engine/timeline.js'
import type { KubeClient, PodView } from '../src/engine/kube/client.js'
import type { VerificationError } from '../src/engine/errors.js'
import { ScriptedTransport, fixture, fixtureResponse } from './helpers/fixtures.js'

/** The pods as the real API server listed them (three Ready pods). */
const pods = (fixture('elasticsearch', 'api-pods').body as { items: PodView[] }).items
const kube = { listPods: async () => pods } as unknown as KubeClient

/** Answers as a real engine did: each request kind routed to its captured answer. */
function engine(answers: { write: () => string; health: () => string }) {
  return new ScriptedTransport((_pod, path, _query, send) => {
    if (send?.method === 'PUT') return fixtureResponse('elasticsearch', answers.write())
    if (path === '_cluster/health') return fixtureResponse('elasticsearch', answers.health())
    return fixtureResponse('elasticsearch', 'doc-get')
  })
}

function monitorOn(transport: ScriptedTransport, maxRedMs = 0, disrupted: string[] = []) {
  const serving = new ServingPods(kube, 'ns', { app: 'es' }, 0)
  serving.disrupt(disrupted)
  return new AvailabilityMonitor(
    new DocumentApi(new CatApi(transport)),
    serving,
    {
      index: 'idx-write',
      readIndex: 'idx',
      readIds: ['seed-0'],
      writesPerSecond: 50,
      pollIntervalMs: 20,
      maxRedMs,
      idPrefix: 't'
    },
    new Timeline(),
    'failover-1'
  )
}

describe('AvailabilityMonitor', () => {
  it('counts acknowledged writes, successful reads and green health on a healthy cluster', async () => {
    const monitor = monitorOn(
      engine({ write: () => 'doc-create', health: () => 'cluster-health-master-timeout' })
    )
    monitor.start({ armRed: true, onFailure: () => undefined })
    await sleep(300)
    const report = await monitor.stop()
    expect(report.writes.acked).toBeGreaterThan(5)
    expect(report.writes.failed).toBe(0)
    expect(monitor.acked).toHaveLength(report.writes.acked)
    expect(new Set(monitor.acked).size).toBe(monitor.acked.length)
    expect(report.reads.ok).toBeGreaterThan(3)
    expect(report.health.transitions.map((t) => t.status)).toEqual(['green'])
    expect(report.health.redMs).toBe(0)
    expect(describeAvailability(report)).toMatch(
      /^writes: \d+ acked, 0 failed, 0 lost; longest gap/
    )
  })

  it('measures the longest window without an acknowledged write and says why writes failed', async () => {
    let failing = false
    const monitor = monitorOn(
      engine({
        write: () => (failing ? 'doc-create-no-alias' : 'doc-create'),
        health: () => (failing ? 'masterless-cluster-health' : 'cluster-health-master-timeout')
      })
    )
    monitor.start({ armRed: true, onFailure: () => undefined })
    await sleep(100)
    failing = true
    await sleep(400)
    failing = false
    await sleep(150)
    const report = await monitor.stop()
    expect(report.writes.failed).toBeGreaterThan(0)
    expect(report.writes.longestGapMs).toBeGreaterThanOrEqual(380)
    expect(report.writes.errors[0]).toMatch(/index_not_found_exception/)
    expect(report.health.unavailableMs).toBeGreaterThanOrEqual(300)
    expect(report.health.transitions.map((t) => t.status)).toEqual([
      'green',
      'unavailable',
      'green'
    ])
  })

  it('stops the disruption at the first red when max-red is 0s', async () => {
    const failures: VerificationError[] = []
    const monitor = monitorOn(
      engine({ write: () => 'doc-create', health: () => 'masterless-cluster-health-local' })
    )
    monitor.start({ armRed: true, onFailure: (err) => failures.push(err) })
    await sleep(150)
    await monitor.stop()
    expect(failures).toHaveLength(1)
    expect(failures[0].message).toMatch(
      /The cluster went red during failover-1 \(max-red is 0s, so any red fails\)/
    )
    expect(monitor.failed).toBe(failures[0])
  })

  it('holds red against max-red only once armed (a full restart re-forming)', async () => {
    const failures: VerificationError[] = []
    const monitor = monitorOn(
      engine({ write: () => 'doc-create', health: () => 'masterless-cluster-health-local' }),
      10_000
    )
    monitor.start({ armRed: false, onFailure: (err) => failures.push(err) })
    await sleep(150)
    const report = await monitor.stop()
    expect(failures).toHaveLength(0)
    expect(report.health.redMs).toBeGreaterThan(0)
  })

  it('never sends a check to a disrupted pod', async () => {
    const transport = engine({
      write: () => 'doc-create',
      health: () => 'cluster-health-master-timeout'
    })
    const monitor = monitorOn(transport, 0, [pods[0].metadata.uid])
    monitor.start({ armRed: true, onFailure: () => undefined })
    await sleep(200)
    await monitor.stop()
    const used = new Set(transport.requests.map((r) => r.pod))
    expect(used.has(pods[0].metadata.name)).toBe(false)
    expect([...used].sort()).toEqual([pods[1].metadata.name, pods[2].metadata.name].sort())
  })
})
