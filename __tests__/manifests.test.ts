import { describe, expect, it } from '@jest/globals'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  loadManifests,
  selectStatefulSet,
  viewStatefulSet,
  overrideImage,
  imagesOf,
  listManifestFiles
} from '../src/engine/manifests.js'
import { UsageError } from '../src/engine/errors.js'

const here = '__tests__/manifests'

describe('loadManifests', () => {
  it('reads the reference manifests in name order, with line numbers', () => {
    const objects = loadManifests(['manifests/elasticsearch'])
    expect(objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`)).toEqual([
      'PodDisruptionBudget/es-cluster',
      'Service/es-cluster',
      'StatefulSet/es-cluster'
    ])
    expect(objects[1].file).toBe('manifests/elasticsearch/service.yaml')
    expect(objects[1].line).toBe(2)
    expect(objects[2].locate(['spec', 'replicas'])).toEqual({ line: 11, column: 13 })
  })

  it('names file and line of a YAML error', () => {
    expect(() => loadManifests([`${here}/bad-yaml.yaml`])).toThrow(
      /bad-yaml\.yaml:\d+:\d+: not valid YAML/
    )
  })

  it('refuses a document that is not a Kubernetes object', () => {
    expect(() => loadManifests([`${here}/list.yaml`])).toThrow(
      /list\.yaml:1: expected a Kubernetes object.*found a list/
    )
    expect(() => loadManifests([`${here}/no-name.yaml`])).toThrow(
      /no-name\.yaml:1: not a Kubernetes object: missing metadata\.name/
    )
  })

  it('refuses an empty file and an empty directory', () => {
    expect(() => loadManifests([`${here}/empty.yaml`])).toThrow(/No Kubernetes objects found/)
    const dir = mkdtempSync(join(tmpdir(), 'empty-'))
    expect(() => listManifestFiles([dir])).toThrow(/holds no \.yaml, \.yml or \.json files/)
    expect(() => listManifestFiles(['nope/nothing'])).toThrow(UsageError)
  })
})

describe('selectStatefulSet', () => {
  const objects = loadManifests(['manifests/elasticsearch', 'manifests/opensearch'])

  it('asks which one when there are several, listing them', () => {
    expect(() => selectStatefulSet(objects)).toThrow(
      /several StatefulSets: es-cluster \(manifests\/elasticsearch\/statefulset\.yaml:2\), os-cluster/
    )
    expect(selectStatefulSet(objects, 'os-cluster').object.metadata.name).toBe('os-cluster')
    expect(() => selectStatefulSet(objects, 'nope')).toThrow(/Invalid statefulset 'nope'/)
  })

  it('says what was found when there is none', () => {
    expect(() => selectStatefulSet(objects.filter((o) => o.object.kind === 'Service'))).toThrow(
      /no StatefulSet \(found: Service\/es-cluster, Service\/os-cluster\)/
    )
  })
})

describe('viewStatefulSet', () => {
  const sts = selectStatefulSet(loadManifests(['manifests/elasticsearch']))

  it('reads replicas, selector, container, image and literal env', () => {
    const v = viewStatefulSet(sts.object)
    expect(v).toMatchObject({
      name: 'es-cluster',
      replicas: 3,
      serviceName: 'es-cluster',
      selector: { app: 'es' },
      containerName: 'es'
    })
    expect(v.env['cluster.name']).toBe('k8s-cluster')
    expect(() => viewStatefulSet(sts.object, 'sidecar')).toThrow(
      /Invalid container 'sidecar'\. StatefulSet es-cluster has containers: es/
    )
  })

  it('overrides the image of one container without touching the original', () => {
    const copy = overrideImage(sts.object, 'es', 'example/es:1')
    expect(viewStatefulSet(copy).image).toBe('example/es:1')
    expect(viewStatefulSet(sts.object).image).toMatch(/elasticsearch:/)
    expect(imagesOf([sts])).toEqual([viewStatefulSet(sts.object).image])
  })
})
