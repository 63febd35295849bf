import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import {
  bootstrapComplaint,
  crashedForGood,
  finalPullError,
  separateClusters,
  unmatchableBootstrap
} from '../src/engine/diagnose.js'
import type { PodView } from '../src/engine/kube/client.js'
import { fixture } from './helpers/fixtures.js'

const pod = (group: string, name: string): PodView => fixture(group, name).body as PodView
const pods = (group: string): PodView[] =>
  (fixture(group, 'api-pods').body as { items: PodView[] }).items
/** Logs of three real nodes whose cluster.initial_master_nodes match no node.name (the local cluster). */
const unmatchedLogs = new Map(
  [0, 1, 2].map((i) => [
    `es-cluster-${i}`,
    readFileSync(`__fixtures__/logs/es-unmatched-bootstrap-es-cluster-${i}.log`, 'utf8')
  ])
)

describe('terminal causes', () => {
  it('a pull the kubelet already retried and that can never succeed is final', () => {
    expect(finalPullError([pod('kubernetes', 'api-pod-imagepullbackoff')])).toMatch(
      /^Pod nope cannot pull the image of container nope, and retrying will not help: ImagePullBackOff: Back-off pulling image "registry\.example\/nope:1"/
    )
  })

  it('running pods have no pull problem', () => {
    expect(finalPullError(pods('elasticsearch'))).toBeUndefined()
  })

  it('a container killed by a signal (deleted, OOM) may heal: not final', () => {
    const crashloop = pod('elasticsearch', 'api-pod-crashloop')
    expect(crashloop.status!.containerStatuses![0].lastState!.terminated!.exitCode).toBe(137)
    expect(crashedForGood([crashloop], () => 'anything')).toBeUndefined()
  })

  it('reads who waits for which names, and whom it found, from the engine’s own complaint', () => {
    const c = bootstrapComplaint(unmatchedLogs.get('es-cluster-2')!)
    expect(c).toMatchObject({
      self: 'es-cluster-2.es-cluster',
      required: ['es-cluster-0', 'es-cluster-1', 'es-cluster-2']
    })
    expect([...c!.discovered].sort()).toEqual([
      'es-cluster-0.es-cluster',
      'es-cluster-1.es-cluster',
      'es-cluster-2.es-cluster'
    ])
  })

  it('every node found every peer and no required name is a node: it can never bootstrap', () => {
    expect(unmatchableBootstrap(unmatchedLogs, 3)).toMatch(
      /^The nodes found each other \(.*\) but can never bootstrap: cluster\.initial_master_nodes names es-cluster-0, es-cluster-1, es-cluster-2, which is no node's node\.name\. The engine says: .*ClusterFormationFailureHelper/
    )
  })

  it('keeps waiting while a node has not yet found all its peers, or a node has not complained', () => {
    expect(unmatchableBootstrap(unmatchedLogs, 4)).toBeUndefined()
    const two = new Map([...unmatchedLogs].slice(0, 2))
    expect(unmatchableBootstrap(two, 3)).toBeUndefined()
  })

  it('nodes in distinct clusters never merge; nodes not yet in any cluster may', () => {
    expect(
      separateClusters(
        new Map([
          ['a', 'u1'],
          ['b', 'u2'],
          ['c', 'u1']
        ])
      )
    ).toMatch(/^The nodes formed 2 separate clusters: a, c in cluster u1; b in cluster u2\./)
    expect(
      separateClusters(
        new Map([
          ['a', 'u1'],
          ['b', '_na_'],
          ['c', '_na_']
        ])
      )
    ).toBeUndefined()
  })
})
