import { execFileSync } from 'node:child_process'
import { extname, relative, resolve } from 'node:path'
import { UsageError } from './errors.js'
import { loadManifests, parseManifests, type ManifestObject } from './manifests.js'

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json'])

/** A git ref as `git:<ref>` may name it: no option-like start, no shell or path tricks. */
export const GIT_REF_PATTERN = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/@{}^~-]{1,200}$/

/** Runs git with an argument array; undefined when it fails. */
function git(args: string[], cwd: string): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 * 1024 * 1024
    })
  } catch {
    return undefined
  }
}

/**
 * Loads the manifests a rolling upgrade starts from: files as given, or `git:<ref>` to read the
 * same paths as the manifests under test at that ref (the PR's base branch, say). Refuses, with
 * how to fix it, a ref this clone has not fetched: actions/checkout fetches one commit by default.
 */
export function loadBaseManifests(base: string, manifestPaths: string[]): ManifestObject[] {
  if (!base.startsWith('git:'))
    return loadManifests(
      base
        .split(/[,\n]/)
        .map((p) => p.trim())
        .filter(Boolean)
    )
  const ref = base.slice(4)
  if (!GIT_REF_PATTERN.test(ref))
    throw new UsageError(
      `Invalid base-manifests '${base}'. Expected git:<ref> with a branch, tag or commit (letters, digits and . _ / - @ ^ ~), or manifest paths.`
    )
  const top = git(['rev-parse', '--show-toplevel'], process.cwd())?.trim()
  if (!top)
    throw new UsageError(
      `Invalid base-manifests '${base}'. The working directory ${process.cwd()} is not inside a git clone; expected manifest paths instead.`
    )
  const commit = git(
    ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`],
    top
  )?.trim()
  if (!commit)
    throw new UsageError(
      `Invalid base-manifests '${base}'. The ref '${ref}' is not in this clone (actions/checkout fetches a single commit by default). Fetch it first, for example 'git fetch --depth=1 origin ${ref.replace(/^origin\//, '')}', or set fetch-depth: 0 on actions/checkout.`
    )
  const sources: { file: string; text: string }[] = []
  for (const p of manifestPaths) {
    const rel = relative(top, resolve(p)).split('\\').join('/')
    const listing = git(['ls-tree', '-r', '--name-only', commit, '--', rel], top)
    const files = (listing ?? '')
      .split('\n')
      .filter((f) => f && MANIFEST_EXTENSIONS.has(extname(f)))
      .filter(
        (f) => f === rel || (f.startsWith(`${rel}/`) && !f.slice(rel.length + 1).includes('/'))
      )
      .sort()
    if (files.length === 0)
      throw new UsageError(
        `Invalid base-manifests '${base}'. '${rel}' holds no manifest files at ${ref} (${commit.slice(0, 12)}).`
      )
    for (const f of files) {
      const text = git(['show', `${commit}:${f}`], top)
      if (text === undefined)
        throw new UsageError(`Invalid base-manifests '${base}'. Cannot read ${f} at ${ref}.`)
      sources.push({ file: `${ref}:${f}`, text })
    }
  }
  return parseManifests(sources, [base])
}
