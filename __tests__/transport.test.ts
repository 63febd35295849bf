import { describe, expect, it } from '@jest/globals'
import { Readable, type Writable } from 'node:stream'
import type { V1Status } from '@kubernetes/client-node'
import { ExecCurlTransport, PodProxyTransport } from '../src/engine/es/transport.js'
import type { KubeClient } from '../src/engine/kube/client.js'
import { fixture } from './helpers/fixtures.js'

type ExecCall = {
  namespace: string
  pod: string
  container: string
  command: string[]
  stdin: string
}

/** Stands in for the client's Exec: answers like curl would, through the status callback. */
function fakeExec(
  answer: (call: ExecCall) => { stdout: string; stderr?: string; status: V1Status }
) {
  const calls: ExecCall[] = []
  return {
    calls,
    exec: {
      async exec(
        namespace: string,
        pod: string,
        container: string,
        command: string | string[],
        stdout: Writable | null,
        stderr: Writable | null,
        stdin: Readable | null,
        _tty: boolean,
        statusCallback?: (s: V1Status) => void
      ) {
        let input = ''
        for await (const chunk of stdin ?? Readable.from([])) input += String(chunk)
        const call = { namespace, pod, container, command: command as string[], stdin: input }
        calls.push(call)
        const a = answer(call)
        stdout?.write(a.stdout)
        if (a.stderr) stderr?.write(a.stderr)
        setImmediate(() => statusCallback?.(a.status))
        return {} as never
      }
    }
  }
}

describe('ExecCurlTransport', () => {
  it('runs curl in the pod with credentials on standard input, never on the command line', async () => {
    const body = JSON.stringify(fixture('elasticsearch', 'cat-health').body)
    const fake = fakeExec(() => ({ stdout: `${body}\n200`, status: { status: 'Success' } }))
    const transport = new ExecCurlTransport(fake.exec, 'ns', 'es', 9200, 'https', {
      username: 'elastic',
      password: 'pa"ss'
    })
    const res = await transport.request('es-cluster-0', '_cat/health', { format: 'json' }, 5000)
    expect(res).toEqual({ status: 200, body })
    const call = fake.calls[0]
    expect(call).toMatchObject({ namespace: 'ns', pod: 'es-cluster-0', container: 'es' })
    expect(call.command).toEqual([
      'curl',
      '-sS',
      '-k',
      '-K',
      '-',
      '--max-time',
      '5',
      '-w',
      '\n%{http_code}',
      'https://localhost:9200/_cat/health?format=json'
    ])
    expect(call.command.join(' ')).not.toContain('pa')
    expect(call.stdin).toBe('user = "elastic:pa\\"ss"\n')
  })

  it("reports a failed exec as the transport failing, with curl's complaint", async () => {
    const fake = fakeExec(() => ({
      stdout: '',
      stderr: 'curl: (7) Failed to connect to localhost port 9200',
      status: { status: 'Failure', message: 'command terminated with non-zero exit code' }
    }))
    const res = await new ExecCurlTransport(fake.exec, 'ns', 'es', 9200, 'http').request(
      'p',
      '/',
      {},
      1000
    )
    expect(res).toEqual({
      status: 0,
      body: 'curl in pod p failed: curl: (7) Failed to connect to localhost port 9200',
      fromTransport: true
    })
  })
})

describe('PodProxyTransport', () => {
  it('builds the proxy path itself, query string intact', async () => {
    const seen: string[] = []
    const kube = {
      raw: async (_m: string, path: string) => (seen.push(path), { status: 200, body: '[]' })
    } as unknown as KubeClient
    await new PodProxyTransport(kube, 'ns', 9200, 'https').request(
      'es-cluster-1',
      '/_cat/nodes',
      { format: 'json', h: 'id,name' },
      1000
    )
    expect(seen).toEqual([
      '/api/v1/namespaces/ns/pods/https:es-cluster-1:9200/proxy/_cat/nodes?format=json&h=id%2Cname'
    ])
  })

  it("tells the API server's own failure from the engine's", async () => {
    const status = {
      status: 503,
      body: JSON.stringify({ kind: 'Status', message: 'error trying to reach service' })
    }
    const kube = { raw: async () => status } as unknown as KubeClient
    expect(
      (await new PodProxyTransport(kube, 'ns', 9200, 'http').request('p', '/', {}, 1000))
        .fromTransport
    ).toBe(true)
    const engine503 = fixture('elasticsearch', 'masterless-cluster-health')
    const kube2 = {
      raw: async () => ({ status: 503, body: JSON.stringify(engine503.body) })
    } as unknown as KubeClient
    expect(
      (await new PodProxyTransport(kube2, 'ns', 9200, 'http').request('p', '/', {}, 1000))
        .fromTransport
    ).toBe(false)
  })
})
