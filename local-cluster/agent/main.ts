/**
 * The local cluster, no Docker: the upstream control plane and node (kubelet, containerd, runc,
 * CNI, CoreDNS, local-path-provisioner) running images of the engines built here.
 *
 *   local-cluster up    --name N [--kubeconfig F] [--detach]
 *   local-cluster down  --name N       (or --orphans: processes of clusters whose directory or owner is gone)
 *   local-cluster list                 (running clusters, then orphan processes)
 *   local-cluster processes            (every process of every local cluster)
 *   local-cluster logs  --name N --dir D
 *   local-cluster fault --name N (freeze|thaw|kill) NAMESPACE POD
 *   local-cluster fault --name N (api-refuse|api-reset) SECONDS
 *   local-cluster sysctl --name N [vm.max_map_count=VALUE]   (this machine's: raised, never lowered)
 */
import { spawn, execFileSync } from 'node:child_process'
import { createServer } from 'node:http'
import {
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { tmpdir, homedir } from 'node:os'
import { basename, join, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import { request } from 'undici'
import { ensurePki } from './pki.js'
import { startControlPlane, stopProcesses, writeKubeconfig } from './control-plane.js'
import { OWNER_FILE, clusterProcesses, markCluster, orphanProcesses, stopAll } from './processes.js'
import { PodNetwork } from './network.js'
import { GroundTruthLog } from './ground-truth.js'
import { FaultProxy } from './fault-proxy.js'
import { KubeletNode, cleanUpKubeletNodeHost, nodeRunDir } from './kubelet-node.js'
import { writeImageArchive } from './image-archive.js'

const K8S_VERSION = process.env.K8S_VERSION ?? 'v1.34.4'
const ETCD_VERSION = process.env.ETCD_VERSION ?? 'v3.6.6'
const CACHE_ROOT =
  process.env.ES_K8S_VERIFY_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'es-k8s-verify')
const CLUSTERS_ROOT = process.env.ES_K8S_VERIFY_CLUSTERS ?? join(tmpdir(), 'es-k8s-verify-clusters')
const HERE = dirname(fileURLToPath(import.meta.url))
/** The repository root, from lib/local-cluster/agent or local-cluster/agent. */
const REPO = findRepo(HERE)

/** The repository root: the nearest folder above this file (dist/, lib/local-cluster/agent/ or the source) holding local-cluster/scripts. */
function findRepo(from: string): string {
  for (let dir = from, i = 0; i < 6; i++, dir = resolve(dir, '..')) {
    if (existsSync(join(dir, 'local-cluster', 'scripts'))) return dir
  }
  throw new Error(`local-cluster/scripts not found above ${from}`)
}

interface ClusterState {
  name: string
  pid: number
  dir: string
  kubeconfig: string
  apiserver: string
  controlPort: number
  bridge: string
  prefix: string
  ready: boolean
  k8sVersion: string
}

function clusterDir(name: string): string {
  return join(CLUSTERS_ROOT, name)
}

function readState(name: string): ClusterState | undefined {
  return readStateAt(clusterDir(name))
}

function readStateAt(dir: string): ClusterState | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterState
  } catch {
    return undefined
  }
}

/**
 * Writes cluster.json whole or not at all (a temporary file renamed over it): `up --detach`
 * polls it while the cluster starts, and must never read half a file.
 */
function writeState(dir: string, state: Partial<ClusterState>): void {
  const file = join(dir, 'cluster.json')
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2))
  renameSync(`${file}.tmp`, file)
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Builds (or finds in the cache) the upstream binaries and the images. */
function ensureBuilt(): void {
  const script = (name: string, ...args: string[]): void => {
    execFileSync('bash', [join(REPO, 'local-cluster/scripts', name), ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, K8S_VERSION, ETCD_VERSION }
    })
  }
  script('build-control-plane.sh', 'all')
  script('build-images.sh')
}

/** Where build-control-plane.sh put a program: the last line of its print-bin-dirs holding it. */
function builtBinary(program: string): string {
  const dirs = execFileSync(
    'bash',
    [join(REPO, 'local-cluster/scripts/build-control-plane.sh'), 'print-bin-dirs'],
    {
      encoding: 'utf8',
      env: { ...process.env, K8S_VERSION, ETCD_VERSION }
    }
  )
    .split('\n')
    .filter(Boolean)
  const dir = dirs.find((d) => existsSync(join(d, program)))
  if (!dir) throw new Error(`${program} is not built (looked in ${dirs.join(', ')})`)
  return join(dir, program)
}

