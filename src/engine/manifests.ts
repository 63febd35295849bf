import { readFileSync, readdirSync, statSync } from 'node:fs'
import { extname, join } from 'node:path'
import {
  LineCounter,
  parseAllDocuments,
  isMap,
  isSeq,
  isScalar,
  type Node as YamlNode,
  type Document,
  type Pair
} from 'yaml'
import { UsageError } from './errors.js'

/** A Kubernetes object read from a manifest, with where it came from. */
export interface ManifestObject {
  file: string
  /** 1-based line of the document's first line. */
  line: number
  object: KubeObject
  /** Finds the 1-based line and column of a path inside the object (for findings and annotations). */
  locate: (path: (string | number)[]) => { line: number; column: number }
}

export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: {
    name: string
    namespace?: string
    labels?: Record<string, string>
    [k: string]: unknown
  }
  spec?: Record<string, unknown>
  [k: string]: unknown
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json'])

/** Lists manifest files: files as given, directories' YAML and JSON files in name order. */
export function listManifestFiles(paths: string[]): string[] {
  const files: string[] = []
  for (const p of paths) {
    let stat
    try {
      stat = statSync(p)
    } catch {
      throw new UsageError(`Manifest path '${p}' does not exist.`, { file: p })
    }
    if (stat.isDirectory()) {
      const found = readdirSync(p)
        .filter((f) => MANIFEST_EXTENSIONS.has(extname(f)))
        .sort()
        .map((f) => join(p, f))
      if (found.length === 0)
        throw new UsageError(`Manifest directory '${p}' holds no .yaml, .yml or .json files.`, {
          file: p
        })
      files.push(...found)
    } else {
      files.push(p)
    }
  }
  return files
}

function locator(doc: Document, lineCounter: LineCounter): ManifestObject['locate'] {
  return (path) => {
    let node: YamlNode | null | undefined = doc.contents as YamlNode
    let best = node
    for (const key of path) {
      if (isMap(node)) {
        const pair: Pair | undefined = node.items.find(
          (p) => isScalar(p.key) && p.key.value === key
        )
        node = (pair?.value as YamlNode) ?? undefined
        if (pair?.key && !node) node = pair.key as YamlNode
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key] as YamlNode
      } else node = undefined
      if (!node) break
      best = node
    }
    const offset = best?.range?.[0] ?? 0
    const pos = lineCounter.linePos(offset)
    return { line: pos.line, column: pos.col }
  }
}

/**
 * Parses every document of every file, keeping line numbers. Empty documents are skipped;
 * a YAML error or a document that is not a Kubernetes object is a UsageError naming file:line.
 */
export function loadManifests(paths: string[]): ManifestObject[] {
  return parseManifests(
    listManifestFiles(paths).map((file) => ({ file, text: readFileSync(file, 'utf8') })),
    paths
  )
}

/** Parses manifest texts that did not come from the work tree (a git ref's files, for example). */
export function parseManifests(
  sources: { file: string; text: string }[],
  paths: string[]
): ManifestObject[] {
  const objects: ManifestObject[] = []
  for (const { file, text } of sources) {
    const lineCounter = new LineCounter()
    const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false })
    const list = Array.isArray(docs) ? docs : [docs]
    for (const doc of list) {
      const error = doc.errors[0]
      if (error) {
        const pos = lineCounter.linePos(error.pos[0])
        throw new UsageError(
          `${file}:${pos.line}:${pos.col}: not valid YAML: ${error.message.split('\n')[0]}`,
          { file, line: pos.line, column: pos.col }
        )
      }
      let value: unknown
      try {
        // The default alias limit stops a billion-laughs document; say which file it was.
        value = doc.toJS({ maxAliasCount: 100 })
      } catch (err) {
        throw new UsageError(
          `${file}: not usable YAML: ${(err as Error).message.split('\n')[0]} (anchors and aliases expand beyond a sane size).`,
          { file }
        )
      }
      if (value === null || value === undefined) continue
      const start = lineCounter.linePos(doc.contents?.range?.[0] ?? 0).line
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw new UsageError(
          `${file}:${start}: expected a Kubernetes object (a mapping with apiVersion, kind and metadata.name), found ${Array.isArray(value) ? 'a list' : `'${String(value)}'`}.`,
          { file, line: start }
        )
      }
      const obj = value as Partial<KubeObject>
      const missing = ['apiVersion', 'kind'].filter(
        (k) => typeof obj[k as keyof KubeObject] !== 'string'
      )
      if (typeof obj.metadata?.name !== 'string') missing.push('metadata.name')
      if (missing.length) {
        throw new UsageError(
          `${file}:${start}: not a Kubernetes object: missing ${missing.join(', ')}.`,
          { file, line: start }
        )
      }
      if (obj.kind === 'List' && Array.isArray(obj.items)) {
        throw new UsageError(
          `${file}:${start}: a List of objects is not supported; write one document per object.`,
          { file, line: start }
        )
      }
      objects.push({
        file,
        line: start,
        object: obj as KubeObject,
        locate: locator(doc, lineCounter)
      })
    }
  }
  if (objects.length === 0)
    throw new UsageError(`No Kubernetes objects found in ${paths.join(', ')}.`, { file: paths[0] })
  return objects
}

