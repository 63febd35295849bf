import { execFileSync } from 'node:child_process'

/**
 * The local cluster's pod network on the host: one Linux bridge with the cluster's own /24, the
 * gateway on the bridge. The CNI bridge plugin joins each pod sandbox to it; traffic stays
 * between the sandboxes and the host's side of the bridge.
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

  /** Deletes the bridge. */
  tearDown(): void {
    try {
      this.ip(['link', 'delete', this.bridge])
    } catch {
      // Already gone.
    }
  }
}
