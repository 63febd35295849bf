import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { loadManifests, selectStatefulSet, viewStatefulSet } from '../src/engine/manifests.js'
import { httpScheme, securityOnWithoutAnonymous } from '../src/engine/security.js'
import { editedManifests } from './helpers/local-cluster.js'

function manifestSet(dir: string) {
  const objects = loadManifests([dir])
  const statefulset = selectStatefulSet(objects)
  return { objects, statefulset, view: viewStatefulSet(statefulset.object) }
}
const envOf = (dir: string): Record<string, string> => manifestSet(dir).view.env

describe('the scheme of the engines’ HTTP port', () => {
  it('auto: https for manifests that turn TLS on for HTTP, http for the others', () => {
    expect(httpScheme('auto', envOf('manifests/elasticsearch-8-secured'))).toBe('https')
    expect(httpScheme('auto', envOf('manifests/elasticsearch'))).toBe('http')
    expect(httpScheme('auto', envOf('manifests/opensearch'))).toBe('http')
    expect(httpScheme('auto', { 'plugins.security.ssl.http.enabled': 'True' })).toBe('https')
    expect(httpScheme('auto', { 'xpack.security.http.ssl.enabled': 'false' })).toBe('http')
  })

  it('a scheme given wins over what the manifests say', () => {
    expect(httpScheme('http', envOf('manifests/elasticsearch-8-secured'))).toBe('http')
    expect(httpScheme('https', envOf('manifests/elasticsearch'))).toBe('https')
  })
})

describe('manifests whose engine refuses every request without credentials', () => {
  it('points at the setting that turns security on', () => {
    const at = securityOnWithoutAnonymous(manifestSet('manifests/elasticsearch-8-secured'))
    expect(at).toMatchObject({ file: 'manifests/elasticsearch-8-secured/statefulset.yaml' })
    const lines = readFileSync(at!.file, 'utf8').split('\n')
    expect(lines[at!.line - 1]).toMatch(/- name: xpack\.security\.enabled$/)
  })

  it('not with security off, nor with anonymous access', () => {
    expect(securityOnWithoutAnonymous(manifestSet('manifests/elasticsearch'))).toBeUndefined()
    const anonymous = editedManifests('manifests/elasticsearch-8-secured', [
      [
        '            - name: xpack.security.http.ssl.enabled\n',
        '            - name: xpack.security.authc.anonymous.roles\n              value: monitor\n            - name: xpack.security.http.ssl.enabled\n'
      ]
    ])
    expect(securityOnWithoutAnonymous(manifestSet(anonymous))).toBeUndefined()
  })
})