/** Picks a /24 and bridge name that no other local cluster on this machine uses. */
/**
 * Claims a pod network: the first eskvN bridge this call manages to create. Creating is the
 * claim (it fails when the bridge exists), so two clusters starting at once never share one.
 */
function pickNetwork(): { bridge: string; prefix: string } {
  for (let n = 10; n < 250; n++) {
    try {
      execFileSync('ip', ['link', 'add', `eskv${n}`, 'type', 'bridge'], { stdio: 'ignore' })
      return { bridge: `eskv${n}`, prefix: `10.244.${n}` }
    } catch {
      // Taken by another cluster (or a leftover): try the next.
    }
  }
  throw new Error(
    'no free pod network left: remove old clusters with `local-cluster down --name NAME` or `down --orphans`'
  )
}

async function up(name: string, opts: { kubeconfig?: string }): Promise<void> {
  const dir = clusterDir(name)
  const existing = readState(name)
  if (existing && alive(existing.pid))
    throw new Error(`local cluster "${name}" is already running (pid ${existing.pid})`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  // Before any child: whoever finds this cluster's processes can tell whether it is still owned.
  writeFileSync(join(dir, OWNER_FILE), String(process.pid))
  markCluster(dir)
  ensureBuilt()
  const { bridge, prefix } = pickNetwork()
  // What `down` needs to undo a start that fails from here on (written again once ready).
  writeState(dir, { name, pid: process.pid, dir, bridge, prefix, ready: false })
  const network = new PodNetwork(bridge, prefix)
  network.setUp()
  const nodeName = `${name}-control-plane`
  const pki = ensurePki(join(dir, 'pki'), ['127.0.0.1', network.gateway], nodeName)
  const bin = join(CACHE_ROOT, 'bin', `k8s-${K8S_VERSION}`)
  const cp = await startControlPlane({
    clusterName: name,
    dir,
    pki,
    advertiseAddress: network.gateway,
    bin: {
      etcd: join(CACHE_ROOT, 'bin', `etcd-${ETCD_VERSION}`, 'etcd'),
      kubeApiserver: join(bin, 'kube-apiserver'),
      kubeControllerManager: join(bin, 'kube-controller-manager'),
      kubeScheduler: join(bin, 'kube-scheduler')
    }
  })
  const groundTruth = new GroundTruthLog(join(dir, 'ground-truth.jsonl'))
  // Clients reach the API server through a proxy that can inject faults; the control plane uses it directly.
  const apiserver = new URL(cp.apiserverUrl)
  const proxy = new FaultProxy(
    { host: apiserver.hostname, port: Number(apiserver.port) },
    (mode, seconds) =>
      groundTruth.record({ event: 'fault-injected', detail: { fault: `api-${mode}`, seconds } })
  )
  const proxyPort = await proxy.listen()
  const clientKubeconfig = join(dir, 'kubeconfig.client')
  writeKubeconfig(clientKubeconfig, name, `https://127.0.0.1:${proxyPort}`, pki)
  const kc = new KubeConfig()
  kc.loadFromFile(cp.kubeconfigPath)
  const node = await startKubeletNode(name, dir, nodeName, network, pki, cp, groundTruth)
  await waitDefaultServiceAccount(kc)

  const control = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      try {
        const cmd = JSON.parse(body || '{}') as {
          action: string
          namespace?: string
          pod?: string
          seconds?: number
          value?: number
        }
        if (cmd.action === 'freeze' || cmd.action === 'thaw' || cmd.action === 'kill') {
          // Several pods, comma-separated, are hit in one go: quorum loss needs them down together,
          // so every container is looked up first (all exist, or none is hit) and then hit at once.
          const namespace = cmd.namespace ?? ''
          const targets = (cmd.pod ?? '').split(',').map((pod) => ({
            pod,
            pid: node.containerPid(namespace, pod).pid
          }))
          for (const { pod, pid } of targets) {
            if (cmd.action === 'kill') {
              groundTruth.record({
                event: 'fault-injected',
                namespace,
                pod,
                detail: { fault: 'kill', pid }
              })
              process.kill(pid, 'SIGKILL')
            } else node.freeze(pid, cmd.action === 'freeze')
          }
        } else if (cmd.action === 'api-refuse' || cmd.action === 'api-reset') {
          proxy.inject(cmd.action === 'api-refuse' ? 'refuse' : 'reset', cmd.seconds ?? 10)
        } else if (cmd.action === 'sysctl') {
          if (cmd.value !== undefined) {
            raiseMaxMapCount(cmd.value)
            groundTruth.record({ event: 'sysctl-set', detail: { 'vm.max_map_count': cmd.value } })
          }
          res.writeHead(200).end(`vm.max_map_count = ${maxMapCount()}\n`)
          return
        } else throw new Error(`unknown action ${cmd.action}`)
        res.writeHead(200).end('ok\n')
      } catch (err) {
        res.writeHead(400).end(`${(err as Error).message}\n`)
      }
    })
  })
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', () => r()))
  const controlAddress = control.address()
  const controlPort = typeof controlAddress === 'object' && controlAddress ? controlAddress.port : 0

  if (opts.kubeconfig) cpSync(clientKubeconfig, opts.kubeconfig)
  const state: ClusterState = {
    name,
    pid: process.pid,
    dir,
    kubeconfig: clientKubeconfig,
    apiserver: `https://127.0.0.1:${proxyPort}`,
    controlPort,
    bridge,
    prefix,
    ready: true,
    k8sVersion: K8S_VERSION
  }
  writeState(dir, state)
  console.log(`local cluster "${name}" is ready: kubeconfig ${clientKubeconfig}`)

  let stopping = false
  const shutdown = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    console.log(`stopping local cluster "${name}"`)
    // Each step is bounded: a step that waits on a peer (an open connection, a hung engine)
    // must not keep the cluster's processes alive. Whatever is left is swept by its marker.
    await within(30_000, 'stopping the node', node.stop())
    control.closeAllConnections()
    control.close()
    await within(5_000, 'closing the API proxy', proxy.close())
    await within(15_000, 'stopping the control plane', stopProcesses(cp.processes))
    const left = await stopAll(clusterProcesses(dir), 5_000)
    if (left.length) console.error(`still running after shutdown: ${describe(left)}`)
    network.tearDown()
    writeState(dir, { ...state, ready: false, pid: 0 })
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown())
  process.on('SIGINT', () => void shutdown())
  for (const [procName, child] of cp.processes) {
    child.on('exit', (code) => {
      if (!stopping) {
        console.error(
          `${procName} exited with ${code}; stopping the cluster (see ${join(dir, 'logs', `${procName}.log`)})`
        )
        void shutdown()
      }
    })
  }
}

