import { describe, expect, it } from '@jest/globals'
import { AuthenticationError, CatApi, EsRequestError } from '../src/engine/es/cat-api.js'
import { mastersSeenBy } from '../src/engine/observe.js'
import { GiveUp } from '../src/engine/retry.js'
import { fixtureResponse, ScriptedTransport } from './helpers/fixtures.js'

const engines = ['elasticsearch', 'opensearch'] as const

describe('CatApi against Elasticsearch 8 assembled from Maven Central (no root endpoint)', () => {
  it('tells the engine from its node info when / answers 405', async () => {
    const transport = new ScriptedTransport((_pod, path) =>
      fixtureResponse(
        'elasticsearch-8',
        path === '/'
          ? 'root'
          : path === '_nodes/_local'
            ? 'nodes-local-version'
            : 'cluster-state-uuid-local'
      )
    )
    const api = new CatApi(transport)
    expect(await api.engine('p-0')).toEqual({
      distribution: 'elasticsearch',
      version: '8.19.21',
      major: 8,
      clusterName: 'probe8',
      clusterUuid: 'vRTBd2URQUmZ_Nu-tQ4qYQ'
    })
    expect(transport.requests.map((r) => r.path)).toEqual([
      '/',
      '_nodes/_local',
      '_cluster/state/metadata'
    ])
  })

  it('does not hide other failures of the root endpoint', async () => {
    const api = new CatApi(
      new ScriptedTransport(() => ({
        status: 503,
        body: '{"error":"unavailable"}',
        fromTransport: false
      }))
    )
    await expect(api.engine('p-0')).rejects.toThrow(/answered 503/)
  })
})

describe('CatApi against Elasticsearch 8 with security on, asked without credentials', () => {
  // Captured through the API server's pod proxy from manifests/elasticsearch-8-secured.
  const refused = (): ScriptedTransport =>
    new ScriptedTransport(() =>
      fixtureResponse('elasticsearch-8', 'cat-master-local-401-missing-credentials')
    )

  it('says that the engine asked for authentication, quoting it, and how to give credentials', async () => {
    const failure = new CatApi(refused()).localMaster('es-cluster-0').catch((e: unknown) => e)
    await expect(failure).resolves.toBeInstanceOf(AuthenticationError)
    await expect(failure).resolves.toMatchObject({
      status: 401,
      message: expect.stringMatching(
        /^The engine asked for authentication \(HTTP 401 from es-cluster-0, _cat\/master: security_exception: missing authentication credentials for REST request \[\/_cat\/master\?v=true&local=true\]\): security is on in these manifests\. Pass username and password/
      )
    })
  })

  it('with a user given, says that the engine refused that user', async () => {
    // Captured through curl in the pod (exec transport) with a wrong password.
    const transport = Object.assign(
      new ScriptedTransport(() =>
        fixtureResponse('elasticsearch-8', 'cat-master-local-401-refused-user')
      ),
      { user: 'verifier' }
    )
    await expect(new CatApi(transport).localMaster('es-cluster-1')).rejects.toThrow(
      /^The engine refused user 'verifier' \(HTTP 401 from es-cluster-1, _cat\/master: security_exception: unable to authenticate user \[verifier\] for REST request \[\/_cat\/master\?v=true&local=true\]\)\. Check username and password\.$/
    )
  })

  it('ends a wait for masters at once instead of counting the pod as unreachable', async () => {
    await expect(mastersSeenBy(new CatApi(refused()), ['es-cluster-0'])).rejects.toBeInstanceOf(
      GiveUp
    )
    const other = new CatApi(
      new ScriptedTransport(() => ({ status: 503, body: '{}', fromTransport: true }))
    )
    expect((await mastersSeenBy(other, ['es-cluster-0'])).get('es-cluster-0')).toMatch(
      /^unreachable: /
    )
  })
})

describe('CatApi against Elasticsearch 9.5 on a node that knows no master', () => {
  // Captured on the local cluster right after two of three nodes were killed.
  const answers = (state: string) =>
    new ScriptedTransport((_pod, path) =>
      path === '_cat/master'
        ? fixtureResponse('elasticsearch-9', 'masterless-cat-master-local')
        : fixtureResponse('elasticsearch-9', state)
    )

  it('reads "no master" from the node’s own cluster state when _cat/master fails with a 500', async () => {
    const transport = answers('masterless-cluster-state-local')
    expect(await new CatApi(transport).localMaster('es-cluster-0')).toBeUndefined()
    expect(transport.requests.map((r) => r.path)).toEqual([
      '_cat/master',
      '_cluster/state/master_node,nodes'
    ])
    // mastersSeenBy shows the survivor's view, not "unreachable".
    const views = await mastersSeenBy(new CatApi(answers('masterless-cluster-state-local')), [
      'es-cluster-0'
    ])
    expect(views.get('es-cluster-0')).toBeUndefined()
  })

  it('and the elected master from it once there is one', async () => {
    expect(await new CatApi(answers('cluster-state-local')).localMaster('es-cluster-0')).toEqual({
      id: 'AiZEl10UQmGR1DktMmu3Kg',
      name: 'es-cluster-0.es-cluster',
      ip: '10.244.10.5'
    })
  })

  it('still fails when the node’s own cluster state fails too', async () => {
    const transport = new ScriptedTransport(() =>
      fixtureResponse('elasticsearch-9', 'masterless-cat-master-local')
    )
    await expect(new CatApi(transport).localMaster('es-cluster-0')).rejects.toThrow(
      /null_pointer_exception/
    )
  })
})

