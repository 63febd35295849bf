import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Every process of a local cluster carries this variable, naming the cluster's directory: the
 * control plane, the kubelet, containerd and its shims inherit it from `up`. So `down` can find
 * them all without the main process's help, even after a SIGKILL of it, and processes whose
 * cluster directory is gone are orphans. Containers' processes get their environment from the
 * pod, not from `up`: they belong to the cluster of the shim they descend from.
 */
export const CLUSTER_MARKER = 'ES_K8S_VERIFY_LOCAL_CLUSTER_DIR'

export interface ClusterProcess {
  pid: number
  dir: string
  command: string
}

/** Marks this process, and so every child it starts, as belonging to the cluster in dir. */
export function markCluster(dir: string): void {
  process.env[CLUSTER_MARKER] = dir
}

/** How far up a container's process looks for its shim: shim → container init → its children. */
const MAX_ANCESTORS = 8

/** Every live process of a local cluster (all clusters, or the one in dir). */
export function clusterProcesses(dir?: string): ClusterProcess[] {
  const processes = new Map<number, { parent: number; command: string; markedDir?: string }>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1')
      const command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim()
      // The parent is the field after the command's name, which may itself hold spaces.
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const marker = environ.split('\0').find((v) => v.startsWith(`${CLUSTER_MARKER}=`))
      processes.set(pid, { parent, command, markedDir: marker?.slice(CLUSTER_MARKER.length + 1) })
    } catch {
      continue // gone meanwhile, or not ours to read
    }
  }
  const clusterOf = (pid: number): string | undefined => {
    for (
      let p = processes.get(pid), i = 0;
      p && i < MAX_ANCESTORS;
      p = processes.get(p.parent), i++
    )
      if (p.markedDir) return p.markedDir
    return undefined
  }
  const found: ClusterProcess[] = []
  for (const [pid, { command }] of processes) {
    const owner = clusterOf(pid)
    if (owner && (dir === undefined || owner === dir)) found.push({ pid, dir: owner, command })
  }
  return found
}

/** The file in a cluster's directory naming the `up` process that owns it, written before any child starts. */
export const OWNER_FILE = 'owner.pid'

/**
 * Processes of clusters that nobody owns any more: the directory is gone, or it no longer names
 * a live owner. The second case matters: a process still writing into a removed directory
 * recreates it (without the owner file), and a SIGKILLed `up` leaves its children behind.
 */
export function orphanProcesses(): ClusterProcess[] {
  const owned = new Map<string, boolean>()
  return clusterProcesses().filter((p) => {
    if (!owned.has(p.dir)) owned.set(p.dir, hasLiveOwner(p.dir))
    return !owned.get(p.dir)
  })
}

function hasLiveOwner(dir: string): boolean {
  const pids = [join(dir, OWNER_FILE), join(dir, 'cluster.json')].map((file) => {
    try {
      const text = readFileSync(file, 'utf8')
      return file.endsWith('.json')
        ? Number((JSON.parse(text) as { pid?: number }).pid)
        : Number(text)
    } catch {
      return 0
    }
  })
  return pids.some((pid) => pid > 0 && alive(pid))
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    // A zombie still answers signal 0; it holds nothing and its parent will reap it.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1'))
  } catch {
    return false
  }
}

/**
 * Stops processes: SIGTERM, then SIGKILL to those still alive after graceMs. Returns those
 * that survived even that, so the caller can name them.
 */
export async function stopAll(
  processes: ClusterProcess[],
  graceMs: number
): Promise<ClusterProcess[]> {
  const signal = (p: ClusterProcess, s: NodeJS.Signals): void => {
    try {
      process.kill(p.pid, s)
    } catch {
      // already gone
    }
  }
  processes.forEach((p) => signal(p, 'SIGTERM'))
  const wait = async (ms: number): Promise<void> => {
    const deadline = Date.now() + ms
    while (processes.some((p) => alive(p.pid)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))
  }
  await wait(graceMs)
  processes.filter((p) => alive(p.pid)).forEach((p) => signal(p, 'SIGKILL'))
  await wait(2000)
  return processes.filter((p) => alive(p.pid))
}
