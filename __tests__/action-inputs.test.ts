import { afterEach, describe, expect, it } from '@jest/globals'
import { getInputs, defaultArtifactName } from '../src/action/inputs.js'
import { parseOptions } from '../src/engine/options.js'
import { renderSummary, escapeHtml, ganttChart } from '../src/action/summary.js'
import { shouldUpload } from '../src/action/artifacts.js'
import type { Report } from '../src/engine/report.js'

/** Sets inputs the way the runner does: INPUT_<NAME> with the name upper-cased, hyphens kept. */
function setInputs(inputs: Record<string, string>): void {
  for (const [k, v] of Object.entries(inputs)) process.env[`INPUT_${k.toUpperCase()}`] = v
}

afterEach(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_')) delete process.env[k]
})

describe('getInputs', () => {
  it('reads defaults like the CLI and makes an artifact name unique per leg', () => {
    const inputs = getInputs()
    expect(inputs.options.provider).toBe('auto')
    expect(inputs.uploadWhen).toBe('always')
    expect(inputs.artifactName).toMatch(/^es-k8s-verify-[\w.-]+-auto-verify-\d+-[0-9a-f]{6}$/)
    expect(defaultArtifactName(inputs.options)).not.toBe(inputs.artifactName)
  })

  const bad: [Record<string, string>, RegExp][] = [
    [{ provider: 'eks' }, /Invalid provider 'eks'\. Expected one of/],
    [{ 'kill-mode': 'nuke' }, /Invalid kill-mode 'nuke'/],
    [{ mode: 'dry-run' }, /Invalid mode 'dry-run'/],
    [{ transport: 'ssh' }, /Invalid transport 'ssh'/],
    [{ 'formation-timeout': '5' }, /Invalid formation-timeout '5'/],
    [{ 'failover-timeout': 'soon' }, /Invalid failover-timeout 'soon'/],
    [{ 'rejoin-timeout': '0m' }, /Invalid rejoin-timeout '0m'/],
    [{ 'poll-interval': '1 s' }, /Invalid poll-interval '1 s'/],
    [{ rounds: '-2' }, /Invalid rounds '-2'/],
    [{ 'expected-nodes': 'three' }, /Invalid expected-nodes 'three'/],
    [{ 'es-port': '-9200' }, /Invalid es-port '-9200'/],
    [{ 'minikube-cpus': '0' }, /Invalid minikube-cpus '0'/],
    [{ 'keep-cluster': 'sometimes' }, /Invalid keep-cluster 'sometimes'/],
    [{ 'prepare-host': 'y' }, /Invalid prepare-host 'y'/],
    [{ manifests: 'k8s/missing' }, /Invalid manifests 'k8s\/missing'/],
    [{ provider: 'existing' }, /Invalid provider 'existing' without kubeconfig/],
    [{ kubeconfig: '/nonexistent/kubeconfig' }, /Invalid kubeconfig '\/nonexistent\/kubeconfig'/],
    [{ namespace: 'UPPER' }, /Invalid namespace 'UPPER'/],
    [
      { 'upload-artifacts': 'sometimes' },
      /Invalid upload-artifacts 'sometimes'\. Expected one of: always, on-failure, never/
    ],
    [
      { 'artifact-retention-days': '365' },
      /Invalid artifact-retention-days '365'\. Expected a whole number of days from 1 to 90/
    ],
    [
      { 'artifact-name': 'logs/run:1' },
      /Invalid artifact-name 'logs\/run:1'\. It may not contain ":" "\/"/
    ],
    [{ 'artifact-name': 'a*b' }, /Invalid artifact-name 'a\*b'/]
  ]
  it.each(bad)('fails on %j naming the input, value and what is accepted', (inputs, message) => {
    setInputs(inputs)
    expect(() => getInputs()).toThrow(message)
  })
})

