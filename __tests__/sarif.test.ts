/**
 * SARIF that every reader accepts: validated against the SARIF 2.1.0 schema that Microsoft's
 * jest-sarif ships (sarif-2.1.0-rtm.5, the OASIS 2.1.0 standard), for clean, broken and odd runs.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { createRequire } from 'node:module'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { runCli } from '../src/cli/run.js'

const require = createRequire(import.meta.url)
const { toBeValidSarifLog } = require('@microsoft/jest-sarif') as {
  toBeValidSarifLog: (this: unknown, received: unknown) => { pass: boolean; message: () => string }
}
expect.extend({ toBeValidSarifLog })

const scratch = mkdtempSync(join(tmpdir(), 'sarif-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

async function sarifOf(paths: string[]): Promise<{
  code: number
  log: {
    runs: {
      results: {
        ruleId: string
        locations: {
          physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } }
        }[]
      }[]
    }[]
  }
}> {
  const out: string[] = []
  const code = await runCli(['lint', ...paths, '--format', 'sarif'], (l) => out.push(l))
  return { code, log: JSON.parse(out.join('\n')) }
}

describe('SARIF from lint', () => {
  it('is valid for the article’s manifests, with findings', async () => {
    const { log } = await sarifOf(['manifests/article-three-node'])
    ;(expect(log) as unknown as { toBeValidSarifLog: () => void }).toBeValidSarifLog()
    expect(log.runs[0].results.length).toBeGreaterThan(0)
  })

  it('is valid for a YAML syntax error, reported as a result at its file and line', async () => {
    const { code, log } = await sarifOf(['__tests__/manifests/bad-yaml.yaml'])
    expect(code).toBe(1)
    ;(expect(log) as unknown as { toBeValidSarifLog: () => void }).toBeValidSarifLog()
    const r = log.runs[0].results[0]
    expect(r.ruleId).toBe('yaml-syntax')
    expect(r.locations[0].physicalLocation.artifactLocation.uri).toBe(
      '__tests__/manifests/bad-yaml.yaml'
    )
    expect(r.locations[0].physicalLocation.region.startLine).toBeGreaterThan(1)
  })

  it('percent-encodes paths with spaces and #, so the URIs stay valid', async () => {
    const dir = join(scratch, 'my manifests #1')
    mkdirSync(dir)
    for (const f of ['service.yaml', 'statefulset.yaml'])
      copyFileSync(join('manifests/article-three-node', f), join(dir, f))
    writeFileSync(
      join(dir, 'extra 100%.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\n'
    )
    const { log } = await sarifOf([dir])
    ;(expect(log) as unknown as { toBeValidSarifLog: () => void }).toBeValidSarifLog()
    const uris = log.runs[0].results.map(
      (r) => r.locations[0].physicalLocation.artifactLocation.uri
    )
    const rel = relative(process.cwd(), dir).split('/').map(encodeURIComponent).join('/')
    expect(uris[0].startsWith(rel)).toBe(true)
    expect(uris.filter((u) => /[ #]/.test(u))).toEqual([])
    for (const u of uris) expect(() => new URL(u, 'file:///base/')).not.toThrow()
  })
})
