import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { CLUSTER_MARKER } from './processes.js'
import { createWriteStream, mkdirSync, readFileSync, existsSync, type WriteStream } from 'node:fs'
import { connect } from 'node:net'
import { join, posix } from 'node:path'
import { request } from 'undici'
import type { V1Container, V1Probe, V1EnvVar, V1Pod } from '@kubernetes/client-node'
import { ENGINE_VERSIONS, mapImage, type ImageMapping } from './images.js'
import { parseMasterChange, type GroundTruthLog } from './ground-truth.js'

/** A container mount resolved to a directory (or file) on the host. */
export interface HostMount {
  mountPath: string
  hostPath: string
}

export interface ContainerContext {
  pod: V1Pod
  podIP: string
  netns: string
  hostsFile: string
  podDir: string
  mounts: HostMount[]
  engineDir: (engine: 'elasticsearch' | 'opensearch') => string
  nodeSysctl: () => number
  setNodeSysctl: (value: number) => void
  groundTruth: GroundTruthLog
  onChange: () => void
}

export type ContainerState =
  | { state: 'waiting'; reason: string; message?: string }
  | { state: 'running'; startedAt: Date }
  | {
      state: 'terminated'
      exitCode: number
      reason: string
      startedAt: Date
      finishedAt: Date
      message?: string
    }

const MAX_MAP_COUNT_REQUIRED = 262144
const BACKOFF_START_MS = 10_000
const BACKOFF_MAX_MS = 300_000

/** Expands $(VAR) references the way the kubelet does: $$ escapes, unknown names stay as written. */
export function expandVars(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name?: string) => {
    if (whole === '$$') return '$'
    return name !== undefined && name in env ? env[name] : whole
  })
}

/** Resolves a container's env list: literal values, fieldRef and $(VAR) expansion, in order. */
export function resolveEnv(
  vars: V1EnvVar[] | undefined,
  pod: V1Pod,
  podIP: string
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const v of vars ?? []) {
    if (v.valueFrom?.fieldRef) {
      const path = v.valueFrom.fieldRef.fieldPath
      const fields: Record<string, string | undefined> = {
        'metadata.name': pod.metadata?.name,
        'metadata.namespace': pod.metadata?.namespace,
        'metadata.uid': pod.metadata?.uid,
        'spec.nodeName': pod.spec?.nodeName,
        'spec.serviceAccountName': pod.spec?.serviceAccountName,
        'status.podIP': podIP,
        'status.hostIP': pod.status?.hostIP
      }
      env[v.name] = fields[path] ?? ''
    } else if (v.valueFrom?.resourceFieldRef) {
      env[v.name] = ''
    } else {
      env[v.name] = expandVars(v.value ?? '', env)
    }
  }
  return env
}

/** Maps a path inside the container to the host: the longest matching mount wins, else the container's own rootfs. */
export function resolveContainerPath(path: string, mounts: HostMount[], rootfs: string): string {
  const normalized = posix.normalize(path)
  const match = mounts
    .filter(
      (m) =>
        normalized === m.mountPath || normalized.startsWith(`${m.mountPath.replace(/\/$/, '')}/`)
    )
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0]
  if (match) return join(match.hostPath, normalized.slice(match.mountPath.length))
  return join(rootfs, normalized)
}

/**
 * One container of a pod: its process, restarts with the kubelet's back-off, its logs (the
 * previous instance's kept), and its probes.
 */
export class ContainerRuntime {
  readonly mapping: ImageMapping
  state: ContainerState = { state: 'waiting', reason: 'ContainerCreating' }
  lastState?: ContainerState
  restartCount = 0
  ready = false
  private process?: ChildProcess
  private log?: WriteStream
  private backoffMs = BACKOFF_START_MS
  private restartTimer?: NodeJS.Timeout
  private probeTimers: NodeJS.Timeout[] = []
  private stopping = false
  private frozen = false
  private successfulProbes = 0

  constructor(
    readonly spec: V1Container,
    private readonly ctx: ContainerContext,
    readonly isInit: boolean
  ) {
    this.mapping = mapImage(spec.image ?? '')
  }

  get name(): string {
    return this.spec.name
  }

  get pid(): number | undefined {
    return this.process?.pid
  }

