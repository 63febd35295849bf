/**
 * The local cluster's node on upstream parts: the kubelet (v1.34, built from the Go module proxy)
 * on Debian's containerd and runc, pod networking by the CNI bridge plugin, CoreDNS as the
 * cluster DNS, local-path-provisioner behind the default StorageClass, and images pulled by
 * containerd from a registry on loopback (see registry.ts). Nothing here runs a pod: it starts and
 * configures those programs, injects faults, and undoes what they do to the machine.
 */
import { execFileSync, type ChildProcess } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  rmdirSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { basename, join } from 'node:path'
import { createHash } from 'node:crypto'
import {
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  StorageV1Api
} from '@kubernetes/client-node'
import { startProcess, stopProcesses } from './control-plane.js'
import type { GroundTruthLog } from './ground-truth.js'
import { SERVICE_CIDR, type PodNetwork } from './network.js'
import type { Pki } from './pki.js'
import { LocalRegistry, SERVED_REGISTRIES } from './registry.js'
import { KubeletGroundTruth } from './kubelet-ground-truth.js'

export interface KubeletNodeBinaries {
  kubelet: string
  kubeProxy: string
  containerd: string
  runc: string
  cniPlugins: string
  crictl: string
  coredns: string
  localPathProvisioner: string
}

export interface KubeletNodeOptions {
  clusterName: string
  clusterDir: string
  nodeName: string
  network: PodNetwork
  pki: Pki
  /** The API server as the node's programs reach it (directly, not through the fault proxy). */
  apiserverUrl: string
  /** An admin kubeconfig for CoreDNS and the provisioner (as kind's run with cluster-wide RBAC). */
  adminKubeconfig: string
  imagesLayout: string
  bin: KubeletNodeBinaries
  groundTruth: GroundTruthLog
}

/** Kernel settings the kubelet changes on start (protectKernelDefaults false); restored at stop. */
const KUBELET_SYSCTLS = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'net/ipv4/ip_forward'
]

const CGROUP_ROOT = '/sys/fs/cgroup'
/** The kubelet writes symlinks here whatever its configuration says. */
const CONTAINER_LOG_LINKS = '/var/log/containers'
const CNI_RESULTS = '/var/lib/cni/results'
/** Where containerd 1.6 keeps each pod sandbox's network namespace (`cni-<uuid>`). */
const NETNS_DIR = '/var/run/netns'

export class KubeletNode {
  readonly dir: string
  private readonly processes = new Map<string, ChildProcess>()
  private registry?: LocalRegistry
  private registryPort = 0
  private readonly kc: KubeConfig
  private groundTruth?: KubeletGroundTruth

  constructor(private readonly opts: KubeletNodeOptions) {
    this.dir = join(opts.clusterDir, 'node')
    this.kc = new KubeConfig()
    this.kc.loadFromFile(opts.adminKubeconfig)
  }

  get socket(): string {
    return join(nodeRunDir(this.opts.clusterDir), 'containerd.sock')
  }

  get cgroupRoot(): string {
    return nodeCgroupRoot(this.opts.clusterName)
  }

  get cniNetwork(): string {
    return `es-k8s-verify-${this.opts.clusterName}`
  }

