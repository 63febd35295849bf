import { lintObjects } from '../../lint/lint.js'
import { ManifestError } from '../errors.js'
import type { ManifestSet, Step } from '../scenario.js'

/**
 * Where the manifests turn Elasticsearch's security on with no anonymous access: the engine then
 * answers every request without credentials with 401, so a run without a password cannot pass.
 */
export function securityOnWithoutAnonymous(
  set: ManifestSet
): { file: string; line: number; column: number } | undefined {
  const env = set.view.env
  if (env['xpack.security.enabled']?.trim().toLowerCase() !== 'true') return undefined
  if (env['xpack.security.authc.anonymous.roles']?.trim()) return undefined
  const spec = set.statefulset.object.spec as {
    template?: { spec?: { containers?: { name: string; env?: { name: string }[] }[] } }
  }
  const containers = spec.template?.spec?.containers ?? []
  const c = containers.findIndex((x) => x.name === set.view.containerName)
  const e = (containers[c]?.env ?? []).findIndex((x) => x.name === 'xpack.security.enabled')
  const at = set.statefulset.locate(['spec', 'template', 'spec', 'containers', c, 'env', e])
  return { file: set.statefulset.file, ...at }
}

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
