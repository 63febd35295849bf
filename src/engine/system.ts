import { spawn } from 'node:child_process'
import {
  accessSync,
  constants,
  copyFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  writeFileSync
} from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'

/** What a program run returned. */
export interface ExecResult {
  stdout: string
  stderr: string
  exitCode: number
}

/**
 * What the engine needs of the machine: running programs, finding them, and downloading and
 * caching tool binaries. The engine knows no CI system: the action fills this port with
 * @actions/exec and @actions/tool-cache, the CLI with `nodeSystem` below.
 */
export interface SystemPort {
  /** Runs a program with an argument array (never a shell), stdin from `input`. */
  exec(
    path: string,
    args: string[],
    opts: { env: Record<string, string>; input?: string }
  ): Promise<ExecResult>
  /** The program's path on PATH, or undefined. */
  which(name: string): Promise<string | undefined>
  /** The directory of a cached tool version, or undefined. */
  findCached(tool: string, version: string, arch: string): string | undefined
  /** Downloads url to dest (a private work directory) and returns dest. */
  download(url: string, dest: string): Promise<string>
  /** Caches a verified file as `name` for tool/version/arch and returns its directory. */
  cache(file: string, tool: string, name: string, version: string, arch: string): Promise<string>
}

/** Where the CLI caches downloaded tools: `$XDG_CACHE_HOME` or `~/.cache`, then es-k8s-verify/tools. */
export function toolCacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'es-k8s-verify', 'tools')
}

/** The port in plain Node, for the CLI and for any use outside a CI runner. */
export function nodeSystem(cacheRoot = toolCacheRoot()): SystemPort {
  return {
    exec: (path, args, opts) =>
      new Promise((resolve, reject) => {
        const child = spawn(path, args, { env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')))
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
        child.on('error', reject)
        child.on('close', (code) => resolve({ stdout, stderr, exitCode: code ?? 1 }))
        // A program may exit without reading its input (EPIPE): its exit code tells what happened,
        // and an unhandled error on the pipe would end this whole process.
        child.stdin.on('error', () => undefined)
        child.stdin.end(opts.input ?? '')
      }),
    which: async (name) => {
      for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
        const candidate = join(dir, name)
        try {
          accessSync(candidate, constants.X_OK)
          return candidate
        } catch {
          // not here
        }
      }
      return undefined
    },
    findCached: (tool, version, arch) => {
      const dir = join(cacheRoot, tool, version, arch)
      return existsSync(join(dir, '.complete')) ? dir : undefined
    },
    download: async (url, dest) => {
      const res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(300_000) })
      if (!res.ok) throw new Error(`Downloading ${url} failed: HTTP ${res.status}`)
      writeFileSync(dest, Buffer.from(await res.arrayBuffer()), { mode: 0o600 })
      return dest
    },
    cache: async (file, tool, name, version, arch) => {
      const dir = join(cacheRoot, tool, version, arch)
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      copyFileSync(file, join(dir, name))
      chmodSync(join(dir, name), 0o755)
      // Written last: a half-copied entry is never taken for a cached one.
      writeFileSync(join(dir, '.complete'), '')
      return dir
    }
  }
}
