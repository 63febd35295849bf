/**
 * Bad and hostile values as a careless user or a pull request would send them, through the CLI
 * as a user runs it: each exits 2 with one message naming the input, the value and what is
 * accepted, and creates nothing (no report or work directory, no cluster).
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../src/cli/run.js'

const scratch = mkdtempSync(join(tmpdir(), 'hostile-'))
const notWritable = join(scratch, 'locked')
const aFile = join(scratch, 'file.txt')
const withGit = join(scratch, 'clone')
const emptyDir = join(scratch, 'empty')
const onlyService = join(scratch, 'only-service')

beforeAll(() => {
  mkdirSync(notWritable, { mode: 0o500 })
  chmodSync(notWritable, 0o500)
  writeFileSync(aFile, 'x')
  mkdirSync(join(withGit, '.git'), { recursive: true })
  mkdirSync(emptyDir)
  mkdirSync(onlyService)
  writeFileSync(
    join(onlyService, 'service.yaml'),
    'apiVersion: v1\nkind: Service\nmetadata: {name: es}\nspec: {clusterIP: None}\n'
  )
})
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** [argv, the message's pattern]: the message names the input and the value, then what is accepted. */
const CASES: [string[], RegExp][] = [
  // Enumerations
  [
    ['--provider', 'docker'],
    /^Invalid provider 'docker'\. Expected one of: auto, kind, minikube, existing, local\.$/
  ],
  [['--provider', 'KIND'], /^Invalid provider 'KIND'\. Expected one of/],
  [
    ['--kill-mode', 'sigkill'],
    /^Invalid kill-mode 'sigkill'\. Expected one of: graceful, force\.$/
  ],
  [['--transport', 'port-forward'], /^Invalid transport 'port-forward'\. Expected one of/],
  [['--scheme', 'ftp'], /^Invalid scheme 'ftp'\. Expected one of: auto, http, https\.$/],
  [['--mode', 'check'], /^Invalid mode 'check'\. Expected one of: verify, lint\.$/],
  [['--scenario', 'chaos'], /^Invalid scenario 'chaos'\. Expected a comma-separated list of/],
  [
    ['--scenario', 'failover,,restart'],
    /^Invalid scenario 'failover,,restart'\. Expected a comma-separated list/
  ],
  [
    ['--scenario', 'restart,restart'],
    /^Invalid scenario 'restart,restart'\. Expected each at most once/
  ],
  // Numbers: lower and upper bounds, not numbers at all, empty
  [['--rounds', '-1'], /^Invalid rounds '-1'\. Expected a whole number from 0 to 100\.$/],
  [['--rounds', '101'], /^Invalid rounds '101'\. Expected a whole number from 0 to 100\.$/],
  [['--rounds', '1e3'], /^Invalid rounds '1e3'\. Expected a whole number/],
  [['--rounds', '0x10'], /^Invalid rounds '0x10'\. Expected a whole number/],
  [
    ['--rounds='],
    /^Invalid rounds ''\. Expected a value; leave the option out for its default \(1\)\.$/
  ],
  [['--es-port', '0'], /^Invalid es-port '0'\. Expected a whole number from 1 to 65535\.$/],
  [['--es-port', '65536'], /^Invalid es-port '65536'\. Expected a whole number from 1 to 65535\.$/],
  [['--es-port', '9200; rm -rf /'], /^Invalid es-port '9200; rm -rf \/'\. Expected a whole number/],
  [
    ['--expected-nodes', '0'],
    /^Invalid expected-nodes '0'\. Expected a whole number of at least 1\.$/
  ],
  [['--write-rate', '0'], /^Invalid write-rate '0'\. Expected a whole number from 1 to 1000\.$/],
  [
    ['--write-rate', '5000'],
    /^Invalid write-rate '5000'\. Expected a whole number from 1 to 1000\.$/
  ],
  [
    ['--seed-documents', '100001'],
    /^Invalid seed-documents '100001'\. Expected a whole number from 1 to 100000\.$/
  ],
  [
    ['--seed-replicas', '-1'],
    /^Invalid seed-replicas '-1'\. Expected a whole number from 0 to 10\.$/
  ],
  [
    ['--minikube-memory', '512'],
    /^Invalid minikube-memory '512'\. Expected a whole number of at least 1024\.$/
  ],
  // Durations
  [
    ['--formation-timeout', '10'],
    /^Invalid formation-timeout '10'\. Expected a duration such as 90s, 5m, 1m30s or 500ms\.$/
  ],
  [
    ['--formation-timeout', '25h'],
    /^Invalid formation-timeout '25h'\. Expected a duration of at most 24h\.$/
  ],
  [
    ['--poll-interval', '0ms'],
    /^Invalid poll-interval '0ms'\. Expected a duration greater than zero\.$/
  ],
  [
    ['--poll-interval', '999999999s'],
    /^Invalid poll-interval '999999999s'\. Expected a duration of at most 24h\.$/
  ],
  [['--failover-timeout', '-5m'], /^Invalid failover-timeout '-5m'\. Expected a duration/],
  [['--max-red', '-1s'], /^Invalid max-red '-1s'\. Expected a duration/],
  [['--rejoin-timeout', '5 m'], /^Invalid rejoin-timeout '5 m'\. Expected a duration/],
  // Booleans
  [['--keep-cluster', 'maybe'], /^Invalid keep-cluster 'maybe'\. Expected true or false\.$/],
  [['--data-checks', 'off'], /^Invalid data-checks 'off'\. Expected true or false\.$/],
  // Names
  [
    ['--namespace', 'kube-system'],
    /^Invalid namespace 'kube-system'\. .*expected a namespace of its own/
  ],
  [['--namespace', 'default'], /^Invalid namespace 'default'\./],
  [['--namespace', 'Bad_NS'], /^Invalid namespace 'Bad_NS'\. Expected a DNS label/],
  [['--namespace', 'a'.repeat(64)], /^Invalid namespace 'a{64}'\. Expected a DNS label/],
  [
    ['--cluster-name', '../../etc'],
    /^Invalid cluster-name '\.\.\/\.\.\/etc'\. Expected a DNS label/
  ],
  [['--statefulset', '-x'], /^Invalid statefulset '-x'\. Expected a DNS label/],
  [
    ['--image', 'es:latest$(id)'],
    /^Invalid image 'es:latest\$\(id\)'\. Expected an image reference/
  ],
  [['--image', 'UPPER/case:1'], /^Invalid image 'UPPER\/case:1'\. Expected an image reference/],
  [['--image', '--help'], /^Invalid image '--help'\. Expected an image reference/],
  // Versions and downloads
  [
    ['--kind-version', '../v0.32.0'],
    /^Invalid kind-version '\.\.\/v0\.32\.0'\. Expected a release tag such as v0\.32\.0\.$/
  ],
  [['--kind-version', 'latest'], /^Invalid kind-version 'latest'\. Expected a release tag/],
  [
    ['--kind-version', 'v0.32.0/../../x'],
    /^Invalid kind-version 'v0\.32\.0\/\.\.\/\.\.\/x'\. Expected a release tag/
  ],
  [
    ['--provider', 'kind', '--kind-version', 'v0.31.0'],
    /^Invalid kind-version 'v0\.31\.0'\. Its sha256 is not pinned/
  ],
  // Files
  [['--manifests', 'nowhere'], /^Invalid manifests 'nowhere'\. 'nowhere' does not exist/],
  [['--manifests', emptyDir], /holds no \.yaml, \.yml or \.json files/],
  [['--manifests', onlyService], /The manifests hold no StatefulSet \(found: Service\/es\)/],
  [
    ['--manifests', '__tests__/inputs/alias-bomb.yaml'],
    /alias-bomb\.yaml: not usable YAML: .*anchors and aliases/
  ],
  [['--manifests', '__tests__/manifests/bad-yaml.yaml'], /bad-yaml\.yaml:\d+:\d+: not valid YAML/],
  [
    ['--kind-config', scratch],
    /^Invalid kind-config '.*'\. Expected an existing file, not a directory\.$/
  ],
  [['--kubeconfig', 'nowhere'], /^Invalid kubeconfig 'nowhere'\. Expected an existing file\.$/],
  [
    ['--provider', 'existing', '--kubeconfig', 'package.json'],
    /^Invalid kubeconfig 'package\.json'\. It has no clusters/
  ],
  [['--report-dir', '.'], /^Invalid report-dir '\.'\. It is the workspace/],
  [
    ['--report-dir', aFile],
    /^Invalid report-dir '.*'\. Expected a directory \(it exists and is a file\)\.$/
  ],
  [['--report-dir', withGit], /^Invalid report-dir '.*'\. It holds a git clone/],
  [
    ['--report-dir', join(aFile, 'sub')],
    /^Invalid report-dir '.*'\. '.*file\.txt' is a file, so no directory can be made under it/
  ],
  [['--report-dir', 'manifests'], /^Invalid report-dir 'manifests'\. It already holds/],
  [
    ['--password-file', scratch],
    /^Invalid password-file '.*'\. Expected an existing file, not a directory\.$/
  ],
  // Options that must agree
  [['--username', 'elastic'], /^Invalid username 'elastic' without a password/],
  [['--transport', 'proxy', '--password', 'x'], /^Invalid transport 'proxy' with a password/],
  [['--provider', 'existing'], /^Invalid provider 'existing' without kubeconfig/],
  [
    ['--base-manifests', 'manifests/elasticsearch'],
    /^Invalid base-manifests 'manifests\/elasticsearch' without the rolling-upgrade scenario/
  ],
  [
    ['--scenario', 'rolling-upgrade', '--base-manifests', 'git:--output=x'],
    /^Invalid base-manifests 'git:--output=x'\. Expected git:<ref>/
  ],
  [
    ['--scenario', 'rolling-upgrade', '--base-manifests', 'git:origin/never-fetched'],
    /^Invalid base-manifests 'git:origin\/never-fetched'\. The ref 'origin\/never-fetched' is not in this clone/
  ],
  [
    ['--expected-nodes', '5'],
    /^Invalid expected-nodes '5'\. StatefulSet es-cluster has 3 replicas/
  ],
  // Manifests with security on and no anonymous access: every answer would be 401.
  [
    ['--manifests', 'manifests/elasticsearch-8-secured'],
    /^Invalid password: none given, but manifests\/elasticsearch-8-secured\/statefulset\.yaml:\d+ sets xpack\.security\.enabled to "true" with no anonymous access, so the engine answers every request without credentials with 401\. Expected username and password/
  ],
  [['--colour', 'red'], /^Unknown option '--colour'\. Run es-k8s-verify --help for the options\.$/]
]

/** What exists in the temp dir and the clusters' root: nothing may be added by a refused run. */
function snapshot(): string[] {
  const root = tmpdir()
  return readdirSync(root)
    .filter((f) => f.startsWith('es-k8s-verify'))
    .sort()
}

describe('hostile and broken input through the CLI', () => {
  it(`covers at least 60 values (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60)
  })

  it.each(CASES)('%j exits 2 with one message and creates nothing', async (argv, message) => {
    const written: string[] = []
    const spy = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk))
        return true
      })
    const before = snapshot()
    const out: string[] = []
    let code: number
    try {
      // A cluster must never be reached: there is none, and the provider is local by default.
      code = await runCli(
        ['--provider', 'local', ...argv].slice(argv.includes('--provider') ? 2 : 0),
        (l) => out.push(l)
      )
    } finally {
      spy.mockRestore()
    }
    expect(code).toBe(2)
    expect(written).toHaveLength(1)
    expect(written[0]).toMatch(/^es-k8s-verify: /)
    expect(written[0].replace(/^es-k8s-verify: /, '').trim()).toMatch(message)
    expect(written[0]).not.toMatch(/\n\s+at /) // no stack trace
    expect(out).toEqual([])
    expect(snapshot()).toEqual(before)
  })
})