  private get logDir(): string {
    return join(this.opts.clusterDir, 'logs')
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true })
    mkdirSync(nodeRunDir(this.opts.clusterDir), { recursive: true, mode: 0o700 })
    saveMachineSysctls()
    this.registry = new LocalRegistry(this.opts.imagesLayout)
    this.registryPort = await this.registry.listen()
    this.writeRegistryHosts(this.registryPort)
    this.writeCniConfig()
    this.createCgroupRoot()
    await this.startContainerd()
    this.startCoreDns()
    await this.authorizeApiServerToKubelet()
    this.groundTruth = new KubeletGroundTruth({
      socket: this.socket,
      podLogsDir: join(this.dir, 'pod-logs'),
      kubeconfig: this.opts.adminKubeconfig,
      log: this.opts.groundTruth
    })
    await this.groundTruth.start()
    await this.startKubelet()
    this.startKubeProxy()
    await this.startLocalPathProvisioner()
  }

  /** containerd pulls every image of these registries from the loopback registry, and only there. */
  private writeRegistryHosts(port: number): void {
    const server = `http://127.0.0.1:${port}`
    for (const registry of SERVED_REGISTRIES) {
      const hostsDir = join(this.dir, 'registry', registry)
      mkdirSync(hostsDir, { recursive: true })
      writeFileSync(
        join(hostsDir, 'hosts.toml'),
        `server = "${server}"\n\n[host."${server}"]\n  capabilities = ["pull", "resolve"]\n`
      )
    }
  }

  private writeCniConfig(): void {
    const { network } = this.opts
    mkdirSync(join(this.dir, 'cni'), { recursive: true })
    const conf = {
      cniVersion: '0.4.0',
      name: this.cniNetwork,
      plugins: [
        {
          type: 'bridge',
          bridge: network.bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            // The Service router keeps the last address; pods reach the Service range through it.
            ranges: [
              [
                {
                  subnet: network.subnet,
                  gateway: network.gateway,
                  rangeEnd: `${network.prefix}.253`
                }
              ]
            ],
            routes: [{ dst: SERVICE_CIDR, gw: network.serviceRouter }],
            dataDir: join(this.dir, 'cni-ipam')
          }
        },
        { type: 'portmap', capabilities: { portMappings: true } }
      ]
    }
    writeFileSync(join(this.dir, 'cni', '10-bridge.conflist'), JSON.stringify(conf, null, 2))
  }

  private createCgroupRoot(): void {
    for (const hierarchy of cgroupHierarchies())
      mkdirSync(join(hierarchy, this.cgroupRoot), { recursive: true })
  }

  private async startContainerd(): Promise<void> {
    const { bin } = this.opts
    const config = `version = 2
root = "${join(this.dir, 'containerd', 'root')}"
state = "${join(this.dir, 'containerd', 'state')}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "${this.socket}"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  # This machine gives root every capability but CAP_SYS_RESOURCE: no negative oom_score_adj.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "${bin.runc}"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${bin.cniPlugins}"
    conf_dir = "${join(this.dir, 'cni')}"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "${join(this.dir, 'registry')}"
`
    const configFile = join(this.dir, 'containerd.toml')
    writeFileSync(configFile, config)
    // Registries other than those served here go through the loopback registry as a proxy that
    // answers "no such host": a pull of an unknown image fails at once, as on a node where that
    // registry does not resolve, and no traffic leaves the machine. (Go never proxies loopback,
    // so the pulls that hosts.toml sends to the registry go straight to it.)
    const proxy = `http://127.0.0.1:${this.registryPort}`
    const env = { ...process.env, HTTP_PROXY: proxy, HTTPS_PROXY: proxy, NO_PROXY: '' }
    startProcess(
      'containerd',
      bin.containerd,
      ['--config', configFile],
      this.logDir,
      this.processes,
      env
    )
    await this.waitFor('containerd', 30_000, () => {
      if (!existsSync(this.socket)) return false
      try {
        this.crictl(['version'])
        return true
      } catch {
        return false
      }
    })
  }

  crictl(args: string[]): string {
    return execFileSync(
      this.opts.bin.crictl,
      ['--runtime-endpoint', `unix://${this.socket}`, '--timeout', '10s', ...args],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
  }

  /** CoreDNS on the bridge's address answers cluster.local from the API server, as on kind. */
  private startCoreDns(): void {
    const { network } = this.opts
    const corefile = join(this.dir, 'Corefile')
    // kind's Corefile without `forward`: nothing outside the cluster is ever asked.
    writeFileSync(
      corefile,
      `.:53 {
    bind ${network.gateway}
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       kubeconfig ${this.opts.adminKubeconfig}
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    cache 30
    loop
    loadbalance
}
`
    )
    startProcess('coredns', this.opts.bin.coredns, ['-conf', corefile], this.logDir, this.processes)
  }

  /** What kubeadm does: the API server's client identity may use the kubelet API (logs, exec). */
  private async authorizeApiServerToKubelet(): Promise<void> {
    const rbac = this.kc.makeApiClient(RbacAuthorizationV1Api)
    await rbac
      .createClusterRoleBinding({
        body: {
          metadata: { name: 'kube-apiserver-kubelet-api-admin' },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: 'system:kubelet-api-admin'
          },
          subjects: [
            { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kube-apiserver' }
          ]
        }
      })
      .catch((err) => {
        if ((err as { code?: number }).code !== 409) throw err
      })
  }

  private async startKubelet(): Promise<void> {
    const { network, pki, nodeName } = this.opts
    const kubeconfig = join(this.dir, 'kubelet.kubeconfig')
    const b64 = (file: string): string => readFileSync(file).toString('base64')
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'local',
            cluster: {
              server: this.opts.apiserverUrl,
              'certificate-authority-data': b64(pki.caCert)
            }
          }
        ],
        users: [
          {
            name: nodeName,
            user: {
              'client-certificate-data': b64(pki.nodeCert),
              'client-key-data': b64(pki.nodeKey)
            }
          }
        ],
        contexts: [{ name: 'local', context: { cluster: 'local', user: nodeName } }],
        'current-context': 'local'
      }),
      { mode: 0o600 }
    )
    // No search domains of this machine leak into pods: their resolv.conf is the cluster's alone.
    const resolvConf = join(this.dir, 'resolv.conf')
    writeFileSync(resolvConf, '')
    const config = {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      // The node's own address: two clusters on this machine never share the kubelet's port.
      address: network.gateway,
      port: 10250,
      readOnlyPort: 0,
      healthzPort: 0,
      cgroupDriver: 'cgroupfs',
      cgroupRoot: this.cgroupRoot,
      failSwapOn: false,
      containerRuntimeEndpoint: `unix://${this.socket}`,
      tlsCertFile: pki.kubeletCert,
      tlsPrivateKeyFile: pki.kubeletKey,
      authentication: {
        x509: { clientCAFile: pki.caCert },
        webhook: { enabled: true },
        anonymous: { enabled: false }
      },
      authorization: { mode: 'Webhook' },
      // Else it writes iptables chains into this machine's tables.
      makeIPTablesUtilChains: false,
      clusterDNS: [network.gateway],
      clusterDomain: 'cluster.local',
      resolvConf,
      podLogsDir: join(this.dir, 'pod-logs'),
      // kind's settings: no eviction or image GC on a machine that is not the node's alone.
      evictionHard: {
        'nodefs.available': '0%',
        'nodefs.inodesFree': '0%',
        'imagefs.available': '0%'
      },
      imageGCHighThresholdPercent: 100,
      serializeImagePulls: false,
      // The status manager reports changes at once; the verifier watches pods, not nodes.
      nodeStatusUpdateFrequency: '10s'
    }
    const configFile = join(this.dir, 'kubelet.yaml')
    writeFileSync(configFile, JSON.stringify(config, null, 2))
    startProcess(
      'kubelet',
      this.opts.bin.kubelet,
      [
        `--config=${configFile}`,
        `--kubeconfig=${kubeconfig}`,
        `--root-dir=${join(nodeRunDir(this.opts.clusterDir), 'kubelet')}`,
        `--cert-dir=${join(this.dir, 'kubelet-pki')}`,
        `--hostname-override=${nodeName}`,
        `--node-ip=${network.gateway}`,
        '--v=1'
      ],
      this.logDir,
      this.processes
    )
    const core = this.kc.makeApiClient(CoreV1Api)
    await this.waitForAsync('the kubelet to register a Ready node', 60_000, async () => {
      const node = await core.readNode({ name: nodeName }).catch(() => undefined)
      return (
        node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
      )
    })
  }

  /**
   * kube-proxy (iptables mode, as on kind) in the cluster's Service router (see PodNetwork): its
   * rules are written into the router's namespace, not this machine's. Replies of a Service's pod
   * to a pod on the same bridge would go straight back, around the router's translation, so every
   * Service connection is masqueraded (the router's address is the source the endpoint sees).
   */
  private startKubeProxy(): void {
    const { network, nodeName } = this.opts
    const config = {
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
      kind: 'KubeProxyConfiguration',
      clientConnection: { kubeconfig: this.opts.adminKubeconfig },
      hostnameOverride: nodeName,
      mode: 'iptables',
      clusterCIDR: network.subnet,
      iptables: { masqueradeAll: true },
      // kind's: the conntrack table's limits and timeouts stay this machine's.
      conntrack: { maxPerCore: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' }
    }
    const configFile = join(this.dir, 'kube-proxy.yaml')
    writeFileSync(configFile, JSON.stringify(config, null, 2))
    // nsenter enters the network namespace only (the mounts stay this machine's) and execs.
    startProcess(
      'kube-proxy',
      'nsenter',
      [
        `--net=${network.routerNamespacePath}`,
        '--',
        this.opts.bin.kubeProxy,
        `--config=${configFile}`,
        '--v=1'
      ],
      this.logDir,
      this.processes
    )
  }

  /** kind's default StorageClass: `standard`, rancher.io/local-path, WaitForFirstConsumer. */
  private async startLocalPathProvisioner(): Promise<void> {
    const core = this.kc.makeApiClient(CoreV1Api)
    const namespace = 'local-path-storage'
    const ignoreExists = (err: unknown): void => {
      if ((err as { code?: number }).code !== 409) throw err
    }
    await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(ignoreExists)
    await core
      .createNamespacedServiceAccount({
        namespace,
        body: { metadata: { name: 'local-path-provisioner-service-account' } }
      })
      .catch(ignoreExists)
    const volumes = join(this.opts.clusterDir, 'volumes')
    mkdirSync(volumes, { recursive: true })
    await core
      .createNamespacedConfigMap({
        namespace,
        body: {
          metadata: { name: 'local-path-config' },
          data: {
            'config.json': JSON.stringify({
              nodePathMap: [{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: [volumes] }]
            }),
            setup: '#!/bin/sh\nset -eu\nmkdir -m 0777 -p "$VOL_DIR"\n',
            teardown: '#!/bin/sh\nset -eu\nrm -rf "$VOL_DIR"\n',
            'helperPod.yaml': [
              'apiVersion: v1',
              'kind: Pod',
              'metadata:',
              '  name: helper-pod',
              'spec:',
              '  priorityClassName: system-node-critical',
              '  containers:',
              '  - name: helper-pod',
              '    image: busybox',
              '    imagePullPolicy: IfNotPresent',
              ''
            ].join('\n')
          }
        }
      })
      .catch(ignoreExists)
    await this.kc
      .makeApiClient(StorageV1Api)
      .createStorageClass({
        body: {
          metadata: {
            name: 'standard',
            annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' }
          },
          provisioner: 'rancher.io/local-path',
          reclaimPolicy: 'Delete',
          volumeBindingMode: 'WaitForFirstConsumer'
        }
      })
      .catch(ignoreExists)
    startProcess(
      'local-path-provisioner',
      this.opts.bin.localPathProvisioner,
      [
        '--debug',
        'start',
        '--kubeconfig',
        this.opts.adminKubeconfig,
        '--namespace',
        namespace,
        '--helper-image',
        'busybox:1.35.0'
      ],
      this.logDir,
      this.processes
    )
  }

  /** The main process of a pod's container (the first container unless named). */
  containerPid(namespace: string, pod: string): { pid: number; id: string } {
    const pods = JSON.parse(
      this.crictl([
        'pods',
        '--namespace',
        namespace,
        '--name',
        `^${pod}$`,
        '--state',
        'ready',
        '-o',
        'json'
      ])
    ) as {
      items: { id: string }[]
    }
    const sandbox = pods.items[0]?.id
    if (!sandbox) throw new Error(`no running pod ${namespace}/${pod} on this node`)
    const containers = JSON.parse(
      this.crictl(['ps', '--pod', sandbox, '--state', 'running', '-o', 'json'])
    ) as {
      containers: { id: string }[]
    }
    const id = containers.containers[0]?.id
    if (!id) throw new Error(`pod ${namespace}/${pod} has no running container`)
    const info = JSON.parse(this.crictl(['inspect', id])) as { info: { pid: number } }
    return { pid: info.info.pid, id }
  }

  /** Freezes or thaws every process of a pod's container through the cgroup freezer. */
  freeze(pid: number, frozen: boolean): void {
    const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => /^\d+:freezer:/.test(l))
    if (!line) throw new Error(`no freezer cgroup for process ${pid}`)
    const path = join(CGROUP_ROOT, 'freezer', line.split(':')[2], 'freezer.state')
    writeFileSync(path, frozen ? 'FROZEN' : 'THAWED')
  }

  async stop(): Promise<void> {
    const kubelet = this.processes.get('kubelet')
    if (kubelet) await stopProcesses(new Map([['kubelet', kubelet]]))
    // Every pod sandbox goes with its containers, network namespace and IP, as a node drain would.
    try {
      this.crictl(['rmp', '--all', '--force'])
    } catch (err) {
      console.error(`removing pod sandboxes: ${(err as Error).message}`)
    }
    this.groundTruth?.stop()
    await this.registry?.close()
    await stopProcesses(this.processes)
    cleanUpKubeletNodeHost(this.opts.clusterDir, this.opts.clusterName)
  }

  private async waitFor(what: string, ms: number, ready: () => boolean): Promise<void> {
    await this.waitForAsync(what, ms, async () => ready())
  }

  private async waitForAsync(
    what: string,
    ms: number,
    ready: () => Promise<boolean>
  ): Promise<void> {
    const deadline = Date.now() + ms
    while (Date.now() < deadline) {
      const dead = [...this.processes.entries()].find(
        ([, c]) => c.exitCode !== null || c.signalCode !== null
      )
      if (dead) {
        const log = readFileSync(join(this.logDir, `${dead[0]}.log`), 'utf8')
        throw new Error(
          `${dead[0]} exited (${dead[1].exitCode ?? dead[1].signalCode}) while waiting for ${what}\nlast log lines:\n${log.split('\n').slice(-15).join('\n')}`
        )
      }
      if (await ready()) return
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`timed out after ${ms / 1000}s waiting for ${what}`)
  }
}

