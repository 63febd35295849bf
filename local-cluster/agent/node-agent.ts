import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  CoreV1Api,
  CoordinationV1Api,
  KubeConfig,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type Informer,
  type ObjectCache,
  type V1Pod,
  type V1Service,
  type V1PersistentVolumeClaim,
  type V1PersistentVolume,
  type V1Lease,
  V1MicroTime
} from '@kubernetes/client-node'
import { ContainerRuntime, type HostMount, type ContainerState } from './container.js'
import { PodNetwork } from './network.js'
import { GroundTruthLog } from './ground-truth.js'
import { LogServer, type LogSource } from './log-server.js'

export const PROVISIONER = 'es-k8s-verify.local/hostpath'
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

export interface NodeAgentOptions {
  nodeName: string
  clusterDir: string
  kubeletPort: number
  network: PodNetwork
  engineDir: (engine: 'elasticsearch' | 'opensearch') => string
  groundTruth: GroundTruthLog
  tls: { cert: string; key: string }
  /** Where the node's vm.max_map_count lives: the host kernel's (kind) or the node's own (minikube, local). */
  sysctlSource: 'host' | 'simulated'
}

interface PodRuntime {
  pod: V1Pod
  netns: string
  podIP: string
  hostsFile: string
  podDir: string
  init: ContainerRuntime[]
  containers: ContainerRuntime[]
  initialized: boolean
  startTime: Date
  terminating: boolean
  syncTimer?: NodeJS.Timeout
}

function stateToApi(state: ContainerState | undefined): Record<string, unknown> | undefined {
  if (!state) return undefined
  switch (state.state) {
    case 'waiting':
      return { waiting: { reason: state.reason, message: state.message } }
    case 'running':
      return { running: { startedAt: state.startedAt.toISOString() } }
    case 'terminated':
      return {
        terminated: {
          exitCode: state.exitCode,
          reason: state.reason,
          startedAt: state.startedAt.toISOString(),
          finishedAt: state.finishedAt.toISOString(),
          message: state.message
        }
      }
  }
}

/**
 * Stands in for the kubelet on one Node: registers it, runs the pods scheduled to it as local
 * processes in their own network namespaces, reports their status, serves their logs, keeps
 * their hosts files current and provisions hostPath volumes for the `standard` StorageClass.
 */
export class NodeAgent {
  private readonly core: CoreV1Api
  private readonly coordination: CoordinationV1Api
  private readonly pods = new Map<string, PodRuntime>()
  private podInformer?: Informer<V1Pod> & ObjectCache<V1Pod>
  private serviceInformer?: Informer<V1Service> & ObjectCache<V1Service>
  private pvcInformer?: Informer<V1PersistentVolumeClaim> & ObjectCache<V1PersistentVolumeClaim>
  private pvInformer?: Informer<V1PersistentVolume> & ObjectCache<V1PersistentVolume>
  private timers: NodeJS.Timeout[] = []
  private hostsTimer?: NodeJS.Timeout
  private logServer?: LogServer
  private readonly sysctlFile: string
  private stopped = false

  constructor(
    private readonly kc: KubeConfig,
    private readonly opts: NodeAgentOptions
  ) {
    this.core = kc.makeApiClient(CoreV1Api)
    this.coordination = kc.makeApiClient(CoordinationV1Api)
    const nodeDir = join(opts.clusterDir, 'nodes', opts.nodeName)
    mkdirSync(nodeDir, { recursive: true })
    this.sysctlFile = join(nodeDir, 'vm.max_map_count')
    // A fresh node (a minikube VM) starts at the kernel's default, whatever this machine has.
    if (!existsSync(this.sysctlFile))
      writeFileSync(this.sysctlFile, process.env.ES_K8S_VERIFY_NODE_MAX_MAP_COUNT ?? '65530')
  }

  /** The node's vm.max_map_count. */
  get maxMapCount(): number {
    if (this.opts.sysctlSource === 'host')
      return Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8').trim())
    return Number(readFileSync(this.sysctlFile, 'utf8').trim())
  }

