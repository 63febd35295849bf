import { OPTION_SPECS } from '../engine/options.js'
import { UsageError } from '../engine/errors.js'

export interface CliArgs {
  command: 'verify' | 'lint' | 'help' | 'version'
  raw: Record<string, string | undefined>
  /** Extra positional paths (lint [paths]). */
  paths: string[]
  format?: string
  verbose: boolean
}

const BOOLEAN_OPTIONS = new Set(OPTION_SPECS.filter((s) => s.kind === 'bool').map((s) => s.name))

/**
 * Reads the command line: `[verify|lint] --option value ...`, `--flag` for booleans
 * (`--no-flag` for false), `--option=value` too. Unknown options are a UsageError.
 */
export function parseArgs(argv: string[]): CliArgs {
  const raw: Record<string, string | undefined> = {}
  const paths: string[] = []
  let command: CliArgs['command'] = 'verify'
  let format: string | undefined
  let verbose = false
  const known = new Set(OPTION_SPECS.map((s) => s.name))
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (i === 0 && (arg === 'verify' || arg === 'lint')) {
      command = arg
      continue
    }
    if (arg === '--help' || arg === '-h') return { command: 'help', raw, paths, verbose }
    if (arg === '--version' || arg === '-V') return { command: 'version', raw, paths, verbose }
    if (arg === '--verbose' || arg === '-v') {
      verbose = true
      continue
    }
    if (!arg.startsWith('--')) {
      paths.push(arg)
      continue
    }
    const [name, given] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined]
    let value = given
    if (name === 'format') {
      format = value ?? argv[++i]
      continue
    }
    if (name.startsWith('no-') && BOOLEAN_OPTIONS.has(name.slice(3)) && value === undefined) {
      raw[name.slice(3)] = 'false'
      continue
    }
    if (!known.has(name))
      throw new UsageError(`Unknown option '--${name}'. Run es-k8s-verify --help for the options.`)
    if (value === undefined) {
      if (BOOLEAN_OPTIONS.has(name) && (argv[i + 1] === undefined || argv[i + 1].startsWith('--')))
        value = 'true'
      else if (argv[i + 1] === undefined) throw new UsageError(`Option '--${name}' needs a value.`)
      else value = argv[++i]
    }
    raw[name] = value
  }
  if (command === 'lint' && paths.length) raw.manifests = paths.join(',')
  if (command === 'verify' && paths.length)
    throw new UsageError(`Unexpected argument '${paths[0]}'. Give manifests with --manifests.`)
  if (command === 'lint') raw.mode = 'lint'
  return { command, raw, paths, format, verbose }
}

/** The --help text, with every option's default. */
export function helpText(version: string): string {
  const width = Math.max(...OPTION_SPECS.map((s) => s.name.length)) + 4
  const lines = OPTION_SPECS.map((s) => {
    const values = s.values ? ` [${s.values.join('|')}]` : ''
    const def = s.default !== undefined ? ` (default: ${s.default})` : ''
    return `  --${s.name.padEnd(width)}${s.description}${values}${def}`
  })
  return [
    `es-k8s-verify ${version}: proves that Elasticsearch on Kubernetes forms a cluster, survives losing its elected master, and heals.`,
    '',
    'Usage:',
    '  es-k8s-verify [verify] [options]     run the whole scenario',
    '  es-k8s-verify lint [paths] [--format text|json|sarif]',
    '                                       check manifests without a cluster',
    '',
    'Options:',
    ...lines,
    `  --${'verbose'.padEnd(width)}Print every observation and command.`,
    '',
    'Exit codes: 0 passed, 1 verification failed, 2 bad usage or input.'
  ].join('\n')
}
