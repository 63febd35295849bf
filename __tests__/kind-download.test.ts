import { describe, expect, it, jest, beforeEach } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * The download path cannot reach GitHub from here, so the tool cache is mocked: these tests
 * prove our checksum handling, not the download itself.
 */
const served: Record<string, string> = {}
const downloadTool = jest.fn(async (url: string, dest?: string) => {
  writeFileSync(dest!, served[url] ?? '')
  return dest!
})
const cacheFile = jest.fn(async (source: string) => source.replace(/\/[^/]+$/, ''))
const find = jest.fn(() => '')
jest.unstable_mockModule('@actions/tool-cache', () => ({ downloadTool, cacheFile, find }))
jest.unstable_mockModule('@actions/io', () => ({ which: async () => '' }))

const { ensureKind } = await import('../src/engine/providers/kind.js')
const { nullLogger } = await import('../src/engine/logger.js')

const URL_BASE =
  'https://github.com/kubernetes-sigs/kind/releases/download/v0.32.0/kind-linux-amd64'

describe('ensureKind without kind on PATH', () => {
  beforeEach(() => {
    downloadTool.mockClear()
    cacheFile.mockClear()
  })

  it('downloads the release binary and its .sha256sum, and caches it when they agree', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'kind-'))
    served[URL_BASE] = 'kind binary bytes'
    served[`${URL_BASE}.sha256sum`] =
      `${createHash('sha256').update('kind binary bytes').digest('hex')}  kind-linux-amd64\n`
    const tool = await ensureKind('v0.32.0', { logger: nullLogger, workDir })
    expect(downloadTool.mock.calls.map((c) => c[0])).toEqual([URL_BASE, `${URL_BASE}.sha256sum`])
    expect(cacheFile).toHaveBeenCalledTimes(1)
    expect(tool.path).toBe(join(workDir, 'kind'))
  })

  it('refuses a binary whose sha256 differs, before anything runs or is cached', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'kind-'))
    served[URL_BASE] = 'tampered bytes'
    served[`${URL_BASE}.sha256sum`] = `${'0'.repeat(64)}  kind-linux-amd64\n`
    await expect(ensureKind('v0.32.0', { logger: nullLogger, workDir })).rejects.toThrow(
      /Checksum mismatch for .*kind-linux-amd64: expected sha256 0{64} .*got [0-9a-f]{64}\. The binary was not run\./
    )
    expect(cacheFile).not.toHaveBeenCalled()
    expect(existsSync(join(workDir, 'kind-v0.32.0'))).toBe(true)
  })
})
