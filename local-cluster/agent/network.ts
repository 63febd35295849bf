import { execFileSync } from 'node:child_process'

/** The Service range the API server hands ClusterIPs from (every local cluster has its own router). */
export const SERVICE_CIDR = '10.96.0.0/16'

/**
 * The local cluster's pod network on the host: one Linux bridge with the cluster's own /24, the
 * node's address (.1) on the bridge. The CNI bridge plugin joins each pod sandbox to it.
 *
 * ClusterIP traffic goes through the cluster's Service router: a network namespace of its own
 * (named like the bridge) on the same bridge at .254, where kube-proxy programs its rules. On
 * kind those rules are the node's; here the node is this machine, whose tables kube-proxy would
 * rewrite whole (its chains and table have fixed names), erasing another cluster's. In the
 * router's namespace they are the cluster's alone. The pods route only the Service range there.
 */
export class PodNetwork {
  constructor(
    readonly bridge: string,
    /** First three octets, e.g. "10.244.7". The bridge takes .1, host-local hands out the rest. */
    readonly prefix: string
  ) {}

  get gateway(): string {
    return `${this.prefix}.1`
  }

  get subnet(): string {
    return `${this.prefix}.0/24`
  }

  /** The Service router's address on the bridge: the pods' route to the Service range. */
  get serviceRouter(): string {
    return `${this.prefix}.254`
  }

  /** The router's network namespace, under /var/run/netns. */
  get routerNamespace(): string {
    return this.bridge
  }

  get routerNamespacePath(): string {
    return `/var/run/netns/${this.routerNamespace}`
  }

  /** Its end of the link on the bridge (the other end is the router's eth0). */
  private get routerLink(): string {
    return `${this.bridge}r`
  }

  private ip(args: string[]): string {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  }

  private inRouter(args: string[]): string {
    return execFileSync('nsenter', [`--net=${this.routerNamespacePath}`, '--', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe']
    })
  }

  /** Creates the bridge with the node's address, and the Service router on it (idempotent). */
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
    this.setUpRouter()
  }

  private setUpRouter(): void {
    // The bridge is this cluster's (pickNetwork's claim): a namespace of that name is a leftover.
    this.deleteRouter()
    this.ip(['netns', 'add', this.routerNamespace])
    this.ip([
      'link',
      'add',
      this.routerLink,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      this.routerNamespace
    ])
    this.ip(['link', 'set', this.routerLink, 'master', this.bridge, 'up'])
    this.inRouter(['ip', 'addr', 'add', `${this.serviceRouter}/24`, 'dev', 'eth0'])
    this.inRouter(['ip', 'link', 'set', 'eth0', 'up'])
    this.inRouter(['ip', 'link', 'set', 'lo', 'up'])
    // It forwards what it translated back onto the bridge it came from: no redirects for that.
    for (const [key, value] of [
      ['net.ipv4.ip_forward', '1'],
      ['net.ipv4.conf.all.send_redirects', '0'],
      ['net.ipv4.conf.eth0.send_redirects', '0']
    ])
      this.inRouter(['sysctl', '-q', '-w', `${key}=${value}`])
  }

  private deleteRouter(): void {
    try {
      this.ip(['netns', 'delete', this.routerNamespace])
    } catch {
      // None.
    }
    try {
      this.ip(['link', 'delete', this.routerLink])
    } catch {
      // Gone with its namespace.
    }
  }

  /** Deletes the router and the bridge (once the router's programs have stopped). */
  tearDown(): void {
    this.deleteRouter()
    try {
      this.ip(['link', 'delete', this.bridge])
    } catch {
      // Already gone.
    }
  }
}
