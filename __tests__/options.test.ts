import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseOptions, OPTION_SPECS } from '../src/engine/options.js'
import { parseDuration, formatDuration } from '../src/engine/duration.js'
import { UsageError } from '../src/engine/errors.js'

const KUBECONFIG = '__tests__/inputs/kubeconfig.yaml'

describe('parseOptions', () => {
  it('fills every documented default', () => {
    const o = parseOptions({})
    expect(o).toMatchObject({
      mode: 'verify',
      provider: 'auto',
      manifests: ['manifests/elasticsearch'],
      rounds: 1,
      killMode: 'graceful',
      formationTimeoutMs: 600_000,
      failoverTimeoutMs: 120_000,
      rejoinTimeoutMs: 300_000,
      pollIntervalMs: 250,
      transport: 'auto',
      scheme: 'auto',
      esPort: 9200,
      keepCluster: false,
      prepareHost: true,
      kindVersion: 'v0.32.0',
      minikubeMemory: 4096
    })
  })

  it('reads given values', () => {
    const o = parseOptions({
      provider: 'kind',
      rounds: '3',
      'kill-mode': 'force',
      'failover-timeout': '1m30s',
      'keep-cluster': 'yes',
      'expected-nodes': '5',
      namespace: 'my-ns'
    })
    expect(o).toMatchObject({
      provider: 'kind',
      rounds: 3,
      killMode: 'force',
      failoverTimeoutMs: 90_000,
      keepCluster: true,
      expectedNodes: 5,
      namespace: 'my-ns'
    })
  })

  it('reads the scenarios and data-check settings', () => {
    expect(parseOptions({})).toMatchObject({
      scenarios: ['failover'],
      dataChecks: true,
      writeRate: 20,
      maxRedMs: 0,
      seedReplicas: 1
    })
    expect(
      parseOptions({ scenario: 'restart, failover', 'max-red': '5s', 'write-rate': '1000' })
    ).toMatchObject({ scenarios: ['restart', 'failover'], maxRedMs: 5000, writeRate: 1000 })
  })

  it('checks a kubeconfig without ever quoting it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'))
    try {
      const broken = join(dir, 'broken')
      writeFileSync(
        broken,
        'users:\n- name: u\n  user:\n    token: SECRET-TOKEN-123\n  bad: [unclosed\n'
      )
      const message = (() => {
        try {
          parseOptions({ kubeconfig: broken })
        } catch (err) {
          return (err as Error).message
        }
        return ''
      })()
      expect(message).toMatch(/^Invalid kubeconfig '.*broken'\. It is not valid YAML \(line \d+\)/)
      expect(message).not.toContain('SECRET')
      const empty = join(dir, 'empty')
      writeFileSync(empty, 'apiVersion: v1\nkind: Config\n')
      expect(() => parseOptions({ kubeconfig: empty })).toThrow(/It has no clusters/)
      expect(() => parseOptions({ kubeconfig: KUBECONFIG, context: 'other' })).toThrow(
        /It has no context 'other'; its contexts are: test\./
      )
      expect(() => parseOptions({ kubeconfig: dir })).toThrow(
        /Invalid kubeconfig '.*'\. Expected an existing file, not a directory/
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses a report-dir that holds a git clone, or is a symbolic link', () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-dir-'))
    try {
      mkdirSync(join(dir, 'clone', '.git'), { recursive: true })
      expect(() => parseOptions({ 'report-dir': join(dir, 'clone') })).toThrow(
        /It holds a git clone \(\.git\), whose config can hold a token/
      )
      symlinkSync(join(dir, 'clone'), join(dir, 'link'))
      expect(() => parseOptions({ 'report-dir': join(dir, 'link') })).toThrow(
        /It is a symbolic link/
      )
      expect(parseOptions({ 'report-dir': join(dir, 'new') }).reportDir).toBe(join(dir, 'new'))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('treats an existing kubeconfig under provider auto as provider existing', () => {
    expect(parseOptions({ kubeconfig: KUBECONFIG }).provider).toBe('existing')
  })

  const bad: [Record<string, string>, RegExp][] = [
    [
      { provider: 'docker' },
      /Invalid provider 'docker'\. Expected one of: auto, kind, minikube, existing, local/
    ],
    [{ provider: 'Kind' }, /Invalid provider 'Kind'/],
    [{ 'kill-mode': 'gentle' }, /Invalid kill-mode 'gentle'\. Expected one of: graceful, force/],
    [{ transport: 'port-forward' }, /Invalid transport 'port-forward'/],
    [{ mode: 'check' }, /Invalid mode 'check'/],
    [{ scheme: 'ftp' }, /Invalid scheme 'ftp'/],
    [
      { 'formation-timeout': '10' },
      /Invalid formation-timeout '10'\. Expected a duration such as 90s, 5m/
    ],
    [{ 'failover-timeout': '2 minutes' }, /Invalid failover-timeout '2 minutes'/],
    [{ 'rejoin-timeout': '-5m' }, /Invalid rejoin-timeout '-5m'/],
    [
      { 'poll-interval': '0s' },
      /Invalid poll-interval '0s'\. Expected a duration greater than zero/
    ],
    [{ rounds: '-1' }, /Invalid rounds '-1'\. Expected a whole number from 0 to 100/],
    [{ rounds: 'two' }, /Invalid rounds 'two'/],
    [
      { 'expected-nodes': '0' },
      /Invalid expected-nodes '0'\. Expected a whole number of at least 1/
    ],
    [{ 'expected-nodes': '2.5' }, /Invalid expected-nodes '2.5'/],
    [{ 'es-port': 'http' }, /Invalid es-port 'http'/],
    [
      { 'minikube-memory': '512' },
      /Invalid minikube-memory '512'\. Expected a whole number of at least 1024/
    ],
    [{ 'keep-cluster': 'maybe' }, /Invalid keep-cluster 'maybe'\. Expected true or false/],
    [
      { manifests: 'does/not/exist' },
      /Invalid manifests 'does\/not\/exist'\. 'does\/not\/exist' does not exist/
    ],
    [{ manifests: 'manifests/elasticsearch, nowhere.yaml' }, /'nowhere\.yaml' does not exist/],
    [{ provider: 'existing' }, /Invalid provider 'existing' without kubeconfig/],
    [
      { kubeconfig: 'missing-kubeconfig' },
      /Invalid kubeconfig 'missing-kubeconfig'\. Expected an existing file/
    ],
    [
      { provider: 'kind', kubeconfig: KUBECONFIG },
      /Invalid kubeconfig '__tests__\/inputs\/kubeconfig\.yaml' with provider 'kind'/
    ],
    [{ 'kind-config': 'nope.yaml' }, /Invalid kind-config 'nope\.yaml'/],
    [{ namespace: 'My_Namespace' }, /Invalid namespace 'My_Namespace'\. Expected a DNS label/],
    [{ 'cluster-name': '-bad' }, /Invalid cluster-name '-bad'/],
    [{ transport: 'proxy', password: 'secret' }, /Invalid transport 'proxy' with a password/],
    [{ 'report-dir': 'package.json' }, /Invalid report-dir 'package\.json'\. Expected a directory/],
    [
      { 'report-dir': '.' },
      /Invalid report-dir '\.'\. It is the workspace, and its files \(\.git\/config among them\)/
    ],
    [
      { 'report-dir': 'manifests' },
      /Invalid report-dir 'manifests'\. It already holds \d+ entries .*expected a new or empty directory/
    ],
    [{ colour: 'red' }, /Unknown option 'colour'/],
    [
      { scenario: 'failover,chaos' },
      /Invalid scenario 'failover,chaos'\. Expected a comma-separated list of: failover, restart, rolling-upgrade \('chaos' is not one\)/
    ],
    [
      { scenario: 'restart,restart' },
      /Invalid scenario 'restart,restart'\. Expected each at most once/
    ],
    [{ 'write-rate': '0' }, /Invalid write-rate '0'\. Expected a whole number from 1 to 1000/],
    [
      { 'write-rate': '1001' },
      /Invalid write-rate '1001'\. Expected a whole number from 1 to 1000/
    ],
    [{ 'max-red': '-1s' }, /Invalid max-red '-1s'\. Expected a duration such as/],
    [{ 'max-red': '25h' }, /Invalid max-red '25h'\. Expected a duration of at most 24h/],
    [
      { 'seed-replicas': '11' },
      /Invalid seed-replicas '11'\. Expected a whole number from 0 to 10/
    ],
    [
      { scenario: 'rolling-upgrade', 'base-manifests': 'nowhere/' },
      /Invalid base-manifests 'nowhere\/'\. 'nowhere\/' does not exist; expected manifest files or directories, or git:<ref>/
    ],
    [
      { 'base-manifests': 'manifests/elasticsearch' },
      /Invalid base-manifests 'manifests\/elasticsearch' without the rolling-upgrade scenario/
    ],
    [{ 'es-port': '70000' }, /Invalid es-port '70000'\. Expected a whole number from 1 to 65535/],
    [
      { 'kind-version': '../v0.32.0' },
      /Invalid kind-version '\.\.\/v0\.32\.0'\. Expected a release tag such as v0\.32\.0/
    ],
    [{ 'kind-version': 'latest' }, /Invalid kind-version 'latest'\. Expected a release tag/],
    [
      { provider: 'kind', 'kind-version': 'v0.31.0' },
      /Invalid kind-version 'v0\.31\.0'\. Its sha256 is not pinned in es-k8s-verify \(pinned: v0\.32\.0\); expected one of those, or kind-unpinned: true/
    ],
    [{ rounds: '101' }, /Invalid rounds '101'\. Expected a whole number from 0 to 100/],
    [
      { username: 'elastic' },
      /Invalid username 'elastic' without a password\. Expected password, password-file/
    ],
    [
      { 'password-file': 'package.json', password: 'x' },
      /Invalid password-file 'package\.json' together with password/
    ],
    [
      { 'password-file': 'manifests' },
      /Invalid password-file 'manifests'\. Expected an existing file, not a directory/
    ]
  ]
  it.each(bad)('refuses %j naming the option, the value and what is accepted', (raw, message) => {
    expect(() => parseOptions(raw)).toThrow(UsageError)
    expect(() => parseOptions(raw)).toThrow(message)
  })

  it('documents every option with a description', () => {
    for (const spec of OPTION_SPECS) expect(spec.description.length).toBeGreaterThan(10)
  })
})

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1.5s', 1500]
  ])('parses %s', (text, ms) => expect(parseDuration('x', text)).toBe(ms))

  it.each(['', '5', 'm', '5 m', '5d', 's5'])('refuses %j', (text) =>
    expect(() => parseDuration('timeout', text)).toThrow(/Invalid timeout/)
  )

  it('formats for people', () => {
    expect(formatDuration(850)).toBe('850ms')
    expect(formatDuration(12_340)).toBe('12.3s')
    expect(formatDuration(125_000)).toBe('2m05s')
  })

  it.each([
    [999.6, '1.0s'],
    [59_960, '1m00s'],
    [119_600, '2m00s'],
    [3_600_000, '60m00s']
  ])('never carries into a 60: %d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})
