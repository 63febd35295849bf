import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { actionYml, readmeWithTables } from '../scripts/docs.js'
import { OPTION_SPECS } from '../src/engine/options.js'

describe('generated documentation', () => {
  it('action.yml is what the option specs generate (run `npm run docs` when this fails)', () => {
    expect(readFileSync('action.yml', 'utf8')).toBe(actionYml())
  })

  it("README's tables are current (run `npm run docs` when this fails)", () => {
    const readme = readFileSync('README.md', 'utf8')
    expect(readme).toBe(readmeWithTables(readme))
  })

  it('action.yml runs on node24 with post always, and has an input per option', () => {
    const action = parse(readFileSync('action.yml', 'utf8')) as {
      runs: Record<string, string>
      inputs: Record<string, { required: boolean }>
    }
    expect(action.runs).toMatchObject({
      using: 'node24',
      main: 'dist/main.js',
      post: 'dist/post.js',
      'post-if': 'always()'
    })
    for (const spec of OPTION_SPECS) expect(action.inputs[spec.name]).toBeDefined()
    expect(Object.values(action.inputs).every((i) => i.required === false)).toBe(true)
  })
})
