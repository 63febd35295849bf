/**
 * What the manifests say about the engines' security, read from the engine container's env (the
 * official images take settings from environment variables with dots): whether HTTP speaks TLS,
 * and whether every request needs credentials.
 */
import type { ManifestSet } from './scenario.js'

/** Settings that turn TLS on for the HTTP port: Elasticsearch's, then OpenSearch's security plugin's. */
const HTTP_TLS_SETTINGS = ['xpack.security.http.ssl.enabled', 'plugins.security.ssl.http.enabled']

const isTrue = (value: string | undefined): boolean => value?.trim().toLowerCase() === 'true'

/** The scheme of the engines' HTTP port: as given, or (auto) https when the manifests turn TLS on. */
export function httpScheme(
  scheme: 'auto' | 'http' | 'https',
  env: Record<string, string>
): 'http' | 'https' {
  if (scheme !== 'auto') return scheme
  return HTTP_TLS_SETTINGS.some((name) => isTrue(env[name])) ? 'https' : 'http'
}

/**
 * Where the manifests turn Elasticsearch's security on with no anonymous access: the engine then
 * answers every request without credentials with 401, so a run without a password cannot pass.
 */
export function securityOnWithoutAnonymous(
  set: ManifestSet
): { file: string; line: number; column: number } | undefined {
  const env = set.view.env
  if (!isTrue(env['xpack.security.enabled'])) return undefined
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
