import { createServer, type Server } from 'node:https'
import { existsSync, readFileSync, statSync, createReadStream, watch } from 'node:fs'

/** Where a container instance's log is, and whether that instance may still write to it. */
export interface LogSource {
  file: string
  writing: () => boolean
}

type LogLookup = (
  namespace: string,
  pod: string,
  container: string,
  previous: boolean
) => LogSource | undefined

/**
 * The kubelet's container-log endpoint (`/containerLogs/{ns}/{pod}/{container}`), over HTTPS,
 * so that `kubectl logs` and the client's log API work through the API server.
 */
export class LogServer {
  private server?: Server

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly tls: { cert: string; key: string },
    private readonly lookup: LogLookup
  ) {}

  async start(): Promise<void> {
    this.server = createServer(
      { cert: readFileSync(this.tls.cert), key: readFileSync(this.tls.key) },
      (req, res) => {
        const url = new URL(req.url ?? '/', 'https://node')
        const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname)
        if (!m) {
          res.writeHead(404).end('not found')
          return
        }
        const [, ns, pod, container] = m.map(decodeURIComponent)
        const previous = url.searchParams.get('previous') === 'true'
        const source = this.lookup(ns, pod, container, previous)
        if (!source || !existsSync(source.file)) {
          res.writeHead(400, { 'Content-Type': 'text/plain' })
          res.end(
            previous
              ? `previous terminated container "${container}" in pod "${pod}" not found`
              : `container "${container}" in pod "${pod}" is waiting to start`
          )
          return
        }
        const file = source.file
        res.writeHead(200, { 'Content-Type': 'text/plain' })
        const tail = url.searchParams.get('tailLines')
        const follow = url.searchParams.get('follow') === 'true'
        if (!follow) {
          if (tail === null) createReadStream(file).pipe(res)
          else res.end(lastLines(readFileSync(file, 'utf8'), Number(tail)))
          return
        }
        // Follow: send what is there (its last tailLines lines when asked), then what is
        // appended, until the instance stops writing (as the kubelet ends the stream when the
        // container exits) or the client goes away. Appends are noticed by inotify, as the
        // kubelet's follow does, with a timer as the fallback and to notice the end.
        const text = tail === null ? '' : readFileSync(file, 'utf8')
        let offset = tail === null ? 0 : Buffer.byteLength(text)
        if (tail !== null) res.write(lastLines(text, Number(tail)))
        let sending = Promise.resolve()
        const pump = (): void => {
          // A timer callback must never throw: that would take the whole node down.
          const size = existsSync(file) ? statSync(file).size : offset
          if (size <= offset) return
          const start = offset
          offset = size
          sending = sending.then(
            () =>
              new Promise<void>((resolve) => {
                const stream = createReadStream(file, { start, end: size - 1 })
                stream.on('data', (chunk) => res.write(chunk))
                stream.on('error', () => resolve())
                stream.on('close', () => resolve())
              })
          )
        }
        pump()
        let watcher: ReturnType<typeof watch> | undefined
        try {
          watcher = watch(file, () => pump())
          watcher.on('error', () => watcher?.close())
        } catch {
          watcher = undefined
        }
        const timer = setInterval(() => {
          const done = !source.writing()
          pump()
          if (done) {
            clearInterval(timer)
            watcher?.close()
            void sending.then(() => res.end())
          }
        }, 250)
        req.on('close', () => {
          clearInterval(timer)
          watcher?.close()
        })
      }
    )
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject)
      this.server!.listen(this.port, this.host, () => resolve())
    })
  }

  /** The port it listens on (the one asked for, or the one the system chose for 0). */
  get listeningPort(): number {
    const address = this.server?.address()
    return typeof address === 'object' && address ? address.port : this.port
  }

  async stop(): Promise<void> {
    // Followed logs stay open while their container writes: end them, or close() waits forever.
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve()
    )
  }
}

/** The last `count` lines of a log, each ending in a newline (tailLines). */
function lastLines(text: string, count: number): string {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return count > 0
    ? lines
        .slice(-count)
        .map((l) => `${l}\n`)
        .join('')
    : ''
}
