import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Every process of a local cluster carries this variable, naming the cluster's directory: the
 * control plane and the agent inherit it from `up`, and the engines get it in their
 * environment. So `down` can find them all without the main process's help, even after a
 * SIGKILL of it, and processes whose cluster directory is gone are orphans.
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

/** Every live process that carries the marker (all clusters, or the one in dir). */
export function clusterProcesses(dir?: string): ClusterProcess[] {
  const found: ClusterProcess[] = []
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    let environ: string
    let command: string
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1')
      command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim()
    } catch {
      continue // gone meanwhile, or not ours to read
    }
    const marker = environ.split('\0').find((v) => v.startsWith(`${CLUSTER_MARKER}=`))
    if (!marker) continue
    const markedDir = marker.slice(CLUSTER_MARKER.length + 1)
    if (dir === undefined || markedDir === dir) found.push({ pid, dir: markedDir, command })
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