/**
 * Where the node keeps its sockets (containerd's, the kubelet's root with its pod-resources and
 * plugin sockets): a short path of its own, since a Unix socket path holds at most 107 bytes and a
 * cluster directory under a test's TMPDIR leaves too few ("bind: invalid argument").
 */
export function nodeRunDir(clusterDir: string): string {
  return join(NODE_RUN_ROOT, createHash('sha256').update(clusterDir).digest('hex').slice(0, 12))
}

/** Every local cluster's node sockets, one short directory per cluster (see nodeRunDir). */
export const NODE_RUN_ROOT = '/run/es-k8s-verify'

/** cgroup parent of every pod of a cluster's node, so two clusters' kubelets never share /kubepods. */
export function nodeCgroupRoot(clusterName: string): string {
  return `/es-k8s-verify-${clusterName}`
}

/**
 * Undoes what the node's programs leave on this machine, even when they were killed (so `down`
 * calls it too): processes in the node's cgroups, mounts under the cluster directory, cgroups,
 * CNI results, container log links, and the kernel settings the kubelet changed.
 */
export function cleanUpKubeletNodeHost(clusterDir: string, clusterName: string): void {
  const cgroupRoot = nodeCgroupRoot(clusterName)
  const cniNetwork = `es-k8s-verify-${clusterName}`
  const hierarchies = cgroupHierarchies().filter((path) => existsSync(join(path, cgroupRoot)))
  // Containers left running (the owner was killed): their processes are in the node's cgroups.
  // Their network namespaces are noted first: with containerd gone, only they tell which of the
  // sandbox namespaces under /run/netns were this cluster's.
  const sandboxNamespaces = new Set<number>()
  for (const hierarchy of hierarchies) {
    const freezer = hierarchy.endsWith('/freezer')
    for (const cgroup of walk(join(hierarchy, cgroupRoot))) {
      if (freezer) {
        try {
          writeFileSync(join(cgroup, 'freezer.state'), 'THAWED')
        } catch {
          // gone meanwhile
        }
      }
      for (const pid of readLines(join(cgroup, 'cgroup.procs')))
        try {
          sandboxNamespaces.add(statSync(`/proc/${pid}/ns/net`).ino)
          process.kill(Number(pid), 'SIGKILL')
        } catch {
          // gone meanwhile
        }
    }
  }
  if (existsSync(NETNS_DIR))
    for (const name of readdirSync(NETNS_DIR))
      try {
        if (name.startsWith('cni-') && sandboxNamespaces.has(statSync(join(NETNS_DIR, name)).ino))
          execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' })
      } catch {
        // removed meanwhile
      }
  // Mounts: overlay roots, shm, secrets and tokens, netns files; deepest first.
  const runDir = nodeRunDir(clusterDir)
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter(
      (p): p is string =>
        !!p && (p.startsWith(`${clusterDir}/`) || p.startsWith(`${runDir}/`) || p === runDir)
    )
    .sort((a, b) => b.length - a.length)
  for (const mount of mounts)
    try {
      execFileSync('umount', ['-l', mount], { stdio: 'ignore' })
    } catch {
      // already gone
    }
  for (const hierarchy of hierarchies)
    for (const cgroup of walk(join(hierarchy, cgroupRoot)).reverse())
      try {
        rmdirSync(cgroup)
      } catch {
        // a process that is still exiting keeps it a moment; `down` tries again
      }
  rmSync(runDir, { recursive: true, force: true })
  if (existsSync(CNI_RESULTS))
    for (const entry of readdirSync(CNI_RESULTS))
      if (entry.startsWith(`${cniNetwork}-`)) rmSync(join(CNI_RESULTS, entry), { force: true })
  if (existsSync(CONTAINER_LOG_LINKS))
    for (const entry of readdirSync(CONTAINER_LOG_LINKS)) {
      const link = join(CONTAINER_LOG_LINKS, entry)
      try {
        if (readlinkSync(link).startsWith(`${clusterDir}/`)) rmSync(link, { force: true })
      } catch {
        // not a link
      }
    }
  restoreMachineSysctls()
}

