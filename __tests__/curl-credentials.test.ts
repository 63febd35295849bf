/**
 * The exec transport's curl config, run by the real curl on this machine against a real HTTP
 * server that checks Basic auth: a password with every character that could break out of the
 * config authenticates as itself, a body goes through unchanged, and neither is ever on curl's
 * command line (what `ps` and /proc show).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn, execFileSync } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { readFileSync } from 'node:fs'
import type { Readable, Writable } from 'node:stream'
import type { V1Status } from '@kubernetes/client-node'
import { ExecCurlTransport } from '../src/engine/es/transport.js'

const hasCurl = (() => {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

/** Runs the command the transport would run in the pod, here, and records its /proc cmdline. */
function localExec(cmdlines: string[]) {
  return {
    async exec(
      _ns: string,
      _pod: string,
      _container: string,
      command: string | string[],
      stdout: Writable | null,
      stderr: Writable | null,
      stdin: Readable | null,
      _tty: boolean,
      done?: (s: V1Status) => void
    ) {
      const [bin, ...args] = command as string[]
      const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] })
      try {
        cmdlines.push(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').join(' '))
      } catch {
        // exited already
      }
      child.stdout.pipe(stdout!)
      child.stderr.pipe(stderr!)
      stdin!.pipe(child.stdin)
      child.on('close', (code) =>
        done?.({ status: code === 0 ? 'Success' : 'Failure', message: `exit ${code}` })
      )
      return undefined as never
    }
  }
}

;(hasCurl ? describe : describe.skip)('exec transport credentials through the real curl', () => {
  const password = 'p\\a"s\'s $HOME w\nord\t--insecure'
  const user = 'elastic'
  let server: Server
  let port = 0
  const seen: { auth?: string; method?: string; body: string }[] = []

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString('utf8')))
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, method: req.method, body })
        const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
        res.writeHead(req.headers.authorization === expected ? 200 : 401, {
          'content-type': 'application/json'
        })
        res.end(req.headers.authorization === expected ? '{"ok":true}' : '{"error":"unauthorized"}')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    port = (server.address() as { port: number }).port
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('authenticates as itself, whatever the password holds, and keeps it off the command line', async () => {
    const cmdlines: string[] = []
    const transport = new ExecCurlTransport(localExec(cmdlines), 'ns', 'es', port, 'http', {
      username: user,
      password
    })
    const res = await transport.request('es-0', '_cluster/health', {}, 5000)
    expect(res).toEqual({ status: 200, body: '{"ok":true}' })
    expect(cmdlines.length).toBe(1)
    expect(cmdlines[0]).toMatch(/^curl /)
    for (const piece of ['p\\a', 's $HOME', 'ord', password])
      expect(cmdlines[0]).not.toContain(piece)
  })

  it('a wrong password is refused', async () => {
    const transport = new ExecCurlTransport(localExec([]), 'ns', 'es', port, 'http', {
      username: user,
      password: `${password}x`
    })
    expect((await transport.request('es-0', '_cluster/health', {}, 5000)).status).toBe(401)
  })

  it('sends a body unchanged, newlines and quotes included (the bulk API needs them)', async () => {
    const transport = new ExecCurlTransport(localExec([]), 'ns', 'es', port, 'http', {
      username: user,
      password
    })
    const body = '{"index":{"_id":"a\\"b"}}\n{"x":"@file \\\\ $(id)"}\n'
    const res = await transport.request('es-0', '_bulk', { refresh: 'wait_for' }, 5000, {
      method: 'POST',
      body,
      contentType: 'application/x-ndjson'
    })
    expect(res.status).toBe(200)
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body })
  })
})
