import { spawn, type ChildProcess } from 'node:child_process'
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { Agent, request } from 'undici'
import { SERVICE_CIDR } from './network.js'
import type { Pki } from './pki.js'

/** Where the upstream binaries were built (see scripts/build-control-plane.sh). */
export interface ControlPlaneBinaries {
  etcd: string
  kubeApiserver: string
  kubeControllerManager: string
  kubeScheduler: string
}

export interface ControlPlane {
  apiserverUrl: string
  kubeconfigPath: string
  processes: Map<string, ChildProcess>
}

/** Finds a free TCP port on loopback by binding port 0. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** Writes an admin kubeconfig with embedded credentials, readable by the owner only. */
export function writeKubeconfig(path: string, clusterName: string, server: string, pki: Pki): void {
  const b64 = (file: string): string => readFileSync(file).toString('base64')
  const context = `local-${clusterName}`
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: context, cluster: { server, 'certificate-authority-data': b64(pki.caCert) } }
    ],
    users: [
      {
        name: `${context}-admin`,
        user: {
          'client-certificate-data': b64(pki.adminCert),
          'client-key-data': b64(pki.adminKey)
        }
      }
    ],
    contexts: [{ name: context, context: { cluster: context, user: `${context}-admin` } }],
    'current-context': context
  }
  writeFileSync(path, JSON.stringify(doc, null, 2), { mode: 0o600 })
}

/** Starts a program with its output in logDir/<name>.log, and records it in processes. */
export function startProcess(
  name: string,
  binary: string,
  args: string[],
  logDir: string,
  processes: Map<string, ChildProcess>,
  env: NodeJS.ProcessEnv = process.env
): ChildProcess {
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' })
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
  child.stdout?.pipe(log)
  child.stderr?.pipe(log)
  processes.set(name, child)
  return child
}

async function waitHealthy(
  url: string,
  pki: Pki,
  what: string,
  deadlineMs: number,
  logFile: string,
  watch: Map<string, ChildProcess> = new Map()
): Promise<void> {
  const dispatcher = new Agent({
    connect: {
      ca: readFileSync(pki.caCert),
      cert: readFileSync(pki.adminCert),
      key: readFileSync(pki.adminKey)
    }
  })
  let last = 'no answer yet'
  const deadline = Date.now() + deadlineMs
  while (Date.now() < deadline) {
    // A process that died will never answer: say so now, not at the deadline.
    const dead = [...watch.entries()].find(([, c]) => c.exitCode !== null || c.signalCode !== null)
    if (dead) {
      const log = readFileSync(join(dirname(logFile), `${dead[0]}.log`), 'utf8')
      throw new Error(
        `${dead[0]} exited (${dead[1].exitCode ?? dead[1].signalCode}) before ${what} was healthy\nlast log lines:\n${log.split('\n').slice(-15).join('\n')}`
      )
    }
    try {
      const res = await request(url, { dispatcher, headersTimeout: 2000, bodyTimeout: 2000 })
      const body = await res.body.text()
      if (res.statusCode === 200) return
      last = `${res.statusCode} ${body.slice(0, 300)}`
    } catch (err) {
      last = (err as Error).message
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  const tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')
  throw new Error(
    `${what} did not become healthy within ${deadlineMs / 1000}s; last answer: ${last}\nlast log lines:\n${tail}`
  )
}

/**
 * Starts etcd and the API server on ports picked just before. Another process can take a
 * picked port before the program binds it; then the start fails with 'address already in
 * use' and is tried again with fresh ports (the race is in the pick, so retrying is the fix).
 */
async function startStorageAndApi(
  opts: { dir: string; pki: Pki; bin: ControlPlaneBinaries; advertiseAddress: string },
  logDir: string,
  processes: Map<string, ChildProcess>
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStorageAndApiOnce(opts, logDir, processes)
    } catch (err) {
      const logs = ['etcd', 'kube-apiserver']
        .map((n) => join(logDir, `${n}.log`))
        .filter((f) => existsSync(f))
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n')
      if (attempt >= 3 || !/address already in use/.test(logs)) throw err
      console.error(
        `control plane: a picked port was taken meanwhile (attempt ${attempt}); retrying with fresh ports`
      )
      await stopProcesses(processes)
      processes.clear()
      rmSync(join(opts.dir, 'etcd'), { recursive: true, force: true })
      for (const n of ['etcd', 'kube-apiserver']) rmSync(join(logDir, `${n}.log`), { force: true })
    }
  }
}

