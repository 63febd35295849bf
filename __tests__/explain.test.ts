import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { consequence, linkPreflight, mostTellingLine } from '../src/engine/explain.js'
import { VerificationError } from '../src/engine/errors.js'
import { loadManifests } from '../src/engine/manifests.js'
import type { RunContext } from '../src/engine/scenario.js'

/** A real survivor's log: two master-eligible nodes, the killed one back with a new ID (data path off the volume). */
const survivor = readFileSync('__fixtures__/logs/es-quorum-lost-survivor.log', 'utf8')
const unmatched = readFileSync('__fixtures__/logs/es-unmatched-bootstrap-es-cluster-0.log', 'utf8')

describe('the engine’s own reason', () => {
  it('quotes the election requirement, and names the rules that predict it', () => {
    const t = mostTellingLine(new Map([['es-cluster-1', survivor]]))
    expect(t?.pod).toBe('es-cluster-1')
    expect(t?.line).toMatch(
      /an election requires a node with id \[ewPuDMcbQo2sld81cxa3ng\], have only discovered non-quorum/
    )
    expect(t?.rules).toEqual(['even-masters', 'data-path'])
  })

  it('explains that the voting configuration needs the killed node’s lost ID, and the ID it came back with', () => {
    const t = mostTellingLine(new Map([['es-cluster-1', survivor]]))!
    expect(
      consequence(t.line, {
        pod: 'es-cluster-0',
        node: 'es-cluster-0.es-cluster',
        nodeIdBefore: 'ewPuDMcbQo2sld81cxa3ng'
      })
    ).toMatch(
      /^The voting configuration still needs es-cluster-0's old node ID ewPuDMcbQo2sld81cxa3ng, but it came back as y53fCfbxSPS3k_s1yGMVpA: .*can never succeed/
    )
  })

  it('says nothing it cannot back: another node’s ID is only a lost majority', () => {
    const t = mostTellingLine(new Map([['es-cluster-1', survivor]]))!
    expect(
      consequence(t.line, { pod: 'es-cluster-2', nodeIdBefore: 'someone-else-entirely-xx' })
    ).toMatch(/^The survivors cannot form a majority/)
  })

  it('prefers the election requirement over a plain "not discovered"; finds bootstrap complaints too', () => {
    expect(mostTellingLine(new Map([['a', unmatched]]))?.rules).toEqual(['discovery-names'])
    expect(mostTellingLine(new Map([['a', 'nothing to see\n']]))).toBeUndefined()
  })
})

describe('formation verdicts point at the preflight finding', () => {
  const ctxOf = (dir: string) =>
    ({ manifests: { objects: loadManifests([dir]) } }) as unknown as RunContext

  it('puts the finding that foresaw the cause right after the first line', () => {
    const err = new VerificationError(
      'Peer names never resolve: es-cluster-1.es-cluster names Service es-cluster, which does not exist.\nPods: es-cluster-0 Running.'
    )
    // The article's StatefulSet without its Service: what headless-service predicts.
    const dir = 'manifests/article-three-node/statefulset.yaml'
    const linked = linkPreflight(ctxOf(dir), err) as VerificationError
    const lines = linked.message.split('\n')
    expect(lines[0]).toBe(err.message.split('\n')[0])
    expect(lines[1]).toMatch(
      /^Preflight predicted it: \[headless-service\] serviceName 'es-cluster' names no Service/
    )
    expect(lines[2]).toBe('Pods: es-cluster-0 Running.')
  })

  it('leaves a verdict alone when no rule foresees its cause, or no finding applies', () => {
    const pull = new VerificationError('Pod es-cluster-0 cannot pull the image of container es')
    expect(linkPreflight(ctxOf('manifests/elasticsearch'), pull)).toBe(pull)
    const other = new VerificationError('Timed out after 600.0s waiting for green')
    expect(linkPreflight(ctxOf('manifests/article-three-node'), other)).toBe(other)
  })
})
