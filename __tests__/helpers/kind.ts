/**
 * The real kind on the private Docker engine, as scripts/test.sh sets it up (scripts/kind-env.sh):
 * the kind binary first on PATH, DOCKER_HOST, the node image built here, and the engine images
 * already in that engine. A file that needs it fails, never skips, when it is missing.
 */
import { execFileSync } from 'node:child_process'
import { expect } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

export interface RealKind {
  kind: string
  nodeImage: string
}

/** The set-up scripts/kind-env.sh printed, or an error saying how to get it. */
export function realKind(): RealKind {
  const { KIND, KIND_NODE_IMAGE, DOCKER_HOST } = process.env
  if (!KIND || !KIND_NODE_IMAGE || !DOCKER_HOST)
    throw new Error(
      'The real kind is not set up: run the tests with scripts/test.sh, or export what `bash scripts/kind-env.sh` prints (KIND, KIND_NODE_IMAGE, DOCKER_HOST).'
    )
  if (!process.env.PATH?.startsWith(`${dirname(KIND)}:`))
    process.env.PATH = `${dirname(KIND)}:${process.env.PATH}`
  return { kind: KIND, nodeImage: KIND_NODE_IMAGE }
}

/** The verifier's options for a cluster of the real kind with the node image built here. */
export function kindOptions(real: RealKind, clusterName: string): Record<string, string> {
  return {
    provider: 'kind',
    'kind-node-image': real.nodeImage,
    'preload-images': 'true',
    'cluster-name': clusterName
  }
}

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim()
}

/** What kind made for a cluster and left: its containers, and volumes or networks of its nodes. */
export function kindLeftovers(clusterName: string): string[] {
  const label = `label=io.x-k8s.kind.cluster=${clusterName}`
  const containers = docker('ps', '-a', '--filter', label, '--format', '{{.Names}}')
  const volumes = docker('volume', 'ls', '-q', '--filter', 'dangling=true')
  return [...containers.split('\n'), ...volumes.split('\n')].filter(Boolean)
}

export function expectNothingOfKindLeft(clusterName: string): void {
  expect(kindLeftovers(clusterName)).toEqual([])
}

/** The clusters kind knows on this engine. */
export function kindClusters(real: RealKind): string[] {
  return execFileSync(real.kind, ['get', 'clusters'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l && !l.startsWith('No kind clusters'))
}

/** The node as `kubectl get nodes` shows it: kind's name, the upstream kubelet on containerd. */
export function expectKindNode(dir: string, clusterName: string): void {
  const nodes = readFileSync(join(dir, 'objects', 'nodes.yaml'), 'utf8')
  expect(nodes).toContain(`name: ${clusterName}-control-plane`)
  expect(nodes).toMatch(/kubeletVersion: v1\.34\.4/)
  expect(nodes).toMatch(/containerRuntimeVersion: containerd:\/\/1\.6\./)
}