async function startStorageAndApiOnce(
  opts: { dir: string; pki: Pki; bin: ControlPlaneBinaries; advertiseAddress: string },
  logDir: string,
  processes: Map<string, ChildProcess>
): Promise<string> {
  const { dir, pki, bin } = opts
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()]
  startProcess(
    'etcd',
    bin.etcd,
    [
      '--name',
      'local',
      '--data-dir',
      join(dir, 'etcd'),
      '--listen-client-urls',
      `http://127.0.0.1:${etcdClient}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${etcdClient}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${etcdPeer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster',
      `local=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--quota-backend-bytes',
      '1073741824'
    ],
    logDir,
    processes
  )
  // On the node's address, as on a kind node: the node's programs and the pods (through the
  // `kubernetes` Service) reach it there; it is this machine's own address, so it is local too.
  const apiserverUrl = `https://${opts.advertiseAddress}:${apiPort}`
  startProcess(
    'kube-apiserver',
    bin.kubeApiserver,
    [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      `--bind-address=${opts.advertiseAddress}`,
      `--secure-port=${apiPort}`,
      `--advertise-address=${opts.advertiseAddress}`,
      `--client-ca-file=${pki.caCert}`,
      `--tls-cert-file=${pki.apiserverCert}`,
      `--tls-private-key-file=${pki.apiserverKey}`,
      `--kubelet-client-certificate=${pki.apiserverCert}`,
      `--kubelet-client-key=${pki.apiserverKey}`,
      '--kubelet-preferred-address-types=InternalIP',
      `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--authorization-mode=Node,RBAC',
      '--allow-privileged=true',
      '--enable-priority-and-fairness=false',
      '--profiling=false'
    ],
    logDir,
    processes
  )
  await waitHealthy(
    `${apiserverUrl}/readyz`,
    pki,
    'kube-apiserver',
    90_000,
    join(logDir, 'kube-apiserver.log'),
    processes
  )
  return apiserverUrl
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager and kube-scheduler, each as a child
 * process logging to logDir, and resolves once the API server answers /readyz.
 */
export async function startControlPlane(opts: {
  clusterName: string
  dir: string
  pki: Pki
  bin: ControlPlaneBinaries
  advertiseAddress: string
}): Promise<ControlPlane> {
  const { dir, pki, bin } = opts
  const logDir = join(dir, 'logs')
  mkdirSync(logDir, { recursive: true })
  const processes = new Map<string, ChildProcess>()
  const apiserverUrl = await startStorageAndApi(opts, logDir, processes)
  const kubeconfigPath = join(dir, 'kubeconfig')
  writeKubeconfig(kubeconfigPath, opts.clusterName, apiserverUrl, pki)
  startProcess(
    'kube-controller-manager',
    bin.kubeControllerManager,
    [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      `--cluster-signing-cert-file=${pki.caCert}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      '--use-service-account-credentials=false',
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--controllers=*',
      // Pods of a lost node are evicted quickly, so a stopped agent is noticed as it would be in kind.
      '--node-monitor-grace-period=20s',
      '--concurrent-statefulset-syncs=5'
    ],
    logDir,
    processes
  )
  startProcess(
    'kube-scheduler',
    bin.kubeScheduler,
    [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0'
    ],
    logDir,
    processes
  )
  return { apiserverUrl, kubeconfigPath, processes }
}

/** Stops the control plane's processes, newest first, with SIGTERM then SIGKILL after graceMs. */
export async function stopProcesses(
  processes: Map<string, ChildProcess>,
  graceMs = 5000
): Promise<void> {
  for (const [, child] of [...processes.entries()].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }
}
