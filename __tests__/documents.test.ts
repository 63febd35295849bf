import { describe, expect, it } from '@jest/globals'
import { CatApi, EsRequestError } from '../src/engine/es/cat-api.js'
import { DocumentApi, idsChecksum } from '../src/engine/es/documents.js'
import { ScriptedTransport, fixtureResponse } from './helpers/fixtures.js'

describe.each(['elasticsearch', 'opensearch'])('DocumentApi on %s answers', (engine) => {
  const answer = (name: string) => fixtureResponse(engine, name)
  const docsWith = (route: (path: string, query: Record<string, string>) => string) => {
    const transport = new ScriptedTransport((_pod, path, query) => answer(route(path, query)))
    return { docs: new DocumentApi(new CatApi(transport)), transport }
  }

  it('creates the test index with its shards, replicas and write alias', async () => {
    const { docs, transport } = docsWith(() => 'index-create')
    await docs.createIndex('p-0', 'idx', { shards: 3, replicas: 1 }, 'idx-write')
    expect(transport.requests[0]).toMatchObject({ path: 'idx', method: 'PUT' })
    expect(JSON.parse(transport.requests[0].body!)).toEqual({
      settings: { number_of_shards: 3, number_of_replicas: 1 },
      aliases: { 'idx-write': {} }
    })
  })

  it('bulk-indexes through the alias and counts what was acknowledged', async () => {
    const { docs, transport } = docsWith(() => 'bulk')
    const result = await docs.bulkIndex('p-0', 'fx-docs-write', [
      { id: 'seed-0', body: { seq: 0 } },
      { id: 'seed-1', body: { seq: 1 } }
    ])
    expect(result).toEqual({ acked: ['seed-0', 'seed-1'], failures: [] })
    expect(transport.requests[0].query).toMatchObject({
      require_alias: 'true',
      refresh: 'wait_for'
    })
    expect(transport.requests[0].body!.trim().split('\n')).toHaveLength(4)
  })

  it('names the failures of a bulk request the engine refused in part', async () => {
    const { docs } = docsWith(() => 'bulk-no-alias')
    const result = await docs.bulkIndex('p-0', 'fx-docs', [{ id: 'seed-9', body: {} }])
    expect(result.acked).toEqual([])
    expect(result.failures[0]).toMatch(/^seed-9: 404 index_not_found_exception/)
  })

  it('acknowledges a created document, and refuses one written twice or to a lost alias', async () => {
    await expect(
      docsWith(() => 'doc-create').docs.indexOne('p-0', 'w', 'w-1', {}, 5000)
    ).resolves.toBeUndefined()
    await expect(
      docsWith(() => 'doc-create-conflict').docs.indexOne('p-0', 'w', 'w-1', {}, 5000)
    ).rejects.toThrow(/409 \(version_conflict_engine_exception/)
    await expect(
      docsWith(() => 'doc-create-no-alias').docs.indexOne('p-0', 'w', 'w-2', {}, 5000)
    ).rejects.toThrow(/404 \(index_not_found_exception/)
  })

  it('reads a document, a missing one, and fails on a lost index', async () => {
    await expect(docsWith(() => 'doc-get').docs.getOne('p-0', 'i', 'seed-0', 5000)).resolves.toBe(
      true
    )
    await expect(
      docsWith(() => 'doc-get-missing').docs.getOne('p-0', 'i', 'absent', 5000)
    ).resolves.toBe(false)
    await expect(
      docsWith(() => 'doc-get-no-index').docs.getOne('p-0', 'i', 'seed-0', 5000)
    ).rejects.toThrow(EsRequestError)
  })

  it('finds the ids the index does not hold, and all of them when the index is gone', async () => {
    await expect(
      docsWith(() => 'mget').docs.missing('p-0', 'fx-docs', ['seed-0', 'absent', 'w-1'])
    ).resolves.toEqual(['absent'])
    await expect(
      docsWith(() => 'mget-no-index').docs.missing('p-0', 'gone', ['seed-0'])
    ).resolves.toEqual(['seed-0'])
  })

  it('tells the cluster status, and unavailable when no master answers', async () => {
    await expect(
      docsWith(() => 'cluster-health-master-timeout').docs.clusterStatus('p-0', 4000)
    ).resolves.toBe('green')
    await expect(
      docsWith(() => 'masterless-cluster-health').docs.clusterStatus('p-0', 4000)
    ).resolves.toBe('unavailable')
  })
})

describe('idsChecksum', () => {
  it('does not depend on order, and changes with the set', () => {
    expect(idsChecksum(['a', 'b'])).toBe(idsChecksum(['b', 'a']))
    expect(idsChecksum(['a', 'b'])).not.toBe(idsChecksum(['a']))
  })
})
