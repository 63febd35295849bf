import { describe, expect, it } from '@jest/globals'
import { loadManifests, selectStatefulSet, viewStatefulSet } from '../src/engine/manifests.js'
import { httpScheme } from '../src/engine/steps/form.js'

const envOf = (dir: string): Record<string, string> =>
  viewStatefulSet(selectStatefulSet(loadManifests([dir])).object).env

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
