import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import {
  podReason,
  summarizePod,
  describePods,
  podOfNode,
  isReady,
  describeHealth
} from '../src/engine/observe.js'
import type { PodView } from '../src/engine/kube/client.js'
import { fixture } from './helpers/fixtures.js'

const pod = (group: string, name: string): PodView => fixture(group, name).body as PodView

describe('what a pod looked like, from pods the API server returned', () => {
  it('names ImagePullBackOff with the message', () => {
    expect(podReason(pod('kubernetes', 'api-pod-imagepullbackoff'))).toMatch(
      /^ImagePullBackOff: Back-off pulling image "registry\.example\/nope:1"/
    )
  })

  it('names an unschedulable pod waiting for its claim', () => {
    expect(podReason(pod('kubernetes', 'api-pod-unbound-pvc'))).toMatch(
      /^Unschedulable: .*unbound immediate PersistentVolumeClaims/
    )
  })

  it('summarizes a ready engine pod', () => {
    const p = pod('elasticsearch', 'api-pod')
    expect(isReady(p)).toBe(true)
    expect(summarizePod(p)).toMatchObject({
      name: 'es-cluster-0',
      phase: 'Running',
      ready: true,
      restarts: 0,
      terminating: false
    })
  })

  it('counts restarts of a pod whose process was killed', () => {
    const s = summarizePod(pod('elasticsearch', 'api-pod-crashloop'))
    expect(s.restarts).toBeGreaterThan(0)
    expect(describePods([s])).toMatch(/es-cluster-1 .*restarts/)
  })

  it('maps a node to its pod by IP, then by name', () => {
    const pods = (fixture('elasticsearch', 'api-pods').body as { items: PodView[] }).items.map(
      summarizePod
    )
    const byIp = podOfNode({ name: 'whatever', ip: pods[1].ip! }, pods)
    expect(byIp?.name).toBe(pods[1].name)
    expect(podOfNode({ name: 'es-cluster-2.es-cluster', ip: '10.0.0.1' }, pods)?.name).toBe(
      'es-cluster-2'
    )
    expect(podOfNode({ name: 'other', ip: '10.0.0.1' }, pods)).toBeUndefined()
    expect(describeHealth(undefined, 3)).toBe('cluster health not known')
  })
})

describe('tellingLine', () => {
  it('prefers an error, then the cluster-formation complaint, then a warning, then the last line', async () => {
    const { tellingLine } = await import('../src/engine/observe.js')
    const formation =
      '[t][WARN ][o.e.c.c.ClusterFormationFailureHelper] [n] master not discovered yet'
    const timedOut =
      '[t][WARN ][o.e.n.Node               ] [n] timed out while waiting for initial discovery state - timeout: 30s'
    expect(tellingLine([formation, timedOut, '[t][INFO ][o.e.n.Node] started'].join('\n'))).toBe(
      formation
    )
    expect(tellingLine(['ERROR: [1] bootstrap checks failed', formation].join('\n'))).toBe(
      'ERROR: [1] bootstrap checks failed'
    )
    expect(tellingLine([timedOut, '[t][INFO ] started'].join('\n'))).toBe(timedOut)
    expect(tellingLine('a\nb\n')).toBe('b')
    const deprecation =
      '[t][WARN ][o.e.d.n.Node             ] [n] no-jdk distributions that do not bundle a JDK are deprecated'
    expect(tellingLine([timedOut, deprecation].join('\n'))).toBe(timedOut)
    expect(tellingLine('')).toBeUndefined()
  })

  it('quotes the failed bootstrap check itself, not the lines the engine prints around it', async () => {
    const { tellingLine } = await import('../src/engine/observe.js')
    // Captured on the upstream node: Elasticsearch 7.17 with -Xms256m -Xmx512m, its own bootstrap.
    const log = readFileSync(
      '__fixtures__/logs/es-kubelet-heap-mismatch-es-cluster-0.previous.log',
      'utf8'
    )
    expect(tellingLine(log)).toBe(
      'bootstrap check failure [1] of [1]: initial heap size [268435456] not equal to maximum heap size [536870912]; this can cause resize pauses'
    )
  })
})