  set maxMapCount(value: number) {
    writeFileSync(this.sysctlFile, String(value))
  }

  async start(): Promise<void> {
    this.logServer = new LogServer(
      this.opts.network.gateway,
      this.opts.kubeletPort,
      this.opts.tls,
      (ns, pod, container, previous) => this.logFile(ns, pod, container, previous)
    )
    await this.logServer.start()
    await this.registerNode()
    this.timers.push(setInterval(() => void this.heartbeat().catch(() => undefined), 5000))
    const node = this.opts.nodeName
    this.podInformer = makeInformer(this.kc, '/api/v1/pods', () =>
      this.core.listPodForAllNamespaces()
    )
    this.serviceInformer = makeInformer(this.kc, '/api/v1/services', () =>
      this.core.listServiceForAllNamespaces()
    )
    this.pvcInformer = makeInformer(this.kc, '/api/v1/persistentvolumeclaims', () =>
      this.core.listPersistentVolumeClaimForAllNamespaces()
    )
    this.pvInformer = makeInformer(this.kc, '/api/v1/persistentvolumes', () =>
      this.core.listPersistentVolume()
    )
    const onPod = (pod: V1Pod): void => {
      if (pod.spec?.nodeName === node)
        void this.reconcilePod(pod).catch((err) =>
          console.error(`pod ${pod.metadata?.name}: ${err}`)
        )
      this.scheduleHosts()
    }
    this.podInformer.on('add', onPod)
    this.podInformer.on('update', onPod)
    this.podInformer.on('delete', (pod) => {
      const rt = this.pods.get(pod.metadata?.uid ?? '')
      if (rt) void this.removePod(rt, 0)
      this.scheduleHosts()
    })
    this.serviceInformer.on('add', () => this.scheduleHosts())
    this.serviceInformer.on('update', () => this.scheduleHosts())
    this.serviceInformer.on('delete', () => this.scheduleHosts())
    const onClaim = (pvc: V1PersistentVolumeClaim): void =>
      void this.provision(pvc).catch((err) =>
        console.error(`provision ${pvc.metadata?.name}: ${err}`)
      )
    this.pvcInformer.on('add', onClaim)
    this.pvcInformer.on('update', onClaim)
    const onVolume = (pv: V1PersistentVolume): void => void this.reclaim(pv).catch(() => undefined)
    this.pvInformer.on('add', onVolume)
    this.pvInformer.on('update', onVolume)
    for (const informer of [
      this.podInformer,
      this.serviceInformer,
      this.pvcInformer,
      this.pvInformer
    ] as unknown as Informer<V1Pod>[]) {
      informer.on('error', () => setTimeout(() => !this.stopped && void informer.start(), 1000))
      await informer.start()
    }
  }