/** The machine's kernel settings from before the first of the running clusters' kubelets. */
const MACHINE_SYSCTLS = join(NODE_RUN_ROOT, 'sysctls.json')

/**
 * Notes the settings the kubelet changes, unless a running cluster noted them already: a second
 * cluster would note the first one's kubelet's values, and put those back when it stops.
 */
function saveMachineSysctls(): void {
  const values: Record<string, string> = {}
  for (const name of KUBELET_SYSCTLS) {
    const file = `/proc/sys/${name}`
    if (existsSync(file)) values[file] = readFileSync(file, 'utf8').trim()
  }
  try {
    writeFileSync(MACHINE_SYSCTLS, JSON.stringify(values), { flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
}

/** Puts the machine's settings back once no cluster's node is left (each has a run directory). */
function restoreMachineSysctls(): void {
  if (!existsSync(MACHINE_SYSCTLS)) return
  if (readdirSync(NODE_RUN_ROOT).some((entry) => entry !== basename(MACHINE_SYSCTLS))) return
  for (const [file, value] of Object.entries(
    JSON.parse(readFileSync(MACHINE_SYSCTLS, 'utf8')) as Record<string, string>
  ))
    try {
      writeFileSync(file, value)
    } catch (err) {
      console.error(`restoring ${file}=${value}: ${(err as Error).message}`)
    }
  rmSync(MACHINE_SYSCTLS, { force: true })
}

/** The mounted cgroup v1 hierarchies (memory, freezer, ...), and unified beside them. */
function cgroupHierarchies(): string[] {
  if (!existsSync(CGROUP_ROOT)) return []
  return readdirSync(CGROUP_ROOT)
    .map((name) => join(CGROUP_ROOT, name))
    .filter((path) => existsSync(join(path, 'cgroup.procs')))
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return []
  const found = [dir]
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isDirectory()) found.push(...walk(join(dir, entry.name)))
  return found
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean)
  } catch {
    return []
  }
}
