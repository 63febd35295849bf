/**
 * Getting kind without kind on PATH, through the plain-Node system port the CLI uses (no
 * toolkit, no runner variables): the release binary and its .sha256sum are served by a real
 * HTTP server on loopback standing in for the release host, verified, cached, then found in
 * the cache.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureKind } from '../src/engine/providers/kind.js'
import { KIND_SHA256 } from '../src/engine/providers/kind-checksums.js'
import { nodeSystem } from '../src/engine/system.js'
import { nullLogger } from '../src/engine/logger.js'
import { OPTION_SPECS } from '../src/engine/options.js'

const arch = process.arch === 'arm64' ? 'arm64' : 'amd64'
const binary = '#!/bin/sh\necho "kind v0.32.0 go1.25 linux/amd64"\n'
let served: Record<string, string> = {}
let server: Server
let base = ''
const requested: string[] = []
const dirs: string[] = []
const tmp = (prefix: string): string => {
  const d = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(d)
  return d
}

beforeAll(async () => {
  server = createServer((req, res) => {
    requested.push(req.url!)
    const body = served[req.url!]
    res.writeHead(body === undefined ? 404 : 200).end(body ?? 'not found')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/releases`
})
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()))
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('ensureKind without kind on PATH (plain Node port)', () => {
  const path = `/releases/v0.99.0/kind-linux-${arch}`
  const pinnedPath = `/releases/v0.32.0/kind-linux-${arch}`
  const withoutKindOnPath = (cache: string) => ({
    ...nodeSystem(cache),
    which: async () => undefined
  })

  it('downloads the binary and its .sha256sum, verifies, caches, and finds the cache next time', async () => {
    served = {
      [path]: binary,
      [`${path}.sha256sum`]: `${createHash('sha256').update(binary).digest('hex')}  kind-linux-${arch}\n`
    }
    const cache = tmp('kind-cache-')
    const ctx = { logger: nullLogger, workDir: tmp('kind-work-'), system: withoutKindOnPath(cache) }
    requested.length = 0
    const tool = await ensureKind('v0.99.0', ctx, { releases: base, allowUnpinned: true })
    expect(requested).toEqual([path, `${path}.sha256sum`])
    expect(tool.path).toBe(join(cache, 'kind', '0.99.0', arch, 'kind'))
    expect(readFileSync(tool.path, 'utf8')).toBe(binary)
    requested.length = 0
    expect((await ensureKind('v0.99.0', ctx, { releases: base, allowUnpinned: true })).path).toBe(
      tool.path
    )
    expect(requested).toEqual([])
  })

  it('checks a pinned release against the sha256 shipped in the source, not one served beside it', async () => {
    // The served checksum matches the tampered bytes; only the pin can tell.
    served = {
      [pinnedPath]: 'tampered bytes',
      [`${pinnedPath}.sha256sum`]: `${createHash('sha256').update('tampered bytes').digest('hex')}  kind\n`
    }
    const cache = tmp('kind-cache-')
    const ctx = { logger: nullLogger, workDir: tmp('kind-work-'), system: withoutKindOnPath(cache) }
    requested.length = 0
    const err = (await ensureKind('v0.32.0', ctx, { releases: base }).catch(
      (e: Error) => e
    )) as Error
    expect(err.message).toBe(
      `Checksum mismatch for ${base}/v0.32.0/kind-linux-${arch}: expected sha256 ${KIND_SHA256['v0.32.0'][arch]} (pinned in es-k8s-verify), got ${createHash('sha256').update('tampered bytes').digest('hex')}. The binary was not run.`
    )
    expect(requested).toEqual([pinnedPath])
    expect(existsSync(join(cache, 'kind'))).toBe(false)
  })

  it('refuses an unpinned release unless told to trust its published checksum, before downloading', async () => {
    requested.length = 0
    const ctx = {
      logger: nullLogger,
      workDir: tmp('kind-work-'),
      system: withoutKindOnPath(tmp('kind-cache-'))
    }
    await expect(ensureKind('v0.99.0', ctx, { releases: base })).rejects.toThrow(
      /kind v0\.99\.0 has no checksum pinned in es-k8s-verify \(pinned: v0\.32\.0\); set kind-unpinned: true/
    )
    expect(requested).toEqual([])
  })

  it('says which download failed, with its status, and mentions no runner variable', async () => {
    served = {}
    const err = await ensureKind(
      'v0.32.0',
      {
        logger: nullLogger,
        workDir: tmp('kind-work-'),
        system: withoutKindOnPath(tmp('kind-cache-'))
      },
      { releases: base }
    ).catch((e: Error) => e)
    expect((err as Error).message).toMatch(
      /^Downloading http:\/\/127\.0\.0\.1:\d+\/releases\/v0\.32\.0\/kind-linux-\w+ failed: HTTP 404$/
    )
    expect((err as Error).message).not.toMatch(/RUNNER_|::debug::/)
  })
})

describe('the kind the tests build is the kind the action pins', () => {
  it('local-cluster/scripts/versions.sh builds the default kind-version, which has a pinned checksum', () => {
    const built = /^KIND_VERSION="\$\{KIND_VERSION:-(v[\d.]+)\}"$/m.exec(
      readFileSync('local-cluster/scripts/versions.sh', 'utf8')
    )?.[1]
    const pinned = OPTION_SPECS.find((s) => s.name === 'kind-version')?.default
    expect(built).toBe(pinned)
    expect(Object.keys(KIND_SHA256)).toContain(pinned)
  })
})

describe('nodeSystem.exec', () => {
  it('returns the exit code of a program that exits without reading its input, instead of crashing on EPIPE', async () => {
    const result = await nodeSystem().exec(
      process.execPath,
      ['-e', 'process.exit(3)'],
      // Far more than a pipe holds: the write is still under way when the program has gone.
      { env: process.env as Record<string, string>, input: 'x'.repeat(8 * 1024 * 1024) }
    )
    expect(result.exitCode).toBe(3)
  })

  it('gives a program without input an empty, closed stdin', async () => {
    const result = await nodeSystem().exec(
      process.execPath,
      [
        '-e',
        'let n = 0; process.stdin.on("data", (c) => (n += c.length)).on("end", () => console.log(n))'
      ],
      { env: process.env as Record<string, string> }
    )
    expect(result).toMatchObject({ exitCode: 0, stdout: '0\n' })
  })
})