describe('job summary', () => {
  const report: Report = {
    verdict: 'failed',
    startedAt: new Date(1_000_000).toISOString(),
    endedAt: '',
    durationMs: 9000,
    provider: 'kind',
    cluster: 'c<1>',
    statefulset: 'es-cluster',
    warnings: ['node <b>2</b> got a new ID'],
    reportDir: '/tmp/r',
    engine: { distribution: 'elasticsearch', version: '8.19.0' },
    phases: [
      {
        name: 'form',
        title: 'Form: green with 3 nodes',
        status: 'passed',
        startedAt: 1_000_100,
        endedAt: 1_005_000,
        durationMs: 4900
      },
      {
        name: 'failover-1',
        title: 'Kill the elected master',
        status: 'failed',
        startedAt: 1_005_000,
        endedAt: 1_008_000,
        durationMs: 3000,
        error: 'x'
      }
    ],
    disruptions: [],
    rounds: [
      {
        round: 1,
        killMode: 'graceful',
        masterBefore: {
          pod: 'es-cluster-0',
          node: 'es-cluster-0.es-cluster',
          nodeId: 'abc',
          ip: '1'
        },
        killedAt: 1_005_500,
        newMasterMs: 400,
        nodeIdBefore: 'abc'
      }
    ],
    error: {
      phase: 'failover-1',
      message:
        'Timed out after 120.0s waiting for a new master. Last seen: <script>alert(1)</script>',
      lastSeen: { 'es-cluster-1': 'no master' }
    }
  }

  it('leads with the verdict, escapes what came from the cluster, charts the run', () => {
    const md = renderSummary(report, { name: 'es-k8s-verify-job', id: 42 })
    expect(md.split('\n')[0]).toBe('## ❌ es-k8s-verify: FAILED')
    expect(md).not.toContain('<script>')
    expect(md).toContain('&#60;script&#62;')
    expect(md).toContain('<details><summary>Last observed state</summary>')
    expect(md).toContain('| Kill the elected master | ❌ failed | 3.0s |')
    expect(md).toContain('artifact `es-k8s-verify-job` (id 42)')
    expect(ganttChart(report)).toMatch(
      /^```mermaid\ngantt\n[\s\S]*election \(400ms\) : 1005500, 1005900/
    )
    expect(escapeHtml('a|b')).toBe('a&#124;b')
  })

  it('shows what clients saw in each disruption, and charts its red and yellow windows', () => {
    const withData: Report = {
      ...report,
      disruptions: [
        {
          scenario: 'failover',
          name: 'failover-1',
          startedAt: 1_005_000,
          endedAt: 1_008_000,
          availability: {
            writes: {
              attempted: 60,
              acked: 55,
              failed: 5,
              lost: 2,
              longestGapMs: 1200,
              errors: []
            },
            reads: { attempted: 12, ok: 12, failed: 0, longestGapMs: 300, errors: [] },
            health: {
              redMs: 500,
              yellowMs: 1500,
              unavailableMs: 0,
              transitions: [
                { at: 1_005_000, status: 'green' },
                { at: 1_006_000, status: 'red' },
                { at: 1_006_500, status: 'yellow' },
                { at: 1_008_000, status: 'green' }
              ]
            }
          }
        }
      ],
      data: {
        index: 'i',
        seeded: 200,
        acked: 255,
        lost: 2,
        lostIds: ['failover-1-3', 'failover-1-4'],
        checksum: 'x'
      }
    }
    const md = renderSummary(withData)
    expect(md).toContain('| failover-1 | 55 | 5 | ❌ 2 | 1.2s | 300ms | ❌ 500ms | 1.5s | 0ms |')
    expect(md).toContain(
      '**Data:** 255 acknowledged writes read back after healing, ❌ 2 lost (first: failover-1-3, failover-1-4).'
    )
    expect(ganttChart(withData)).toMatch(
      /section Health during failover-1\n {2}red : crit, 1006000, 1006500\n {2}yellow : active, 1006500, 1008000/
    )
  })

  it('uploads always, on failure only, or never', () => {
    expect(shouldUpload('always', 'passed')).toBe(true)
    expect(shouldUpload('on-failure', 'passed')).toBe(false)
    expect(shouldUpload('on-failure', 'failed')).toBe(true)
    expect(shouldUpload('never', 'failed')).toBe(false)
    expect(parseOptions({}).mode).toBe('verify')
  })
})