  private nodeStatus(): Record<string, unknown> {
    const now = new Date().toISOString()
    const condition = (type: string, status: string, reason: string) => ({
      type,
      status,
      reason,
      message: reason,
      lastHeartbeatTime: now,
      lastTransitionTime: now
    })
    const capacity = { cpu: '2', memory: '24Gi', pods: '110', 'ephemeral-storage': '100Gi' }
    return {
      capacity,
      allocatable: capacity,
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID'),
        condition('Ready', 'True', 'KubeletReady')
      ],
      addresses: [
        { type: 'InternalIP', address: this.opts.network.gateway },
        { type: 'Hostname', address: this.opts.nodeName }
      ],
      daemonEndpoints: {
        kubeletEndpoint: { Port: this.logServer?.listeningPort ?? this.opts.kubeletPort }
      },
      nodeInfo: {
        machineID: this.opts.nodeName,
        systemUUID: this.opts.nodeName,
        bootID: String(process.pid),
        kernelVersion: '',
        osImage: 'es-k8s-verify local node',
        containerRuntimeVersion: 'es-k8s-verify-local://0.1.0',
        kubeletVersion: 'v1.34.4',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64'
      }
    }
  }

  private async registerNode(): Promise<void> {
    const name = this.opts.nodeName
    try {
      await this.core.createNode({
        body: {
          metadata: {
            name,
            labels: {
              'kubernetes.io/hostname': name,
              'kubernetes.io/os': 'linux',
              'kubernetes.io/arch': 'amd64',
              'node-role.kubernetes.io/control-plane': ''
            }
          }
        }
      })
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err
    }
    await this.core.patchNodeStatus({ name, body: { status: this.nodeStatus() } }, mergePatch)
    await this.heartbeat()
  }

  private async heartbeat(): Promise<void> {
    const name = this.opts.nodeName
    const lease: V1Lease = {
      metadata: { name, namespace: 'kube-node-lease' },
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new V1MicroTime() }
    }
    try {
      await this.coordination.replaceNamespacedLease({
        name,
        namespace: 'kube-node-lease',
        body: {
          ...lease,
          metadata: {
            ...lease.metadata,
            resourceVersion: (
              await this.coordination.readNamespacedLease({ name, namespace: 'kube-node-lease' })
            ).metadata?.resourceVersion
          }
        }
      })
    } catch {
      await this.coordination
        .createNamespacedLease({ namespace: 'kube-node-lease', body: lease })
        .catch(() => undefined)
    }
    await this.core
      .patchNodeStatus({ name, body: { status: this.nodeStatus() } }, mergePatch)
      .catch(() => undefined)
  }

  private async reconcilePod(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? ''
    const existing = this.pods.get(uid)
    if (pod.metadata?.deletionTimestamp) {
      if (existing)
        await this.removePod(
          existing,
          pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30
        )
      else
        await this.core
          .deleteNamespacedPod({
            name: pod.metadata.name!,
            namespace: pod.metadata.namespace!,
            gracePeriodSeconds: 0
          })
          .catch(() => undefined)
      return
    }
    if (existing) {
      existing.pod = pod
      return
    }
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return
    await this.startPod(pod)
  }

  private async startPod(pod: V1Pod): Promise<void> {
    const uid = pod.metadata!.uid!
    const { netns, podIP } = this.opts.network.addPod(uid)
    this.opts.groundTruth.record({
      event: 'pod-ip-assigned',
      namespace: pod.metadata?.namespace,
      pod: pod.metadata?.name,
      detail: { podIP, uid }
    })
    const podDir = join(this.opts.clusterDir, 'pods', uid)
    mkdirSync(podDir, { recursive: true })
    const hostsFile = PodNetwork.writeHosts(
      netns,
      `127.0.0.1 localhost\n${podIP} ${pod.metadata?.name}\n`
    )
    const rt: PodRuntime = {
      pod,
      netns,
      podIP,
      hostsFile,
      podDir,
      init: [],
      containers: [],
      initialized: false,
      startTime: new Date(),
      terminating: false
    }
    this.pods.set(uid, rt)
    this.writeHosts()
    const mounts = await this.resolveMounts(pod, podDir)
    const ctx = {
      pod,
      podIP,
      netns,
      hostsFile,
      podDir,
      engineDir: this.opts.engineDir,
      nodeSysctl: () => this.maxMapCount,
      setNodeSysctl: (v: number) => (this.maxMapCount = v),
      groundTruth: this.opts.groundTruth,
      onChange: () => this.scheduleStatus(rt)
    }
    rt.init = (pod.spec?.initContainers ?? []).map(
      (c) => new ContainerRuntime(c, { ...ctx, mounts: mountsFor(c, mounts) }, true)
    )
    rt.containers = (pod.spec?.containers ?? []).map(
      (c) => new ContainerRuntime(c, { ...ctx, mounts: mountsFor(c, mounts) }, false)
    )
    this.scheduleStatus(rt)
    for (const init of rt.init) {
      const code = await init.start()
      if (rt.terminating) return
      if (code !== 0) {
        this.scheduleStatus(rt)
        return
      }
    }
    rt.initialized = true
    for (const c of rt.containers) c.start()
    this.scheduleStatus(rt)
  }

  /** Resolves each pod volume to a host directory: claims to their bound volume, emptyDir and configMaps under the pod. */
  private async resolveMounts(pod: V1Pod, podDir: string): Promise<Map<string, string>> {
    const volumes = new Map<string, string>()
    for (const v of pod.spec?.volumes ?? []) {
      const dir = join(podDir, 'volumes', v.name)
      if (v.persistentVolumeClaim) {
        const claim = await this.core.readNamespacedPersistentVolumeClaim({
          name: v.persistentVolumeClaim.claimName,
          namespace: pod.metadata!.namespace!
        })
        const pv = claim.spec?.volumeName
          ? await this.core.readPersistentVolume({ name: claim.spec.volumeName })
          : undefined
        volumes.set(v.name, pv?.spec?.hostPath?.path ?? dir)
      } else if (v.hostPath) {
        volumes.set(v.name, v.hostPath.path)
      } else if (v.configMap) {
        mkdirSync(dir, { recursive: true })
        const cm = await this.core
          .readNamespacedConfigMap({ name: v.configMap.name!, namespace: pod.metadata!.namespace! })
          .catch(() => undefined)
        for (const [key, value] of Object.entries(cm?.data ?? {}))
          writeFileSync(join(dir, key), value)
        volumes.set(v.name, dir)
      } else {
        mkdirSync(dir, { recursive: true })
        volumes.set(v.name, dir)
      }
      mkdirSync(volumes.get(v.name)!, { recursive: true })
    }
    return volumes
  }

  private scheduleStatus(rt: PodRuntime): void {
    if (rt.syncTimer) return
    // Coalesce a burst of changes into one update; the kubelet status manager, too, syncs a
    // change at once rather than on a period.
    rt.syncTimer = setTimeout(() => {
      rt.syncTimer = undefined
      void this.syncStatus(rt).catch((err) =>
        console.error(`status ${rt.pod.metadata?.name}: ${err}`)
      )
    }, 10)
  }

  private async syncStatus(rt: PodRuntime): Promise<void> {
    if (rt.terminating && !this.pods.has(rt.pod.metadata?.uid ?? '')) return
    const now = new Date().toISOString()
    const ready = rt.initialized && rt.containers.every((c) => c.ready)
    const previous = rt.pod.status?.conditions ?? []
    const condition = (type: string, ok: boolean, reason?: string) => {
      const status = ok ? 'True' : 'False'
      const before = previous.find((c) => c.type === type)
      return {
        type,
        status,
        reason,
        lastProbeTime: null,
        lastTransitionTime: before?.status === status ? before.lastTransitionTime : now
      }
    }
    const status = (c: ContainerRuntime) => ({
      name: c.name,
      image: c.spec.image,
      imageID: c.mapping.kind === 'engine' ? `local://${c.mapping.engine}` : '',
      containerID: c.pid ? `local://${c.pid}` : undefined,
      ready: c.isInit ? c.state.state === 'terminated' && c.state.exitCode === 0 : c.ready,
      started: c.state.state === 'running',
      restartCount: c.restartCount,
      state: stateToApi(c.state),
      lastState: stateToApi(c.lastState !== c.state ? c.lastState : undefined) ?? {}
    })
    const running = rt.containers.some((c) => c.state.state === 'running')
    const body = {
      status: {
        phase: running || rt.containers.some((c) => c.restartCount > 0) ? 'Running' : 'Pending',
        hostIP: this.opts.network.gateway,
        hostIPs: [{ ip: this.opts.network.gateway }],
        podIP: rt.podIP,
        podIPs: [{ ip: rt.podIP }],
        startTime: rt.startTime.toISOString(),
        conditions: [
          condition('PodReadyToStartContainers', true),
          condition(
            'Initialized',
            rt.initialized,
            rt.initialized ? undefined : 'ContainersNotInitialized'
          ),
          condition('Ready', ready, ready ? undefined : 'ContainersNotReady'),
          condition('ContainersReady', ready, ready ? undefined : 'ContainersNotReady'),
          previous.find((c) => c.type === 'PodScheduled') ?? condition('PodScheduled', true)
        ],
        initContainerStatuses: rt.init.map(status),
        containerStatuses: rt.containers.map(status)
      }
    }
    const updated = await this.core.patchNamespacedPodStatus(
      { name: rt.pod.metadata!.name!, namespace: rt.pod.metadata!.namespace!, body },
      mergePatch
    )
    rt.pod = { ...rt.pod, status: updated.status }
  }

  /** Stops the pod's containers with its grace period, then removes the pod object, as the kubelet does. */
  private async removePod(rt: PodRuntime, graceSeconds: number): Promise<void> {
    if (rt.terminating) return
    rt.terminating = true
    clearTimeout(rt.syncTimer)
    await Promise.all([...rt.containers, ...rt.init].map((c) => c.stop(graceSeconds)))
    this.opts.network.removePod(rt.netns, rt.podIP)
    this.pods.delete(rt.pod.metadata!.uid!)
    this.opts.groundTruth.record({
      event: 'pod-removed',
      namespace: rt.pod.metadata?.namespace,
      pod: rt.pod.metadata?.name,
      detail: { uid: rt.pod.metadata?.uid }
    })
    await this.core
      .deleteNamespacedPod({
        name: rt.pod.metadata!.name!,
        namespace: rt.pod.metadata!.namespace!,
        body: { gracePeriodSeconds: 0, preconditions: { uid: rt.pod.metadata!.uid } }
      })
      .catch((err) => {
        if ((err as { code?: number }).code !== 404)
          console.error(`removing pod ${rt.pod.metadata?.name}: ${err}`)
      })
    this.scheduleHosts()
  }

  /** Dynamic provisioning for claims of the `standard` class: a directory per claim. */
  private async provision(pvc: V1PersistentVolumeClaim): Promise<void> {
    if (pvc.spec?.volumeName || pvc.status?.phase !== 'Pending') return
    const className = pvc.spec?.storageClassName
    if (className !== 'standard') return
    const name = `pvc-${pvc.metadata!.uid}`
    const path = join(
      this.opts.clusterDir,
      'volumes',
      `${pvc.metadata!.namespace}_${pvc.metadata!.name}_${name}`
    )
    mkdirSync(path, { recursive: true })
    await this.core
      .createPersistentVolume({
        body: {
          metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER } },
          spec: {
            capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' },
            accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
            persistentVolumeReclaimPolicy: 'Delete',
            storageClassName: className,
            hostPath: { path, type: 'DirectoryOrCreate' },
            claimRef: {
              namespace: pvc.metadata!.namespace,
              name: pvc.metadata!.name,
              uid: pvc.metadata!.uid
            }
          }
        }
      })
      .catch((err) => {
        if ((err as { code?: number }).code !== 409) throw err
      })
  }

  /** Deletes released volumes this provisioner made, and their directories. */
  private async reclaim(pv: V1PersistentVolume): Promise<void> {
    if (
      pv.status?.phase !== 'Released' ||
      pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'] !== PROVISIONER
    )
      return
    if (pv.spec?.hostPath?.path?.startsWith(this.opts.clusterDir))
      rmSync(pv.spec.hostPath.path, { recursive: true, force: true })
    await this.core.deletePersistentVolume({ name: pv.metadata!.name! })
  }

  private scheduleHosts(): void {
    clearTimeout(this.hostsTimer)
    this.hostsTimer = setTimeout(() => this.writeHosts(), 20)
  }

  /**
   * Writes each local pod's hosts file with what cluster DNS would answer: the pods of headless
   * Services by `<hostname>.<subdomain>` (Ready pods only unless publishNotReadyAddresses), and
   * the Service's own name listing them all.
   */
  private writeHosts(): void {
    const allPods = this.podInformer?.list() ?? []
    const services = this.serviceInformer?.list() ?? []
    for (const rt of this.pods.values()) {
      const ns = rt.pod.metadata?.namespace ?? 'default'
      const lines = ['127.0.0.1 localhost', '::1 localhost']
      const own = rt.pod.spec?.subdomain
        ? `${rt.pod.spec.hostname ?? rt.pod.metadata?.name}.${rt.pod.spec.subdomain}.${ns}.svc.cluster.local `
        : ''
      lines.push(`${rt.podIP} ${own}${rt.pod.spec?.hostname ?? rt.pod.metadata?.name}`)
      for (const svc of services) {
        if (svc.metadata?.namespace !== ns || svc.spec?.clusterIP !== 'None' || !svc.spec.selector)
          continue
        const selector = svc.spec.selector
        const svcName = svc.metadata.name!
        for (const p of allPods) {
          if (p.metadata?.namespace !== ns || p.metadata.deletionTimestamp || !p.status?.podIP)
            continue
          if (!Object.entries(selector).every(([k, v]) => p.metadata?.labels?.[k] === v)) continue
          const isReady = p.status.conditions?.some(
            (c) => c.type === 'Ready' && c.status === 'True'
          )
          if (!isReady && !svc.spec.publishNotReadyAddresses) continue
          const names = [
            `${svcName}.${ns}.svc.cluster.local`,
            `${svcName}.${ns}.svc`,
            `${svcName}.${ns}`,
            svcName
          ]
          if (p.spec?.subdomain === svcName) {
            const host = p.spec.hostname ?? p.metadata.name
            names.unshift(
              `${host}.${svcName}.${ns}.svc.cluster.local`,
              `${host}.${svcName}.${ns}.svc`,
              `${host}.${svcName}.${ns}`,
              `${host}.${svcName}`
            )
          }
          lines.push(`${p.status.podIP} ${names.join(' ')}`)
        }
      }
      PodNetwork.writeHosts(rt.netns, `${lines.join('\n')}\n`)
    }
  }

  private logFile(
    namespace: string,
    podName: string,
    container: string,
    previous: boolean
  ): LogSource | undefined {
    for (const rt of this.pods.values()) {
      if (rt.pod.metadata?.namespace !== namespace || rt.pod.metadata?.name !== podName) continue
      const c = [...rt.containers, ...rt.init].find((x) => x.name === container)
      if (!c) return undefined
      const instance = previous ? c.restartCount - 1 : c.restartCount
      if (instance < 0) return undefined
      return {
        file: c.logPath(instance),
        writing: () =>
          !previous &&
          this.pods.get(rt.pod.metadata?.uid ?? '') === rt &&
          c.restartCount === instance &&
          c.state.state === 'running'
      }
    }
    return undefined
  }

  /** Finds a running container by pod name, for fault injection. */
  container(namespace: string, podName: string, container?: string): ContainerRuntime | undefined {
    for (const rt of this.pods.values()) {
      if (rt.pod.metadata?.namespace === namespace && rt.pod.metadata?.name === podName) {
        return container ? rt.containers.find((c) => c.name === container) : rt.containers[0]
      }
    }
    return undefined
  }

  /** Stops every pod without grace (the node is going away) and the agent's loops. */
  async stop(): Promise<void> {
    this.stopped = true
    for (const t of this.timers) clearInterval(t)
    for (const informer of [
      this.podInformer,
      this.serviceInformer,
      this.pvcInformer,
      this.pvInformer
    ])
      await informer?.stop()
    await Promise.all(
      [...this.pods.values()].map(async (rt) => {
        rt.terminating = true
        await Promise.all([...rt.containers, ...rt.init].map((c) => c.stop(2)))
        this.opts.network.removePod(rt.netns, rt.podIP)
      })
    )
    this.pods.clear()
    await this.logServer?.stop()
  }
}

function mountsFor(
  container: { volumeMounts?: { name: string; mountPath: string; subPath?: string }[] },
  volumes: Map<string, string>
): HostMount[] {
  return (container.volumeMounts ?? [])
    .filter((m) => volumes.has(m.name))
    .map((m) => ({
      mountPath: m.mountPath,
      hostPath: m.subPath ? join(volumes.get(m.name)!, m.subPath) : volumes.get(m.name)!
    }))
}
