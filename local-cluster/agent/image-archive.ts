/**
 * Image archives of the images built here, for a cluster that does not pull from the local
 * registry (the real kind on a Docker engine): one tar that is both an OCI image layout (for
 * `ctr images import`, which `kind load image-archive` runs) and a `docker save` archive (its
 * manifest.json, for `docker load`), each image under the full name pods ask for. A tag of a
 * built major that was not built itself is the local registry's substitute, with the same note.
 */
import { execFileSync } from 'node:child_process'
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
  existsSync,
  copyFileSync
} from 'node:fs'
import { join, dirname } from 'node:path'
import { LocalRegistry } from './registry.js'

interface ImageManifest {
  config: { digest: string }
  layers: { digest: string }[]
}

const blobPath = (digest: string): string => join('blobs', 'sha256', digest.replace(/^sha256:/, ''))

/** Writes `out` holding every ref; throws naming the refs that were never built here. */
export function writeImageArchive(layout: string, refs: string[], out: string): void {
  const registry = new LocalRegistry(layout)
  const missing = refs.filter((ref) => !registry.manifestForRef(ref))
  if (missing.length)
    throw new Error(
      `not built here: ${missing.join(', ')} (built: ${registry.builtRefs().join(', ')})`
    )
  const stage = mkdtempSync(join(dirname(out), '.image-archive-'))
  try {
    const index: object[] = []
    const docker: object[] = []
    const put = (digest: string, body: () => Buffer): void => {
      const path = join(stage, blobPath(digest))
      if (existsSync(path)) return
      mkdirSync(dirname(path), { recursive: true })
      const original = join(layout, blobPath(digest))
      // Layers are hard links where the file system allows: archives of 500 MB images stay cheap.
      if (existsSync(original)) {
        try {
          linkSync(original, path)
        } catch {
          copyFileSync(original, path)
        }
      } else writeFileSync(path, body())
    }
    for (const ref of refs) {
      const found = registry.manifestForRef(ref)!
      const manifest = JSON.parse(found.body.toString('utf8')) as ImageManifest
      put(found.digest, () => found.body)
      put(manifest.config.digest, () => found.blob(manifest.config.digest))
      for (const layer of manifest.layers) put(layer.digest, () => found.blob(layer.digest))
      index.push({
        mediaType: found.mediaType,
        digest: found.digest,
        size: found.body.length,
        annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref }
      })
      docker.push({
        Config: blobPath(manifest.config.digest),
        RepoTags: [ref],
        Layers: manifest.layers.map((l) => blobPath(l.digest))
      })
    }
    writeFileSync(join(stage, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
    writeFileSync(join(stage, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: index }))
    writeFileSync(join(stage, 'manifest.json'), JSON.stringify(docker))
    execFileSync('tar', ['--numeric-owner', '-C', stage, '-cf', out, '.'])
  } finally {
    rmSync(stage, { recursive: true, force: true })
  }
}
