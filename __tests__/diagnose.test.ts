import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import {
  bootstrapComplaint,
  crashedForGood,
  startupFatalLine,
  finalPullError,
  peerNameNeverResolves,
  seedHostNames,
  seedHostsThatNeverResolve,
  peersNeverResolve,
  quantityMillicores,
  separateClusters,
  unmatchableBootstrap,
  unresolvedHosts,
  unschedulableForGood,
  type NodeView,
  type ServiceView
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

  it('a pull that failed on the way (registry slow or rate-limited) may still succeed: not final', () => {
    // The real pod in ImagePullBackOff, its message replaced by transient registry failures.
    for (const message of [
      'Back-off pulling image "docker.elastic.co/elasticsearch/elasticsearch:8.19.0": rpc error: code = Unknown desc = dial tcp 34.120.127.130:443: i/o timeout',
      'Back-off pulling image "docker.elastic.co/elasticsearch/elasticsearch:8.19.0": toomanyrequests: You have reached your pull rate limit',
      'Back-off pulling image "docker.elastic.co/elasticsearch/elasticsearch:8.19.0": context deadline exceeded'
    ]) {
      const slow = pod('kubernetes', 'api-pod-imagepullbackoff')
      slow.status!.containerStatuses![0].state!.waiting!.message = message
      expect(finalPullError([slow])).toBeUndefined()
    }
  })

  it('running pods have no pull problem', () => {
    expect(finalPullError(pods('elasticsearch'))).toBeUndefined()
  })

  it('a container killed by a signal (deleted, OOM) may heal: not final', () => {
    const crashloop = pod('elasticsearch', 'api-pod-crashloop')
    expect(crashloop.status!.containerStatuses![0].lastState!.terminated!.exitCode).toBe(137)
    expect(crashedForGood([crashloop], () => 'anything')).toBeUndefined()
  })

  it('an engine whose main thread dies at start-up on the real kubelet fails for good, quoting the throwable', () => {
    // Captured on the upstream node: an OpenSearch image missing a jar, restarted by the kubelet.
    const crashloop = pod('kubernetes', 'api-pod-kubelet-crashloop-missing-class')
    const log = readFileSync('__fixtures__/logs/os-missing-class-os-cluster-0.previous.log', 'utf8')
    expect(startupFatalLine(log)).toBe(
      'java.lang.NoClassDefFoundError: org/opensearch/plugins/ExtendedPluginsClassLoader'
    )
    expect(crashedForGood([crashloop], () => log)).toMatch(
      /^Container opensearch of pod os-cluster-0 cannot start: its engine died during start-up again after a restart \(exit 1\): java\.lang\.NoClassDefFoundError: org\/opensearch\/plugins\/ExtendedPluginsClassLoader$/
    )
  })

  it('an Elasticsearch 8 that fails while booting fails for good, quoting the exception, not its closing ERROR line', () => {
    // Captured on the upstream node: a module whose entitlement policy names a module it lacks.
    const crashloop = pod('kubernetes', 'api-pod-kubelet-crashloop-missing-class')
    const log = readFileSync(
      '__fixtures__/logs/es8-policy-module-missing-es-cluster-0.previous.log',
      'utf8'
    )
    expect(log).toContain('ERROR: Elasticsearch did not exit normally')
    expect(startupFatalLine(log)).toMatch(
      /^java\.lang\.IllegalStateException: Invalid module name in policy: layer \[x-pack-core\] does not have module \[org\.elasticsearch\.sslconfig\]/
    )
    expect(crashedForGood([crashloop], () => log)).toMatch(
      /cannot start: its engine died during start-up again after a restart \(exit 1\): java\.lang\.IllegalStateException: Invalid module name in policy/
    )
  })

  it('a start that failed on the data directory lock heals on the next try: not final', () => {
    const crashloop = pod('kubernetes', 'api-pod-kubelet-crashloop-missing-class')
    const log = readFileSync('__fixtures__/logs/os-missing-class-os-cluster-0.previous.log', 'utf8')
    const locked = log.replace(
      'java.lang.NoClassDefFoundError: org/opensearch/plugins/ExtendedPluginsClassLoader',
      'java.lang.IllegalStateException: failed to obtain node locks, tried [/usr/share/opensearch/data]'
    )
    expect(startupFatalLine(locked)).toBeUndefined()
    expect(crashedForGood([crashloop], () => locked)).toBeUndefined()
  })

  it('a command the runtime cannot start (StartError, exit 128) fails for good with the kubelet’s message', () => {
    const typo = pod('kubernetes', 'api-pod-kubelet-start-error')
    expect(crashedForGood([typo], () => undefined)).toMatch(
      /^Container typo of pod typo cannot be started, and fails alike on every restart: .*exec: "elasticsearh": executable file not found in \$PATH/
    )
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

describe('peer names and scheduling', () => {
  const services = (ns: string): ServiceView[] =>
    (fixture('kubernetes', `api-services-${ns}`).body as { items: ServiceView[] }).items
  const podsOf = (ns: string): PodView[] =>
    (fixture('kubernetes', `api-pods-${ns}`).body as { items: PodView[] }).items
  /** The log of a real node whose peers' names did not resolve (the Service was named es-nodes). */
  const unresolvedLog = readFileSync(
    '__fixtures__/logs/es-fx-peers-renamed-es-cluster-0.log',
    'utf8'
  )
  const logs = new Map([['es-cluster-0', unresolvedLog]])

  it('reads the names a node failed to resolve from its own warnings', () => {
    expect(unresolvedHosts(unresolvedLog)).toEqual(
      expect.arrayContaining(['es-cluster-1.es-cluster', 'es-cluster-2.es-cluster'])
    )
  })

  it('a Service under another name than the peers use: names the missing Service and the one there is', () => {
    expect(
      peersNeverResolve(
        logs,
        podsOf('fx-peers-renamed'),
        services('fx-peers-renamed'),
        'fx-peers-renamed'
      )
    ).toMatch(
      /^Peer names never resolve: es-cluster-\d\.es-cluster names Service es-cluster, which does not exist in namespace fx-peers-renamed \(headless Services there: es-nodes\)\.$/
    )
  })

  it('a Service that is not headless: says so, with its cluster IP', () => {
    expect(
      peersNeverResolve(
        logs,
        podsOf('fx-peers-clusterip'),
        services('fx-peers-clusterip'),
        'fx-peers-clusterip'
      )
    ).toMatch(
      /^Peer names never resolve: Service es-cluster is not headless \(clusterIP \d+\.\d+\.\d+\.\d+\)/
    )
  })

  it('a StatefulSet whose serviceName is not the Service the peers use: says which to set', () => {
    const pods = podsOf('fx-peers-ok').map((p) => ({
      ...p,
      spec: { ...p.spec, subdomain: 'es' }
    }))
    expect(peersNeverResolve(logs, pods, services('fx-peers-ok'), 'fx-peers-ok')).toMatch(
      /The StatefulSet's serviceName is es, so its pods are named es-cluster-\d\.es, never es-cluster-\d\.es-cluster\. Set serviceName: es-cluster/
    )
  })

  it('keeps waiting when the headless Service is there and selects the pods: the record is merely not published yet', () => {
    expect(
      peersNeverResolve(logs, podsOf('fx-peers-ok'), services('fx-peers-ok'), 'fx-peers-ok')
    ).toBeUndefined()
  })

  it('a name under the pods’ own subdomain that is none of them, once every pod exists: a typo that never resolves', () => {
    // The real log, with the peers' names misspelt as a seed_hosts typo would.
    const typo = new Map([['es-cluster-0', unresolvedLog.replaceAll('es-cluster-', 'es-clustr-')]])
    const pods = podsOf('fx-peers-ok')
    expect(peersNeverResolve(typo, pods, services('fx-peers-ok'), 'fx-peers-ok', 3)).toMatch(
      /^Peer names never resolve: es-clustr-\d\.es-cluster names no pod: the pods under es-cluster are es-cluster-0, es-cluster-1, es-cluster-2, and the StatefulSet makes no other\.$/
    )
    // While a pod of the StatefulSet is still missing, the name may be its: keep waiting.
    expect(peersNeverResolve(typo, pods, services('fx-peers-ok'), 'fx-peers-ok', 4)).toBeUndefined()
  })

  it('reads discovery.seed_hosts from the container env: ports, case and trailing dots dropped', () => {
    expect(
      seedHostNames({
        'discovery.seed_hosts':
          ' es-cluster-0.es-cluster:9300, ES-CLUSTER-1.es-cluster.,,es-cluster '
      })
    ).toEqual(['es-cluster-0.es-cluster', 'es-cluster-1.es-cluster', 'es-cluster'])
    expect(seedHostNames({ 'discovery.zen.ping.unicast.hosts': 'a.b' })).toEqual(['a.b'])
    expect(seedHostNames({ 'cluster.name': 'x' })).toBeUndefined()
  })

  it('tells the seed hosts that never resolve from those that do, may, or are not ours', () => {
    const never = seedHostsThatNeverResolve(
      [
        'es-cluster-0.es-cluster',
        'es-clustr-1.es-cluster',
        'es-cluster-2.es-cluster.fx-peers-ok.svc.cluster.local',
        'es-cluster',
        'elasticsearch-master-0.elasticsearch-master'
      ],
      podsOf('fx-peers-ok'),
      services('fx-peers-ok'),
      'fx-peers-ok',
      3
    )
    expect([...never.keys()]).toEqual(['es-clustr-1.es-cluster'])
    expect(never.get('es-clustr-1.es-cluster')).toMatch(/^es-clustr-1\.es-cluster names no pod/)
  })

  it('does not judge names that are not the pods of this StatefulSet', () => {
    expect(
      peerNameNeverResolves(
        'elasticsearch-master-0.elasticsearch-master',
        podsOf('fx-peers-ok'),
        [],
        'fx-peers-ok'
      )
    ).toBeUndefined()
  })

  it('a pod that asks more than any node can allocate can never be scheduled', () => {
    const nodes = (fixture('kubernetes', 'api-nodes').body as { items: NodeView[] }).items
    expect(
      unschedulableForGood([pod('kubernetes', 'api-pod-unschedulable-memory')], nodes)
    ).toMatch(
      /^Pod too-big can never be scheduled: it requests memory 4096\.0Gi where the largest node allocates \d+\.\dGi\. The scheduler says: 0\/1 nodes are available: .*Insufficient memory/
    )
  })

  it('a pod that merely waits for room is not final', () => {
    const nodes = (fixture('kubernetes', 'api-nodes').body as { items: NodeView[] }).items
    const waiting = pod('kubernetes', 'api-pod-unschedulable-memory')
    waiting.spec!.containers![0].resources = { requests: { memory: '1Mi' } }
    expect(unschedulableForGood([waiting], nodes)).toBeUndefined()
    expect(unschedulableForGood(pods('elasticsearch'), nodes)).toBeUndefined()
  })

  it('waits while the scheduler refuses for another reason (claims not yet bound), even when the request is too big', () => {
    const nodes = (fixture('kubernetes', 'api-nodes').body as { items: NodeView[] }).items
    const unbound = pod('kubernetes', 'api-pod-unbound-pvc')
    unbound.spec!.containers![0].resources = { requests: { memory: '4Ti' } }
    expect(unbound.status!.conditions![0].message).toMatch(/unbound/)
    expect(unschedulableForGood([unbound], nodes)).toBeUndefined()
  })

  it('reads CPU quantities as the API writes them', () => {
    expect(quantityMillicores('500m')).toBe(500)
    expect(quantityMillicores('2')).toBe(2000)
    expect(quantityMillicores('1.5')).toBe(1500)
  })
})
