import { createServer, connect, type Server, type Socket } from 'node:net'

export type ProxyMode = 'pass' | 'refuse' | 'reset'

/**
 * A TCP proxy in front of the API server that can, on request, refuse new connections or
 * reset open ones for a while: the API server failing as seen by a client.
 */
export class FaultProxy {
  private server?: Server
  private mode: ProxyMode = 'pass'
  private until = 0
  private readonly sockets = new Set<Socket>()

  constructor(
    private readonly target: { host: string; port: number },
    private readonly onFault: (mode: ProxyMode, seconds: number) => void = () => undefined
  ) {}

  async listen(port = 0): Promise<number> {
    this.server = createServer((client) => {
      if (this.currentMode() !== 'pass') {
        client.resetAndDestroy()
        return
      }
      const upstream = connect(this.target)
      this.sockets.add(client).add(upstream)
      const drop = (): void => {
        this.sockets.delete(client)
        this.sockets.delete(upstream)
        client.destroy()
        upstream.destroy()
      }
      client.on('error', drop).on('close', drop)
      upstream.on('error', drop).on('close', drop)
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', () => resolve()))
    const address = this.server.address()
    return typeof address === 'object' && address ? address.port : 0
  }

  private currentMode(): ProxyMode {
    if (this.mode !== 'pass' && Date.now() > this.until) this.mode = 'pass'
    return this.mode
  }

  /** Fails the API server for `seconds`: 'refuse' resets new connections, 'reset' also cuts open ones. */
  inject(mode: Exclude<ProxyMode, 'pass'>, seconds: number): void {
    this.mode = mode
    this.until = Date.now() + seconds * 1000
    if (mode === 'reset') for (const s of this.sockets) s.resetAndDestroy()
    this.onFault(mode, seconds)
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve()
    )
  }
}