/** Picks the StatefulSet to verify: the one named, or the only one. */
export function selectStatefulSet(objects: ManifestObject[], name?: string): ManifestObject {
  const sets = objects.filter((o) => o.object.kind === 'StatefulSet')
  const described = sets.map((s) => `${s.object.metadata.name} (${s.file}:${s.line})`).join(', ')
  if (name) {
    const found = sets.find((s) => s.object.metadata.name === name)
    if (!found)
      throw new UsageError(
        `Invalid statefulset '${name}'. The manifests hold ${sets.length ? `these StatefulSets: ${described}` : 'no StatefulSet'}.`
      )
    return found
  }
  if (sets.length === 0) {
    const kinds = objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`).join(', ')
    throw new UsageError(
      `The manifests hold no StatefulSet (found: ${kinds}). Expected a StatefulSet running Elasticsearch or OpenSearch.`
    )
  }
  if (sets.length > 1)
    throw new UsageError(
      `The manifests hold several StatefulSets: ${described}. Name one with statefulset.`
    )
  return sets[0]
}

/** Typed view of the parts of a StatefulSet the engine reads. */
export interface StatefulSetView {
  name: string
  replicas: number
  serviceName?: string
  selector: Record<string, string>
  containerName: string
  image: string
  env: Record<string, string>
}

/** Reads what the engine needs from a StatefulSet object; `container` picks the Elasticsearch container. */
export function viewStatefulSet(obj: KubeObject, container?: string): StatefulSetView {
  const spec = (obj.spec ?? {}) as {
    replicas?: number
    serviceName?: string
    selector?: { matchLabels?: Record<string, string> }
    template?: {
      spec?: {
        containers?: { name: string; image?: string; env?: { name: string; value?: string }[] }[]
      }
    }
  }
  const containers = spec.template?.spec?.containers ?? []
  const chosen = container ? containers.find((c) => c.name === container) : containers[0]
  if (!chosen) {
    throw new UsageError(
      container
        ? `Invalid container '${container}'. StatefulSet ${obj.metadata.name} has containers: ${containers.map((c) => c.name).join(', ') || 'none'}.`
        : `StatefulSet ${obj.metadata.name} has no containers.`
    )
  }
  return {
    name: obj.metadata.name,
    replicas: spec.replicas ?? 1,
    serviceName: spec.serviceName,
    selector: spec.selector?.matchLabels ?? {},
    containerName: chosen.name,
    image: chosen.image ?? '',
    env: Object.fromEntries(
      (chosen.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!])
    )
  }
}

/** Returns a copy of the object with the chosen container's image replaced. */
export function overrideImage(obj: KubeObject, containerName: string, image: string): KubeObject {
  const copy = structuredClone(obj)
  const containers =
    (copy.spec as { template?: { spec?: { containers?: { name: string; image?: string }[] } } })
      ?.template?.spec?.containers ?? []
  for (const c of containers) if (c.name === containerName) c.image = image
  return copy
}

/** Images of every container and init container of the workload objects, for preloading. */
export function imagesOf(objects: ManifestObject[]): string[] {
  const images = new Set<string>()
  for (const { object } of objects) {
    const spec = (
      object.spec as {
        template?: {
          spec?: { containers?: { image?: string }[]; initContainers?: { image?: string }[] }
        }
      }
    )?.template?.spec
    for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])])
      if (c.image) images.add(c.image)
  }
  return [...images]
}
