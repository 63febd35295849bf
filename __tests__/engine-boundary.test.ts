import { describe, expect, it } from '@jest/globals'
import { ESLint } from 'eslint'

/** The engine knows no CI system: the repository's own eslint config refuses the toolkit there. */
describe('the engine boundary', () => {
  const eslint = new ESLint()
  const problems = async (filePath: string): Promise<string[]> =>
    (
      await eslint.lintText("import * as core from '@actions/core'\nexport const c = core\n", {
        filePath
      })
    )
      .flatMap((r) => r.messages)
      .filter((m) => m.ruleId === 'no-restricted-imports')
      .map((m) => m.message)

  it.each(['src/engine/verify.ts', 'src/engine/providers/kind.ts', 'src/lint/lint.ts'])(
    'refuses @actions/* in %s',
    async (file) => {
      expect(await problems(file)).toEqual([
        "'@actions/core' import is restricted from being used by a pattern. The engine must not know GitHub: take it through a port (see src/engine/system.ts)."
      ])
    }
  )

  it('lets the action front end use it', async () => {
    expect(await problems('src/action/run.ts')).toEqual([])
  })
})
