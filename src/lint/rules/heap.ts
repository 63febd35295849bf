import { findingAt, type Finding, type Rule } from '../rule.js'

const UNITS: Record<string, number> = {
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  K: 2 ** 10,
  M: 2 ** 20,
  G: 2 ** 30
}

/** Bytes of a JVM size (512m, 1g). */
export function jvmBytes(text: string): number {
  const m = /^(\d+)([kmgKMG]?)$/.exec(text)
  return m ? Number(m[1]) * (UNITS[m[2]] ?? 1) : NaN
}

/** Bytes of a Kubernetes quantity (1Gi, 512Mi, 1G). */
export function quantityBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text)
  if (!m) return NaN
  const f: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12
  }
  return Number(m[1]) * (m[2] ? f[m[2]] : 1)
}

/** Xms must equal Xmx; the heap should be at most half the memory limit; a limit should exist. */
export const heap: Rule = {
  id: 'heap',
  severity: 'warning',
  summary: 'Heap: -Xms equals -Xmx, at most half the memory limit, and a memory limit is set.',
  check(ctx) {
    const findings: Finding[] = []
    for (const sts of ctx.statefulSets) {
      if (sts.engine === 'unknown' || !sts.container) continue
      const optsName = sts.engine === 'opensearch' ? 'OPENSEARCH_JAVA_OPTS' : 'ES_JAVA_OPTS'
      const at = sts.envAt(optsName)
      const opts = at?.value ?? ''
      const xms = /-Xms(\S+)/.exec(opts)?.[1]
      const xmx = /-Xmx(\S+)/.exec(opts)?.[1]
      const limit = sts.container.resources?.limits?.memory
      if (xms && xmx && jvmBytes(xms) !== jvmBytes(xmx)) {
        findings.push(
          findingAt(
            this,
            sts.manifest,
            at!.path,
            `${optsName} sets -Xms${xms} and -Xmx${xmx}: the engine refuses to start unless they are equal.`,
            `Use the same size for both, e.g. -Xms${xmx} -Xmx${xmx}.`,
            'error'
          )
        )
      }
      if (!limit) {
        findings.push(
          findingAt(
            this,
            sts.manifest,
            sts.containerPath,
            `Container ${sts.container.name} has no memory limit: the heap is sized from the node's memory and pods may be evicted.`,
            'Set resources.limits.memory to twice the heap (1Gi for a 512m heap).'
          )
        )
      } else if (xmx && jvmBytes(xmx) > quantityBytes(limit) / 2) {
        findings.push(
          findingAt(
            this,
            sts.manifest,
            at!.path,
            `Heap -Xmx${xmx} is more than half of the memory limit ${limit}: off-heap memory will not fit and the container may be OOM-killed.`,
            `Lower the heap to at most half of ${limit}, or raise the limit.`
          )
        )
      }
    }
    return findings
  }
}
