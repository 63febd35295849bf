import { describe, expect, it } from '@jest/globals'
import { parseArgs, helpText } from '../src/cli/args.js'
import { runCli, phaseTable } from '../src/cli/run.js'
import type { Report } from '../src/engine/report.js'

describe('CLI arguments', () => {
  it('reads flags, --flag=value, booleans and --no-flag', () => {
    const a = parseArgs([
      '--provider',
      'kind',
      '--rounds=2',
      '--keep-cluster',
      '--no-prepare-host',
      '-v'
    ])
    expect(a.command).toBe('verify')
    expect(a.raw).toEqual({
      provider: 'kind',
      rounds: '2',
      'keep-cluster': 'true',
      'prepare-host': 'false'
    })
    expect(a.verbose).toBe(true)
  })

  it('takes lint paths and a format', () => {
    const a = parseArgs(['lint', 'manifests/a', 'manifests/b', '--format', 'sarif'])
    expect(a).toMatchObject({
      command: 'lint',
      format: 'sarif',
      raw: { manifests: 'manifests/a,manifests/b', mode: 'lint' }
    })
  })

  it('refuses unknown options and missing values', () => {
    expect(() => parseArgs(['--colour', 'red'])).toThrow(/Unknown option '--colour'/)
    expect(() => parseArgs(['--provider'])).toThrow(/Option '--provider' needs a value/)
    expect(() => parseArgs(['stray'])).toThrow(/Unexpected argument 'stray'/)
  })

  it('shows every option with its default in --help', () => {
    const help = helpText('1.2.3')
    expect(help).toMatch(/--failover-timeout\s+.*\(default: 2m\)/)
    expect(help).toMatch(/--kill-mode\s+.*\[graceful\|force\] \(default: graceful\)/)
  })
})

describe('runCli', () => {
  const out: string[] = []
  const print = (l: string): void => void out.push(l)

  it('exits 2 on bad input, naming the option and value, before anything is created', async () => {
    expect(await runCli(['--rounds', 'many'], print)).toBe(2)
    expect(await runCli(['--manifests', 'nowhere'], print)).toBe(2)
    expect(await runCli(['lint', '__tests__/manifests/bad-yaml.yaml'], print)).toBe(2)
  })

  it('prints help and version', async () => {
    expect(await runCli(['--help'], print)).toBe(0)
    expect(await runCli(['--version'], print)).toBe(0)
    expect(out.join('\n')).toMatch(/Usage:/)
    expect(out[out.length - 1]).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('lints: 0 for the reference manifests, 1 when a rule finds an error', async () => {
    expect(await runCli(['lint', 'manifests/elasticsearch'], print)).toBe(0)
    expect(await runCli(['lint', 'manifests/elasticsearch', '--format', 'json'], print)).toBe(0)
    expect(await runCli(['lint', 'manifests/elasticsearch', '--format', 'xml'], print)).toBe(2)
  })

  it('prints a table of phases', () => {
    const table = phaseTable({
      phases: [
        {
          name: 'form',
          title: 'Form',
          status: 'passed',
          startedAt: 0,
          endedAt: 2000,
          durationMs: 2000
        }
      ]
    } as unknown as Report)
    expect(table.split('\n')).toEqual([
      'result  phase  duration',
      '------  -----  --------',
      'passed  Form   2.0s    '
    ])
  })
})
