import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { loadBaseManifests } from '../src/engine/base-manifests.js'
import { UsageError } from '../src/engine/errors.js'

/** These tests read this repository's own history, as a PR gate reads the base branch. */
describe('loadBaseManifests', () => {
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()

  it('reads the same paths at a git ref, with the ref in each file name', () => {
    const objects = loadBaseManifests(`git:${head}`, ['manifests/elasticsearch'])
    expect(objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`).sort()).toEqual([
      'PodDisruptionBudget/es-cluster',
      'Service/es-cluster',
      'StatefulSet/es-cluster'
    ])
    expect(objects[0].file).toMatch(new RegExp(`^${head}:manifests/elasticsearch/`))
    expect(objects[0].line).toBeGreaterThan(0)
  })

  it('says how to fetch a ref this clone does not have', () => {
    expect(() =>
      loadBaseManifests('git:origin/no-such-branch', ['manifests/elasticsearch'])
    ).toThrow(
      /The ref 'origin\/no-such-branch' is not in this clone.*git fetch --depth=1 origin no-such-branch/
    )
  })

  it.each(['git:--output=/tmp/x', 'git:a..b', 'git:ref;rm', 'git:'])(
    'refuses %j before running git',
    (value) => {
      expect(() => loadBaseManifests(value, ['manifests/elasticsearch'])).toThrow(UsageError)
      expect(() => loadBaseManifests(value, ['manifests/elasticsearch'])).toThrow(
        /Expected git:<ref> with a branch, tag or commit/
      )
    }
  )

  it('reads files as given when the value is not a git ref', () => {
    expect(loadBaseManifests('manifests/opensearch', [])[0].file).toMatch(
      /^manifests\/opensearch\//
    )
  })
})