  logPath(instance: number): string {
    return join(this.ctx.podDir, 'logs', this.name, `${instance}.log`)
  }

  private record(
    event: Parameters<GroundTruthLog['record']>[0]['event'],
    detail?: Record<string, unknown>
  ): void {
    this.ctx.groundTruth.record({
      event,
      namespace: this.ctx.pod.metadata?.namespace,
      pod: this.ctx.pod.metadata?.name,
      container: this.name,
      detail
    })
  }

  /** Starts the container; for init containers resolves with the exit code. */
  start(): Promise<number> | void {
    if (this.mapping.kind === 'unavailable') {
      this.state = { state: 'waiting', reason: 'ImagePullBackOff', message: this.mapping.reason }
      this.ctx.onChange()
      return this.isInit ? new Promise(() => undefined) : undefined
    }
    if (this.mapping.kind === 'utility') return this.runUtility()
    this.startEngine()
    this.startProbes()
    return undefined
  }

  private openLog(): WriteStream {
    mkdirSync(join(this.ctx.podDir, 'logs', this.name), { recursive: true })
    this.log = createWriteStream(this.logPath(this.restartCount), { flags: 'a' })
    return this.log
  }

  /**
   * Interprets the commands that Elasticsearch manifests give busybox init containers. A
   * privileged `sysctl -w vm.max_map_count=N` sets the node's value, as it would on a kind node;
   * ownership and limit changes have nothing to do on this cluster and are logged as such.
   */
  private async runUtility(): Promise<number> {
    const log = this.openLog()
    const command = [...(this.spec.command ?? []), ...(this.spec.args ?? [])].join(' ')
    const startedAt = new Date()
    this.state = { state: 'running', startedAt }
    let exitCode = 0
    const sysctl = /sysctl\s+(?:-w\s+)?vm\.max_map_count=(\d+)/.exec(command)
    if (sysctl) {
      if (this.spec.securityContext?.privileged) {
        this.ctx.setNodeSysctl(Number(sysctl[1]))
        this.record('sysctl-set', { 'vm.max_map_count': Number(sysctl[1]) })
        log.write(`vm.max_map_count = ${sysctl[1]}\n`)
      } else {
        log.write("sysctl: error setting key 'vm.max_map_count': Read-only file system\n")
        exitCode = 1
      }
    } else {
      log.write(
        `[es-k8s-verify local cluster] ${this.spec.image}: "${command}" has no effect on this cluster; treated as done\n`
      )
    }
    log.end()
    this.state = {
      state: 'terminated',
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt,
      finishedAt: new Date()
    }
    this.ctx.onChange()
    return exitCode
  }