async function startKubeletNode(
  name: string,
  dir: string,
  nodeName: string,
  network: PodNetwork,
  pki: ReturnType<typeof ensurePki>,
  cp: { apiserverUrl: string; kubeconfigPath: string },
  groundTruth: GroundTruthLog
): Promise<KubeletNode> {
  const node = new KubeletNode({
    clusterName: name,
    clusterDir: dir,
    nodeName,
    network,
    pki,
    apiserverUrl: cp.apiserverUrl,
    adminKubeconfig: cp.kubeconfigPath,
    imagesLayout: join(CACHE_ROOT, 'images', 'oci'),
    bin: {
      kubelet: builtBinary('kubelet'),
      kubeProxy: builtBinary('kube-proxy'),
      containerd: '/usr/bin/containerd',
      runc: '/usr/sbin/runc',
      cniPlugins: '/usr/lib/cni',
      crictl: builtBinary('crictl'),
      coredns: builtBinary('coredns'),
      localPathProvisioner: builtBinary('local-path-provisioner')
    },
    groundTruth
  })
  await node.start()
  return node
}

// As on a kind node, the kernel is this machine's: vm.max_map_count is the real one.
const MAX_MAP_COUNT = '/proc/sys/vm/max_map_count'

function maxMapCount(): number {
  return Number(readFileSync(MAX_MAP_COUNT, 'utf8').trim())
}

/**
 * Raises this machine's vm.max_map_count, as a kind user does on the host. Lowering it would break
 * every other cluster and program here, so that is refused.
 */
function raiseMaxMapCount(value: number): void {
  const current = maxMapCount()
  if (value < current)
    throw new Error(
      `vm.max_map_count is this machine's own (${current}) on the kubelet node; it is raised, never lowered (asked: ${value})`
    )
  writeFileSync(MAX_MAP_COUNT, String(value))
}

