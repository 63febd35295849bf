import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { consequence, mostTellingLine } from '../src/engine/explain.js'

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
