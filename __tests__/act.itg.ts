/**
 * The repository's own workflow, run as GitHub would run it as far as act can (scripts/act-e2e.sh):
 * the `secured` job of e2e.yml, through `uses: ./` and the committed dist/, on the real kind here,
 * with the job's own check script. (The other kind jobs run the same way: README.)
 */
import { describe, expect, it, beforeAll } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { realKind } from './helpers/kind.js'

const MIN = 60_000

describe('e2e.yml under act, on the real kind', () => {
  beforeAll(() => {
    realKind()
  })

  it(
    'the secured job passes with its own checks: security on, a file-realm user, a new master after the kill, post run',
    () => {
      const res = spawnSync('bash', ['scripts/act-e2e.sh', 'secured'], {
        encoding: 'utf8',
        timeout: 12 * MIN
      })
      const output = `${res.stdout}${res.stderr}`
      // act's whole output stays with the run, for whoever reads a failure.
      const log = join(tmpdir(), 'act-secured.log')
      writeFileSync(log, output)
      const tail = output.split('\n').slice(-40).join('\n')
      expect({ status: res.status, tail }).toMatchObject({ status: 0 })
      expect(output).toMatch(/\[e2e\/secured\]\s+\| passed: \S+ -> \S+, /)
      expect(output).toMatch(/\[e2e\/secured\]\s+✅ {2}Success - Post \.\//)
      expect(output).toMatch(/\[e2e\/secured\] 🏁 {2}Job succeeded/)
    },
    13 * MIN
  )
})