function removePodSandboxes(dir: string): void {
  const socket = join(nodeRunDir(dir), 'containerd.sock')
  if (!existsSync(socket)) return
  try {
    execFileSync(
      builtBinary('crictl'),
      ['--runtime-endpoint', `unix://${socket}`, '--timeout', '10s', 'rmp', '--all', '--force'],
      { stdio: 'ignore', timeout: 30_000 }
    )
  } catch {
    // containerd is gone already: the host clean-up sweeps what it can
  }
}

/** Waits for a shutdown step, at most ms; logs and moves on when it takes longer or fails. */
async function within(ms: number, what: string, step: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      console.error(`${what} took over ${ms / 1000}s; going on`)
      resolve()
    }, ms)
  })
  await Promise.race([
    step.then(() => undefined).catch((err) => console.error(`${what}: ${err}`)),
    timeout
  ])
  clearTimeout(timer)
}

function describe(processes: { pid: number; command: string }[]): string {
  return processes.map((p) => `${p.pid} (${p.command.slice(0, 120)})`).join('; ')
}

async function waitDefaultServiceAccount(kc: KubeConfig): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api)
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' })
      return
    } catch {
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  throw new Error('the controller manager did not create the default ServiceAccount within 60s')
}

/** Starts `up` in the background, logging to the cluster directory, and waits until it is ready. */
async function upDetached(name: string, args: string[]): Promise<void> {
  const dir = clusterDir(name)
  mkdirSync(CLUSTERS_ROOT, { recursive: true })
  const logFile = join(CLUSTERS_ROOT, `${name}.up.log`)
  const out = openSync(logFile, 'w')
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), 'up', ...args.filter((a) => a !== '--detach')],
    { detached: true, stdio: ['ignore', out, out] }
  )
  child.unref()
  const deadline = Date.now() + 45 * 60_000
  while (Date.now() < deadline) {
    const state = readState(name)
    if (state?.ready && state.pid === child.pid) return
    if (child.exitCode !== null || !alive(child.pid!)) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '(no start-up log)'
      rmSync(logFile, { force: true })
      throw new Error(
        `local cluster "${name}" failed to start:\n${log.split('\n').slice(-30).join('\n')}`
      )
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`local cluster "${name}" did not become ready; see ${logFile} and ${dir}/logs`)
}

/**
 * Stops a cluster: asks its main process to shut down (SIGTERM, SIGKILL after the grace
 * period), then stops every process that still carries the cluster's marker, whether or not
 * the main process is alive, and fails naming any that survived.
 */
