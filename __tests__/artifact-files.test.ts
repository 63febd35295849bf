import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { filesUnder } from '../src/action/artifacts.js'

describe('the files an artifact takes', () => {
  it('are the regular files under the report directory; symbolic links are neither followed nor taken', () => {
    const root = mkdtempSync(join(tmpdir(), 'artifact-files-'))
    try {
      const report = join(root, 'report')
      const outside = join(root, 'outside')
      mkdirSync(join(report, 'pods', 'es-0'), { recursive: true })
      mkdirSync(outside)
      writeFileSync(join(outside, 'secret.txt'), 'token')
      writeFileSync(join(report, 'report.json'), '{}')
      writeFileSync(join(report, 'pods', 'es-0', 'es.log'), 'log')
      symlinkSync(join(outside, 'secret.txt'), join(report, 'planted.txt'))
      symlinkSync(outside, join(report, 'pods', 'planted-dir'))
      expect(filesUnder(report).sort()).toEqual([
        join(report, 'pods', 'es-0', 'es.log'),
        join(report, 'report.json')
      ])
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
