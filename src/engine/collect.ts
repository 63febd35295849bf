import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { stringify } from 'yaml'
import type { KubeClient, PodView } from './kube/client.js'
import type { CatApi } from './es/cat-api.js'
import { isReady } from './observe.js'
import { errorMessage } from './errors.js'
import type { Logger } from './logger.js'

/**
 * Writes everything a person needs to understand a run into one directory. Every write goes
 * through `write`, which masks the secrets it was given: credentials never reach an artifact.
 */
export class ReportWriter {
  private readonly secrets: string[]

  constructor(
    readonly dir: string,
    secrets: (string | undefined)[] = []
  ) {
    this.secrets = secrets.filter((s): s is string => !!s && s.length >= 3)
    mkdirSync(dir, { recursive: true })
  }

  redact(text: string): string {
    return this.secrets.reduce((t, s) => t.split(s).join('***'), text)
  }

  write(relative: string, content: string | object): string {
    const path = join(this.dir, relative)
    mkdirSync(dirname(path), { recursive: true })
    const text = typeof content === 'string' ? content : JSON.stringify(content, null, 2)
    writeFileSync(path, this.redact(text))
    return path
  }
}

/** What the collectors need to look at the cluster under test. */
export interface CollectTarget {
  kube: KubeClient
  api?: CatApi
  namespace: string
  selector: Record<string, string>
  logger: Logger
}

const ES_SNAPSHOTS: [string, string, Record<string, string>][] = [
  ['cat-health.txt', '_cat/health', { v: 'true' }],
  [
    'cat-nodes.txt',
    '_cat/nodes',
    { v: 'true', h: 'id,name,ip,master,node.role,heap.percent,uptime', full_id: 'true' }
  ],
  ['cat-master.txt', '_cat/master', { v: 'true' }],
  ['cat-shards.txt', '_cat/shards', { v: 'true' }],
  ['cat-indices.txt', '_cat/indices', { v: 'true' }]
]

/**
 * Snapshots the cluster's own view at a phase boundary, from a Ready pod that knows a master
 * (the `_cat` calls below would block 30 s on a masterless node). Without one, records each
 * pod's local view instead. Adds allocation explain when health is not green.
 */
export async function snapshotElasticsearch(
  target: CollectTarget,
  writer: ReportWriter,
  label: string
): Promise<void> {
  const api = target.api
  if (!api) return
  const pods = (await target.kube.listPods(target.namespace, target.selector))
    .filter(isReady)
    .map((p) => p.metadata.name)
  let answering: string | undefined
  for (const pod of pods) {
    if (await api.localMaster(pod).catch(() => undefined)) {
      answering = pod
      break
    }
  }
  const base = `elasticsearch/${label}`
  if (!answering) {
    for (const pod of pods) {
      const master = await api.snapshot(pod, '_cat/master', { v: 'true', local: 'true' })
      const health = await api.snapshot(pod, '_cluster/health', { local: 'true', pretty: 'true' })
      writer.write(
        `${base}/${pod}-local-view.txt`,
        `# _cat/master?local (${master.status})\n${master.body}\n# _cluster/health?local (${health.status})\n${health.body}\n`
      )
    }
    if (pods.length === 0)
      writer.write(`${base}/no-ready-pod.txt`, 'No pod was Ready: nothing to ask.\n')
    return
  }
  let green = false
  for (const [file, path, query] of ES_SNAPSHOTS) {
    const res = await api.snapshot(answering, path, query)
    if (path === '_cat/health') green = /\bgreen\b/.test(res.body)
    writer.write(
      `${base}/${file}`,
      `# ${path} asked of ${answering} (HTTP ${res.status})\n${res.body}`
    )
  }
  if (!green) {
    const explain = await api.snapshot(answering, '_cluster/allocation/explain', { pretty: 'true' })
    writer.write(`${base}/allocation-explain.json`, explain.body)
  }
}

/**
 * Follows every container log of a pod that is about to be deleted, so that its last words
 * (the shutdown, or nothing at all under a force kill) survive the pod: once the API object is
 * gone the logs are gone too, and the replacement pod starts a fresh log under the same name.
 * `stop` waits up to `graceMs` for the streams to end on their own, then cuts them and writes
 * `pods/<pod>/<container>.<label>.log`.
 */
export function captureLastWords(
  target: CollectTarget,
  writer: ReportWriter,
  pod: PodView,
  label: string
): { stop: (graceMs: number) => Promise<void> } {
  const controller = new AbortController()
  const containers = (pod.spec?.containers ?? []).map((c) => c.name)
  const streams = containers.map((c) =>
    target.kube
      .followPodLogs(target.namespace, pod.metadata.name, c, controller.signal)
      .then((text) => ({ c, text }))
  )
  const all = Promise.all(streams)
  return {
    async stop(graceMs: number) {
      const timer = setTimeout(() => controller.abort(), graceMs)
      const logs = await all
      clearTimeout(timer)
      for (const { c, text } of logs)
        writer.write(`pods/${pod.metadata.name}/${c}.${label}.log`, text)
    }
  }
}

/** Logs of every container of every pod, current and previous; objects as YAML; events in time order. */
export async function collectKubernetes(
  target: CollectTarget,
  writer: ReportWriter
): Promise<void> {
  const { kube, namespace } = target
  const pods = await kube.listPods(namespace, {})
  for (const pod of pods) {
    const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map(
      (c) => c.name
    )
    for (const c of containers) {
      for (const previous of [false, true]) {
        const text = await kube
          .podLogs(namespace, pod.metadata.name, c, previous)
          .catch((err) => `could not read logs: ${errorMessage(err)}`)
        if (text)
          writer.write(`pods/${pod.metadata.name}/${c}${previous ? '.previous' : ''}.log`, text)
      }
    }
  }
  const kinds: [string, string][] = [
    ['pods', `/api/v1/namespaces/${namespace}/pods`],
    ['statefulsets', `/apis/apps/v1/namespaces/${namespace}/statefulsets`],
    ['services', `/api/v1/namespaces/${namespace}/services`],
    ['persistentvolumeclaims', `/api/v1/namespaces/${namespace}/persistentvolumeclaims`],
    // The nodes say what ran the pods: kubelet version, container runtime, kernel, capacity.
    ['nodes', '/api/v1/nodes']
  ]
  for (const [name, path] of kinds) {
    const items = await kube.list(path)
    writer.write(`objects/${name}.yaml`, items.map((i) => stringify(i)).join('---\n'))
  }
  const events = await kube.events(namespace)
  writer.write('events.json', events)
  writer.write(
    'events.txt',
    events
      .map(
        (e) =>
          `${e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? ''} ${e.type ?? ''} ${e.reason ?? ''} ${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}: ${e.message ?? ''}`
      )
      .join('\n') + '\n'
  )
}