describe.each(engines)('CatApi against answers captured from %s', (engine) => {
  it('tells the engine from the root endpoint', async () => {
    const api = new CatApi(new ScriptedTransport(() => fixtureResponse(engine, 'root')))
    const info = await api.engine('p-0')
    expect(info.distribution).toBe(engine)
    expect(info.major).toBe(engine === 'opensearch' ? 2 : 7)
    expect(api.distribution).toBe(engine)
  })

  it('reads health by named columns', async () => {
    const api = new CatApi(new ScriptedTransport(() => fixtureResponse(engine, 'cat-health')))
    expect(await api.health('p-0')).toMatchObject({
      status: 'green',
      nodes: 3,
      dataNodes: 3,
      unassigned: 0,
      cluster: 'k8s-cluster'
    })
  })

  it('finds the elected master in _cat/nodes', async () => {
    const api = new CatApi(new ScriptedTransport(() => fixtureResponse(engine, 'cat-nodes')))
    const nodes = await api.nodes('p-0')
    expect(nodes).toHaveLength(3)
    expect(nodes.filter((n) => n.master === '*')).toHaveLength(1)
  })

  it("asks each engine's own route for the local master and reads an empty row as none", async () => {
    const transport = new ScriptedTransport((_pod, _path, query) =>
      fixtureResponse(engine, query.local ? 'masterless-cat-master-local' : 'cat-master-local')
    )
    const api = new CatApi(transport)
    await api.engine('p-0').catch(() => undefined)
    api.distribution = engine
    expect(await api.localMaster('p-0')).toBeUndefined()
    expect(transport.requests[transport.requests.length - 1].path).toBe(
      engine === 'opensearch' ? '_cat/cluster_manager' : '_cat/master'
    )
    const known = new CatApi(
      new ScriptedTransport(() => fixtureResponse(engine, 'cat-master-local'))
    )
    known.distribution = engine
    expect((await known.localMaster('p-0'))?.name).toMatch(/-cluster-\d\./)
  })

  it('names the 503 of a masterless node', async () => {
    const api = new CatApi(
      new ScriptedTransport(() => fixtureResponse(engine, 'masterless-cluster-health'))
    )
    const err = await api.health('p-0').catch((e: unknown) => e)
    expect((err as EsRequestError).type).toMatch(
      /^(master|cluster_manager)_not_discovered_exception$/
    )
    expect((err as Error).message).toMatch(
      /answered 503 \((master|cluster_manager)_not_discovered_exception/
    )
  })

  it('reports the 400 for parameters _cat/health does not take', async () => {
    const api = new CatApi(
      new ScriptedTransport(() => fixtureResponse(engine, 'cat-health-bad-param'))
    )
    const err = (await api.health('p-0').catch((e: unknown) => e)) as EsRequestError
    expect(err.status).toBe(400)
    expect(err.type).toBe('illegal_argument_exception')
  })

  it('reads the local cluster state: UUID, master, members', async () => {
    const api = new CatApi(
      new ScriptedTransport(() => fixtureResponse(engine, 'cluster-state-nodes'))
    )
    const state = await api.localState('p-0')
    expect(state.clusterUuid).toMatch(/^[\w-]{22}$/)
    expect(Object.keys(state.nodes)).toHaveLength(3)
    expect(state.nodes[state.masterNodeId!]).toBeDefined()
  })
})

describe('CatApi failures on the way in', () => {
  it('marks the API server proxy failing to reach a pod as unreachable', async () => {
    const api = new CatApi(
      new ScriptedTransport(() => ({
        status: 503,
        body: '{"kind":"Status","message":"error trying to reach service: dial tcp 10.244.0.2:9200: connect: connection refused"}',
        fromTransport: true
      }))
    )
    const err = (await api.health('p-0').catch((e: unknown) => e)) as EsRequestError
    expect(err.type).toBe('unreachable')
    expect(err.message).toMatch(/connection refused/)
  })

  it('turns a thrown transport error into an EsRequestError', async () => {
    const api = new CatApi(new ScriptedTransport(() => Promise.reject(new Error('socket hang up'))))
    await expect(api.nodes('p-0')).rejects.toThrow(/p-0: _cat\/nodes: socket hang up/)
    expect((await api.snapshot('p-0', '_cat/health', {})).status).toBe(0)
  })
})