  private startEngine(): void {
    const mapping = this.mapping
    if (mapping.kind !== 'engine') return
    const rootfs = join(this.ctx.podDir, 'rootfs', this.name, String(this.restartCount))
    const env = resolveEnv(this.spec.env, this.ctx.pod, this.ctx.podIP)
    const resolve = (p: string): string => resolveContainerPath(p, this.ctx.mounts, rootfs)
    const home = resolve(mapping.imageHome)
    const configPath = resolve(`${mapping.imageHome}/config/${mapping.configFile}`)
    const dataPath = resolve(env['path.data'] ?? `${mapping.imageHome}/data`)
    const logsPath = resolve(env['path.logs'] ?? `${mapping.imageHome}/logs`)
    for (const dir of [home, dataPath, logsPath]) mkdirSync(dir, { recursive: true })
    const log = this.openLog()
    if (mapping.substitution) log.write(`[es-k8s-verify local cluster] ${mapping.substitution}\n`)

    const settings = [`path.data=${dataPath}`, `path.logs=${logsPath}`]
    if (!('network.host' in env) && !('network.publish_host' in env)) {
      // The official images set network.host=0.0.0.0; the publish address is then the pod IP.
      settings.push('network.host=0.0.0.0', `network.publish_host=${this.ctx.podIP}`)
    }
    const multiNode = env['discovery.type'] !== 'single-node'
    const mmapOff = env['node.store.allow_mmap'] === 'false'
    if (multiNode && !mmapOff && this.ctx.nodeSysctl() < MAX_MAP_COUNT_REQUIRED) {
      // The bootstrap check of the real distribution, against this node's vm.max_map_count.
      const startedAt = new Date()
      log.write(
        `ERROR: [1] bootstrap checks failed. You must address the points described in the following [1] lines before starting Elasticsearch.\nbootstrap check failure [1] of [1]: max virtual memory areas vm.max_map_count [${this.ctx.nodeSysctl()}] is too low, increase to at least [${MAX_MAP_COUNT_REQUIRED}]\n`
      )
      log.end()
      this.state = { state: 'running', startedAt }
      setTimeout(() => this.onExit(78, null, startedAt), 500)
      return
    }
    const javaOpts = (env[mapping.javaOptsEnv] ?? '').split(/\s+/).filter(Boolean)
    if (!javaOpts.some((o) => o.startsWith('-Xmx'))) javaOpts.push('-Xms512m', '-Xmx512m')
    const engineDir = this.ctx.engineDir(mapping.engine)
    const javaArgs = [
      // C1 only and the serial collector: three JVMs start faster on two cores.
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Xss1m',
      `-Djdk.net.hosts.file=${this.ctx.hostsFile}`,
      '-Dsun.net.inetaddr.ttl=1',
      '-Dsun.net.inetaddr.negative.ttl=1',
      '-Dlog4j2.disable.jmx=true',
      '-Dfile.encoding=UTF-8',
      ...javaOpts,
      '-cp',
      `${engineDir}/lib/*:${engineDir}/launcher.jar`,
      'esk8sverify.Launcher',
      ...settings
    ]
    const startedAt = new Date()
    const child = spawn('ip', ['netns', 'exec', this.ctx.netns, 'java', ...javaArgs], {
      cwd: home,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        // How down finds this engine without the main process (see processes.ts).
        [CLUSTER_MARKER]: process.env[CLUSTER_MARKER] ?? '',
        JAVA_HOME: process.env.JAVA_HOME ?? '',
        ...env,
        ENGINE_HOME: home,
        ENGINE_CONFIG_PATH: configPath,
        HOSTNAME: this.ctx.pod.metadata?.name ?? ''
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    this.process = child
    this.state = { state: 'running', startedAt }
    this.record('process-started', {
      pid: child.pid,
      engine: mapping.engine,
      version: ENGINE_VERSIONS[mapping.engine],
      podIP: this.ctx.podIP,
      restartCount: this.restartCount
    })
    let pending = ''
    const onData = (chunk: Buffer): void => {
      // Output can still arrive after 'exit' (pipes drain later); the log ends on 'close'.
      if (!log.writableEnded) log.write(chunk)
      pending += chunk.toString('utf8')
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        const master = parseMasterChange(line)
        if (master !== undefined) this.record('master-changed', { master })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', (code, signal) => this.onExit(code, signal, startedAt))
    child.on('close', () => log.end())
    log.on('error', (err) => console.error(`log of ${this.name}: ${err.message}`))
    this.ctx.onChange()
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, startedAt: Date): void {
    const exitCode = code ?? (signal === 'SIGKILL' ? 137 : 143)
    this.process = undefined
    this.setReady(false)
    this.record('process-exited', { exitCode, signal })
    this.lastState = {
      state: 'terminated',
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt,
      finishedAt: new Date()
    }
    this.state = this.lastState
    if (this.stopping) {
      this.ctx.onChange()
      return
    }
    const policy = this.ctx.pod.spec?.restartPolicy ?? 'Always'
    if (policy === 'Never' || (policy === 'OnFailure' && exitCode === 0)) {
      this.ctx.onChange()
      return
    }
    this.state = {
      state: 'waiting',
      reason: 'CrashLoopBackOff',
      message: `back-off ${this.backoffMs / 1000}s restarting failed container=${this.name} pod=${this.ctx.pod.metadata?.name}`
    }
    this.ctx.onChange()
    this.restartTimer = setTimeout(() => {
      this.restartCount++
      this.startEngine()
    }, this.backoffMs)
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS)
  }

  private setReady(ready: boolean): void {
    if (this.ready === ready) return
    this.ready = ready
    this.record(ready ? 'container-ready' : 'container-unready')
    this.ctx.onChange()
  }

  private startProbes(): void {
    const readiness = this.spec.readinessProbe
    const liveness = this.spec.livenessProbe
    if (!readiness) {
      // Without a probe a running container is ready.
      const timer = setInterval(
        () => this.setReady(this.state.state === 'running' && !!this.process),
        200
      )
      this.probeTimers.push(timer)
    } else {
      this.schedule(readiness, (ok) => {
        if (ok) this.successfulProbes++
        else this.successfulProbes = 0
        const threshold = readiness.successThreshold ?? 1
        if (ok && this.successfulProbes >= threshold) this.setReady(true)
        if (!ok) this.setReady(false)
      })
    }
    if (liveness) {
      let failures = 0
      this.schedule(liveness, (ok) => {
        failures = ok ? 0 : failures + 1
        if (failures >= (liveness.failureThreshold ?? 3) && this.process) {
          failures = 0
          this.process.kill('SIGKILL')
        }
      })
    }
  }

  private schedule(probe: V1Probe, onResult: (ok: boolean) => void): void {
    const periodMs = (probe.periodSeconds ?? 10) * 1000
    const run = async (): Promise<void> => {
      if (this.stopping) return
      if (this.process && !this.frozen) onResult(await this.probe(probe))
      this.probeTimers.push(setTimeout(run, periodMs))
    }
    this.probeTimers.push(setTimeout(run, (probe.initialDelaySeconds ?? 0) * 1000))
  }

  /** Runs one probe against the pod's address, as the kubelet does from the host. */
  async probe(probe: V1Probe): Promise<boolean> {
    const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000
    const port = (p: number | string | undefined): number => {
      if (typeof p === 'number') return p
      const named = this.spec.ports?.find((x) => x.name === p)
      return named?.containerPort ?? Number(p)
    }
    try {
      if (probe.httpGet) {
        const scheme = (probe.httpGet.scheme ?? 'HTTP').toLowerCase()
        const res = await request(
          `${scheme}://${this.ctx.podIP}:${port(probe.httpGet.port)}${probe.httpGet.path ?? '/'}`,
          {
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
            headers: Object.fromEntries(
              (probe.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value])
            )
          }
        )
        await res.body.dump()
        return res.statusCode >= 200 && res.statusCode < 400
      }
      if (probe.tcpSocket) {
        return await new Promise((resolve) => {
          const socket = connect({
            host: this.ctx.podIP,
            port: port(probe.tcpSocket!.port),
            timeout: timeoutMs
          })
          socket.once('connect', () => (socket.destroy(), resolve(true)))
          socket.once('error', () => resolve(false))
          socket.once('timeout', () => (socket.destroy(), resolve(false)))
        })
      }
      if (probe.exec?.command?.length) {
        const [cmd, ...args] = probe.exec.command
        return await new Promise((resolve) => {
          execFile(
            'ip',
            ['netns', 'exec', this.ctx.netns, cmd, ...args],
            { timeout: timeoutMs },
            (err) => resolve(!err)
          )
        })
      }
    } catch {
      return false
    }
    return false
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the process: a master that hangs without closing its sockets. */
  freeze(frozen: boolean): void {
    if (!this.process?.pid) return
    this.frozen = frozen
    process.kill(this.process.pid, frozen ? 'SIGSTOP' : 'SIGCONT')
    this.record('fault-injected', { fault: frozen ? 'freeze' : 'thaw', pid: this.process.pid })
  }

  /** Stops the container: SIGTERM, then SIGKILL after the grace period. */
  async stop(graceSeconds: number): Promise<void> {
    this.stopping = true
    clearTimeout(this.restartTimer)
    for (const t of this.probeTimers) clearTimeout(t)
    const child = this.process
    if (!child || child.exitCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    if (this.frozen) child.kill('SIGCONT')
    child.kill(graceSeconds <= 0 ? 'SIGKILL' : 'SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(graceSeconds, 0) * 1000)
    await exited
    clearTimeout(timer)
  }

  /** The last line the container wrote, for diagnostics. */
  lastLogLine(): string {
    const path = this.logPath(this.restartCount)
    if (!existsSync(path)) return ''
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n')
    return lines[lines.length - 1] ?? ''
  }
}
