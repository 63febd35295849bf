import type { ManifestObject, KubeObject } from '../engine/manifests.js'

export type Severity = 'error' | 'warning' | 'info'

/** One problem found in the manifests, where it is and how to fix it. */
export interface Finding {
  ruleId: string
  severity: Severity
  message: string
  hint: string
  file: string
  line: number
  column: number
}

export interface EnvVar {
  name: string
  value?: string
  valueFrom?: { fieldRef?: { fieldPath: string } }
}

export interface ContainerSpec {
  name: string
  image?: string
  env?: EnvVar[]
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> }
  volumeMounts?: { name: string; mountPath: string }[]
  readinessProbe?: { httpGet?: { path?: string }; exec?: { command?: string[] } }
  securityContext?: { privileged?: boolean }
  command?: string[]
  args?: string[]
}

export interface StatefulSetSpec {
  replicas?: number
  serviceName?: string
  podManagementPolicy?: string
  selector?: { matchLabels?: Record<string, string> }
  template?: {
    metadata?: { labels?: Record<string, string> }
    spec?: { containers?: ContainerSpec[]; initContainers?: ContainerSpec[] }
  }
  volumeClaimTemplates?: { metadata?: { name?: string } }[]
}

/** One StatefulSet of the manifests, with what rules ask of it. */
export interface StatefulSetUnderLint {
  manifest: ManifestObject
  name: string
  spec: StatefulSetSpec
  replicas: number
  /** The engine container (the first container whose image is an engine's, else the first). */
  container?: ContainerSpec
  containerIndex: number
  engine: 'elasticsearch' | 'opensearch' | 'unknown'
  /** Major and minor version from the image tag, when it has one. */
  version?: [number, number]
  /** Environment as a pod with this name would see it ($(VAR) and metadata.name resolved). */
  envFor: (podName: string) => Record<string, string>
  /** Raw env value with where it is. */
  envAt: (name: string) => { value?: string; path: (string | number)[] } | undefined
  containerPath: (string | number)[]
}

export interface LintContext {
  objects: ManifestObject[]
  statefulSets: StatefulSetUnderLint[]
  services: ManifestObject[]
}

/** A rule: one file each under rules/, with its id, default severity and check. */
export interface Rule {
  id: string
  severity: Severity
  summary: string
  check(ctx: LintContext): Finding[]
}

/** Builds a finding at a path inside a manifest object. */
export function findingAt(
  rule: Pick<Rule, 'id' | 'severity'>,
  manifest: ManifestObject,
  path: (string | number)[],
  message: string,
  hint: string,
  severity: Severity = rule.severity
): Finding {
  const { line, column } = manifest.locate(path)
  return { ruleId: rule.id, severity, message, hint, file: manifest.file, line, column }
}

export type { ManifestObject, KubeObject }
