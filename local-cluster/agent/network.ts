import { execFileSync } from 'node:child_process'
import {
  mkdirSync,
  rmSync,
  writeFileSync,
  existsSync,
  openSync,
  writeSync,
  ftruncateSync,
  closeSync
} from 'node:fs'
import { createHash } from 'node:crypto'

/**
 * Pod networking for the local cluster: one Linux bridge on the host, one network namespace per
 * pod joined to it by a veth pair, addresses from the cluster's own /24. Traffic stays between
 * these namespaces and the host's side of the bridge.
 */
export class PodNetwork {
  private readonly used = new Set<number>()

  constructor(
    readonly bridge: string,
    /** First three octets, e.g. "10.244.7". The bridge takes .1, pods .2 to .254. */
    readonly prefix: string
  ) {}

  get gateway(): string {
    return `${this.prefix}.1`
  }

  private ip(args: string[]): string {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  }

  /** Creates the bridge with the gateway address (idempotent). */
  setUp(): void {
    try {
      this.ip(['link', 'show', this.bridge])
    } catch {
      this.ip(['link', 'add', this.bridge, 'type', 'bridge'])
    }
    // The bridge may have been claimed (created bare) by pickNetwork: give it its address once.
    if (!this.ip(['-o', 'addr', 'show', 'dev', this.bridge]).includes(`${this.gateway}/24`))
      this.ip(['addr', 'add', `${this.gateway}/24`, 'dev', this.bridge])
    this.ip(['link', 'set', this.bridge, 'up'])
  }

  /** Namespace name for a pod; short because interface names are limited to 15 characters. */
  static namespaceFor(podUid: string): string {
    return `esk-${createHash('sha1').update(podUid).digest('hex').slice(0, 10)}`
  }

  /** Creates the pod's namespace and veth pair and returns its address. */
  addPod(podUid: string): { netns: string; podIP: string } {
    const netns = PodNetwork.namespaceFor(podUid)
    const suffix = netns.slice(4, 12)
    const hostSide = `vh${suffix}`
    const podSide = `vp${suffix}`
    let octet = 2
    while (this.used.has(octet) && octet < 255) octet++
    if (octet >= 255) throw new Error(`no free pod address left in ${this.prefix}.0/24`)
    this.used.add(octet)
    const podIP = `${this.prefix}.${octet}`
    this.removeNamespace(netns)
    this.ip(['netns', 'add', netns])
    this.ip(['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', podSide])
    this.ip(['link', 'set', podSide, 'netns', netns])
    this.ip(['link', 'set', hostSide, 'master', this.bridge])
    this.ip(['link', 'set', hostSide, 'up'])
    this.ip(['-n', netns, 'addr', 'add', `${podIP}/24`, 'dev', podSide])
    this.ip(['-n', netns, 'link', 'set', podSide, 'up'])
    this.ip(['-n', netns, 'link', 'set', 'lo', 'up'])
    this.ip(['-n', netns, 'route', 'add', 'default', 'via', this.gateway])
    return { netns, podIP }
  }

  /** Removes the pod's namespace (its veth goes with it) and frees its address. */
  removePod(netns: string, podIP?: string): void {
    this.removeNamespace(netns)
    if (podIP) this.used.delete(Number(podIP.split('.').pop()))
  }

  private removeNamespace(netns: string): void {
    try {
      this.ip(['netns', 'delete', netns])
    } catch {
      // Not there: nothing to remove.
    }
    rmSync(`/etc/netns/${netns}`, { recursive: true, force: true })
  }

  /**
   * Writes the pod's hosts file in place (truncate and write, never rename) because
   * `ip netns exec` bind-mounts it over /etc/hosts and a rename would not reach the mount.
   */
  static writeHosts(netns: string, content: string): string {
    const dir = `/etc/netns/${netns}`
    mkdirSync(dir, { recursive: true })
    const path = `${dir}/hosts`
    if (!existsSync(path)) {
      writeFileSync(path, content)
      return path
    }
    const fd = openSync(path, 'r+')
    try {
      ftruncateSync(fd, 0)
      writeSync(fd, content, 0)
    } finally {
      closeSync(fd)
    }
    return path
  }

  /** Deletes the bridge. */
  tearDown(): void {
    try {
      this.ip(['link', 'delete', this.bridge])
    } catch {
      // Already gone.
    }
  }
}