async function down(name: string, opts: { keepStartLog?: boolean } = {}): Promise<void> {
  const state = readState(name)
  // A failed start cleans up after itself through here: it does not signal itself.
  if (state && state.pid && state.pid !== process.pid && alive(state.pid)) {
    process.kill(state.pid, 'SIGTERM')
    const deadline = Date.now() + 45_000
    while (alive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    if (alive(state.pid)) process.kill(state.pid, 'SIGKILL')
  }
  // While its containerd still runs (the owner was killed, or failed to start), every pod sandbox
  // goes through the runtime, which also removes the sandboxes' network namespaces.
  if (state) removePodSandboxes(state.dir)
  const left = await stopAll(clusterProcesses(clusterDir(name)), 5_000)
  const kept = sweepCluster(clusterDir(name))
  // A failed detached start leaves its log for the parent to quote; the parent removes it then.
  if (!opts.keepStartLog) rmSync(join(CLUSTERS_ROOT, `${name}.up.log`), { force: true })
  if (left.length)
    throw new Error(`local cluster "${name}": processes survived SIGKILL: ${describe(left)}`)
  if (kept.length)
    throw new Error(
      `local cluster "${name}": still mounted, so its directory stays: ${kept.join(', ')}`
    )
}

/**
 * What a cluster whose processes are stopped (or were killed) left on this machine: its
 * containers' mounts, cgroups and sandbox namespaces, its bridge and Service router, and its
 * directory. The directory is removed only when nothing is mounted inside any more (removing
 * into a container's root would delete what it mounts); returns the mounts that kept it.
 */
function sweepCluster(dir: string): string[] {
  const state = readStateAt(dir)
  cleanUpKubeletNodeHost(dir, basename(dir))
  // pid 0: the owner shut down cleanly and removed its network itself. Removing it again by name
  // would remove the network of a cluster that has claimed that bridge since.
  if (state && state.pid !== 0) new PodNetwork(state.bridge, state.prefix).tearDown()
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((mountPoint) => mountPoint?.startsWith(`${dir}/`))
  if (!mounts.length) rmSync(dir, { recursive: true, force: true })
  return mounts
}

/**
 * Stops the processes of clusters whose directory is gone, and removes the bridges that no
 * existing cluster owns; returns how many processes there were.
 */
async function downOrphans(): Promise<number> {
  const orphans = orphanProcesses()
  const orphanDirs = new Set(orphans.map((p) => p.dir))
  // While their containerd still runs, the sandboxes go through the runtime.
  for (const dir of orphanDirs) removePodSandboxes(dir)
  const left = await stopAll(orphans, 5_000)
  if (left.length) throw new Error(`orphans survived SIGKILL: ${describe(left)}`)
  // Then what the node's programs left on the machine, and the directory itself (its name is the
  // cluster's, whether or not it still exists).
  for (const dir of orphanDirs) sweepCluster(dir)
  // Bridges, and Service routers' namespaces (named like their bridge), listed before the states
  // are read: a cluster starting meanwhile names its bridge in its state as soon as it has made
  // it, so a bridge listed here is either in a state read below or no cluster's.
  const links = execFileSync('ip', ['-o', 'link', 'show', 'type', 'bridge'], { encoding: 'utf8' })
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  const networks = [
    ...new Set(
      [...links.matchAll(/^\d+: (eskv\d+)[:@]/gm), ...namespaces.matchAll(/^(eskv\d+)\b/gm)].map(
        (m) => m[1]
      )
    )
  ]
  // Clusters under this root, and any other root whose processes still run (a developer's
  // cluster elsewhere keeps its network).
  const dirs = new Set([
    ...(existsSync(CLUSTERS_ROOT)
      ? readdirSync(CLUSTERS_ROOT).map((n) => join(CLUSTERS_ROOT, n))
      : []),
    ...clusterProcesses().map((p) => p.dir)
  ])
  const states = [...dirs].flatMap((d) => {
    try {
      return [JSON.parse(readFileSync(join(d, 'cluster.json'), 'utf8')) as ClusterState]
    } catch {
      return []
    }
  })
  const bridges = new Set(states.map((s) => s.bridge))
  // Directories under this root that no live process owns or uses (one recreated by a process
  // that was still writing when it was removed), unless something is still mounted inside.
  const mounts = readFileSync('/proc/mounts', 'utf8')
  const busy = new Set(clusterProcesses().map((p) => p.dir))
  if (existsSync(CLUSTERS_ROOT))
    for (const f of readdirSync(CLUSTERS_ROOT)) {
      const d = join(CLUSTERS_ROOT, f)
      if (f.endsWith('.up.log') || busy.has(d) || states.some((s) => s.dir === d && s.pid > 0))
        continue
      if (!existsSync(join(d, OWNER_FILE)) && !existsSync(join(d, 'cluster.json')))
        if (!mounts.includes(` ${d}/`)) rmSync(d, { recursive: true, force: true })
    }
  // Start-up logs of clusters whose directory is gone.
  if (existsSync(CLUSTERS_ROOT))
    for (const f of readdirSync(CLUSTERS_ROOT))
      if (f.endsWith('.up.log') && !existsSync(join(CLUSTERS_ROOT, f.slice(0, -'.up.log'.length))))
        rmSync(join(CLUSTERS_ROOT, f), { force: true })
  // A cluster under this root that is starting (its owner alive, its state not written yet) may
  // own a listed bridge that no state names yet: the sweep waits for another day then.
  const starting =
    existsSync(CLUSTERS_ROOT) &&
    readdirSync(CLUSTERS_ROOT).some((f) => {
      const d = join(CLUSTERS_ROOT, f)
      if (states.some((s) => s.dir === d)) return false
      try {
        return alive(Number(readFileSync(join(d, OWNER_FILE), 'utf8')))
      } catch {
        return false
      }
    })
  const unowned = starting ? [] : networks.filter((bridge) => !bridges.has(bridge))
  for (const bridge of unowned) new PodNetwork(bridge, '10.244.0').tearDown()
  return orphans.length
}

function list(): string[] {
  if (!existsSync(CLUSTERS_ROOT)) return []
  return readdirSync(CLUSTERS_ROOT).filter((n) => {
    const s = readState(n)
    return s?.ready && alive(s.pid)
  })
}

async function control(name: string, body: Record<string, unknown>): Promise<string> {
  const state = readState(name)
  if (!state?.ready) throw new Error(`local cluster "${name}" is not running`)
  const res = await request(`http://127.0.0.1:${state.controlPort}/`, {
    method: 'POST',
    body: JSON.stringify(body)
  })
  const text = await res.body.text()
  if (res.statusCode !== 200) throw new Error(text.trim())
  return text
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string', default: 'es-k8s-verify' },
      kubeconfig: { type: 'string' },
      detach: { type: 'boolean' },
      orphans: { type: 'boolean' },
      dir: { type: 'string' },
      out: { type: 'string' }
    }
  })
  const [command, ...rest] = positionals
  const name = values.name!
  switch (command) {
    case 'up':
      if (values.detach) await upDetached(name, process.argv.slice(3))
      else
        await up(name, { kubeconfig: values.kubeconfig }).catch(async (err: unknown) => {
          // Nothing of a failed start stays: processes, containers, bridge, directory.
          console.error(
            `local-cluster: start failed, removing what it made: ${(err as Error).message}`
          )
          await down(name, { keepStartLog: true }).catch((e) =>
            console.error(`clean-up after the failed start: ${(e as Error).message}`)
          )
          throw err
        })
      if (values.detach) process.exit(0)
      return
    case 'down':
      if (values.orphans) console.log(`stopped ${await downOrphans()} orphan process(es)`)
      else await down(name)
      return
    case 'list':
      for (const n of list()) console.log(n)
      // Processes of clusters whose directory or owner is gone: `down --orphans` stops them.
      for (const o of orphanProcesses())
        console.log(`orphan ${o.pid} of removed cluster ${o.dir}: ${o.command.slice(0, 160)}`)
      return
    case 'processes':
      // Every process of every local cluster, found by its marker: for leftover checks.
      for (const p of clusterProcesses())
        console.log(`${p.pid} ${p.dir} ${p.command.slice(0, 160)}`)
      return
    case 'kubeconfig': {
      const state = readState(name)
      if (!state?.ready) throw new Error(`local cluster "${name}" is not running`)
      if (values.kubeconfig) cpSync(state.kubeconfig, values.kubeconfig)
      else process.stdout.write(readFileSync(state.kubeconfig, 'utf8'))
      return
    }
    case 'logs': {
      const state = readState(name)
      if (!state) throw new Error(`no local cluster "${name}"`)
      const out = values.dir ?? '.'
      mkdirSync(out, { recursive: true })
      cpSync(join(state.dir, 'logs'), join(out, 'control-plane'), { recursive: true })
      if (existsSync(join(state.dir, 'ground-truth.jsonl')))
        cpSync(join(state.dir, 'ground-truth.jsonl'), join(out, 'ground-truth.jsonl'))
      // The kubelet's own layout, as kind's export: pods/<namespace>_<pod>_<uid>/<container>/N.log.
      const podLogs = join(state.dir, 'node', 'pod-logs')
      if (existsSync(podLogs)) cpSync(podLogs, join(out, 'pods'), { recursive: true })
      console.log(out)
      return
    }
    case 'fault': {
      const [action, a, b] = rest
      if (action === 'api-refuse' || action === 'api-reset')
        await control(name, { action, seconds: Number(a) })
      else await control(name, { action, namespace: a, pod: b })
      return
    }
    case 'sysctl': {
      // Without an argument: print the node's value, like `sysctl vm.max_map_count`.
      const m = /^vm\.max_map_count=(\d+)$/.exec(rest[0] ?? '')
      if (rest[0] !== undefined && !m)
        throw new Error(`sysctl takes vm.max_map_count=N, got "${rest[0]}"`)
      process.stdout.write(
        await control(name, { action: 'sysctl', value: m ? Number(m[1]) : undefined })
      )
      return
    }
    case 'image-archive':
      // For the real kind: `image-archive --out FILE REF...`, then `docker load` or `kind load image-archive`.
      if (!values.out || !rest.length)
        throw new Error('image-archive takes --out FILE and image refs')
      writeImageArchive(join(CACHE_ROOT, 'images', 'oci'), rest, values.out)
      return
    default:
      console.error(
        'usage: local-cluster (up|down [--orphans]|list|processes|kubeconfig|logs|fault|sysctl|image-archive) --name NAME ...'
      )
      process.exit(2)
  }
}

main().catch((err) => {
  console.error(`local-cluster: ${(err as Error).message}`)
  process.exit(1)
})
