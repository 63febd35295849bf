import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { EsRequestBody, EsResponse, EsTransport } from '../../src/engine/es/transport.js'

const ROOT = join(process.cwd(), '__fixtures__')

/** A response captured from a real engine or API server (scripts/capture-fixtures.sh). */
export function fixture(group: string, name: string): { status: number; body: unknown } {
  return JSON.parse(readFileSync(join(ROOT, group, `${name}.json`), 'utf8')) as {
    status: number
    body: unknown
  }
}

/** The captured answer as the transport would hand it over: status and raw body text. */
export function fixtureResponse(group: string, name: string, fromTransport = false): EsResponse {
  const f = fixture(group, name)
  return {
    status: f.status,
    body: typeof f.body === 'string' ? f.body : JSON.stringify(f.body),
    fromTransport
  }
}

/** A transport that answers from a routing function; records every request it was asked. */
export class ScriptedTransport implements EsTransport {
  readonly kind = 'proxy'
  readonly requests: {
    pod: string
    path: string
    query: Record<string, string>
    method: string
    body?: string
  }[] = []

  constructor(
    private readonly route: (
      pod: string,
      path: string,
      query: Record<string, string>,
      send?: EsRequestBody
    ) => EsResponse | Promise<EsResponse>
  ) {}

  async request(
    pod: string,
    path: string,
    query: Record<string, string>,
    _timeoutMs?: number,
    send?: EsRequestBody
  ): Promise<EsResponse> {
    this.requests.push({ pod, path, query, method: send?.method ?? 'GET', body: send?.body })
    return this.route(pod, path, query, send)
  }
}
