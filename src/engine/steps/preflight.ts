import { lintObjects } from '../../lint/lint.js'
import { ManifestError } from '../errors.js'
import type { Step } from '../scenario.js'

/** Lints the manifests before anything is created: errors stop the run, warnings are reported. */
export const preflightStep: Step = {
  name: 'lint',
  title: 'Preflight: lint the manifests',
  skip: (ctx) => (ctx.options.preflight ? undefined : 'preflight is off'),
  async run(ctx) {
    const objects = [...(ctx.base?.objects ?? []), ...ctx.manifests.objects]
    const { findings } = lintObjects(objects)
    for (const f of findings) {
      const text = `[${f.ruleId}] ${f.message} Fix: ${f.hint}`
      const location = { file: f.file, line: f.line, column: f.column }
      if (f.severity === 'error') ctx.logger.error(text, location)
      else if (f.severity === 'warning') ctx.logger.warning(text, location)
      else ctx.logger.info(`${f.file}:${f.line}: ${text}`)
    }
    const errors = findings.filter((f) => f.severity === 'error')
    if (errors.length) {
      const first = errors[0]
      throw new ManifestError(
        `${errors.length} manifest error(s) found before creating anything; the first: ${first.file}:${first.line}: [${first.ruleId}] ${first.message} (set preflight: false to run anyway)`,
        { file: first.file, line: first.line }
      )
    }
  }
}
