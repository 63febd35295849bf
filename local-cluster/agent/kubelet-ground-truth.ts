/**
 * Ground truth on the upstream node, from the sources that know first: containerd's own event
 * stream (task start and exit, timestamped by containerd), the engines' own log lines as the
 * runtime wrote them (each CRI log line carries the runtime's nanosecond timestamp), and the
 * Ready condition as the kubelet published it (the earliest any client can know it).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { CoreV1Api, KubeConfig, makeInformer, type V1Pod } from '@kubernetes/client-node'
import { parseMasterChange, type GroundTruthLog } from './ground-truth.js'

interface ContainerInfo {
  namespace: string
  pod: string
  container?: string
  sandbox: boolean
}

/** How often new log lines are read: their timestamps are the runtime's, so this only delays the record. */
const LOG_READ_MS = 100

export class KubeletGroundTruth {
  private events?: ChildProcess
  private readonly containers = new Map<string, ContainerInfo>()
  private readonly offsets = new Map<string, number>()
  private readonly ready = new Map<string, boolean>()
  private logTimer?: NodeJS.Timeout
  private stopInformer?: () => void

  constructor(
    private readonly opts: {
      socket: string
      podLogsDir: string
      kubeconfig: string
      log: GroundTruthLog
    }
  ) {}

  async start(): Promise<void> {
    // `ctr events` prints one line per event: "<date> <time> <zone> UTC <namespace> <topic> <json>".
    this.events = spawn('ctr', ['--address', this.opts.socket, 'events'], {
      stdio: ['ignore', 'pipe', 'ignore']
    })
    let buffer = ''
    this.events.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) this.onEvent(line)
    })
    this.logTimer = setInterval(() => this.readLogs(), LOG_READ_MS)
    const kc = new KubeConfig()
    kc.loadFromFile(this.opts.kubeconfig)
    const core = kc.makeApiClient(CoreV1Api)
    const informer = makeInformer(kc, '/api/v1/pods', () => core.listPodForAllNamespaces())
    const onPod = (pod: V1Pod): void => {
      for (const status of pod.status?.containerStatuses ?? []) {
        const key = `${pod.metadata?.uid}/${status.name}`
        if ((this.ready.get(key) ?? false) === status.ready) continue
        this.ready.set(key, status.ready)
        this.opts.log.record({
          event: status.ready ? 'container-ready' : 'container-unready',
          namespace: pod.metadata?.namespace,
          pod: pod.metadata?.name,
          container: status.name,
          detail: { source: 'pod status published by the kubelet' }
        })
      }
    }
    informer.on('add', onPod)
    informer.on('update', onPod)
    informer.on('error', () => setTimeout(() => void informer.start().catch(() => undefined), 1000))
    await informer.start()
    this.stopInformer = () => void informer.stop()
  }

  stop(): void {
    this.events?.kill('SIGTERM')
    clearInterval(this.logTimer)
    this.stopInformer?.()
  }

  private onEvent(line: string): void {
    const m = /^(\S+ \S+) \S+ \S+ (\S+) (\/\S+) (\{.*\})$/.exec(line)
    if (!m) return
    const [, when, namespace, topic, json] = m
    if (namespace !== 'k8s.io') return
    const ts = Date.parse(`${when.replace(' ', 'T').slice(0, 23)}Z`)
    const body = JSON.parse(json) as {
      id?: string
      container_id?: string
      pid?: number
      exit_status?: number
    }
    const id = body.container_id ?? body.id ?? ''
    if (topic === '/tasks/start' || topic === '/tasks/exit') {
      const info = this.describe(id)
      if (!info) return
      if (info.sandbox) {
        // The sandbox starts once its network is set up (containerd 1.6 runs CNI first).
        if (topic === '/tasks/start')
          this.opts.log.record({
            ts,
            event: 'pod-ip-assigned',
            namespace: info.namespace,
            pod: info.pod,
            detail: { sandbox: id }
          })
        return
      }
      if (topic === '/tasks/start')
        this.opts.log.record({
          ts,
          event: 'process-started',
          namespace: info.namespace,
          pod: info.pod,
          container: info.container,
          detail: { pid: body.pid }
        })
      else if (body.id === body.container_id)
        this.opts.log.record({
          ts,
          event: 'process-exited',
          namespace: info.namespace,
          pod: info.pod,
          container: info.container,
          detail: { exitCode: body.exit_status }
        })
    }
  }

  /** Which pod a containerd container (or sandbox) belongs to, from its CRI labels. */
  private describe(id: string): ContainerInfo | undefined {
    const known = this.containers.get(id)
    if (known) return known
    try {
      const out = execFileSync(
        'ctr',
        ['--address', this.opts.socket, '-n', 'k8s.io', 'containers', 'info', id],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }
      )
      const labels = (JSON.parse(out) as { Labels?: Record<string, string> }).Labels ?? {}
      const info: ContainerInfo = {
        namespace: labels['io.kubernetes.pod.namespace'] ?? '',
        pod: labels['io.kubernetes.pod.name'] ?? '',
        container: labels['io.kubernetes.container.name'],
        sandbox: labels['io.cri-containerd.kind'] === 'sandbox'
      }
      this.containers.set(id, info)
      return info
    } catch {
      return undefined // removed meanwhile
    }
  }

  /** New lines of every container log (<ns>_<pod>_<uid>/<container>/<n>.log, CRI format). */
  private readLogs(): void {
    if (!existsSync(this.opts.podLogsDir)) return
    for (const podDir of readdirSync(this.opts.podLogsDir)) {
      const [namespace, pod] = podDir.split('_')
      const podPath = join(this.opts.podLogsDir, podDir)
      let containers: string[]
      try {
        containers = readdirSync(podPath)
      } catch {
        continue
      }
      for (const container of containers)
        for (const file of safeList(join(podPath, container)))
          this.readLog(join(podPath, container, file), namespace, pod, container)
    }
  }

  private readLog(path: string, namespace: string, pod: string, container: string): void {
    let size: number
    try {
      size = statSync(path).size
    } catch {
      return
    }
    const from = this.offsets.get(path) ?? 0
    if (size <= from) return
    const fd = openSync(path, 'r')
    const chunk = Buffer.alloc(size - from)
    readSync(fd, chunk, 0, chunk.length, from)
    closeSync(fd)
    const text = chunk.toString('utf8')
    const complete = text.lastIndexOf('\n') + 1
    this.offsets.set(path, from + Buffer.byteLength(text.slice(0, complete)))
    for (const line of text.slice(0, complete).split('\n')) {
      // "2026-11-27T11:16:13.910123456Z stdout F <the engine's line>"
      const m = /^(\S+) (?:stdout|stderr) [FP] (.*)$/.exec(line)
      if (!m) continue
      const master = parseMasterChange(m[2])
      if (master !== undefined)
        this.opts.log.record({
          ts: Date.parse(m[1]),
          event: 'master-changed',
          namespace,
          pod,
          container,
          detail: { master }
        })
    }
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.log'))
  } catch {
    return []
  }
}
