/**
 * The bundled action run as the runner runs it: `node dist/main.js` with INPUT_* variables and
 * GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_STATE files, then `node dist/post.js` with the
 * state handed over as STATE_* variables.
 */
import { describe, expect, it } from '@jest/globals'
import { spawn, spawnSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { canRunLocalCluster, CLUSTERS_ROOT, localCluster } from './helpers/local-cluster.js'
import { KubeClient } from '../src/engine/kube/client.js'
import { readCommandFile, runStep, stepEnv } from './helpers/runner.js'

const hasDist = existsSync('dist/main.js') && existsSync('dist/post.js')

;(hasDist ? describe : describe.skip)('the bundled action: bad inputs', () => {
  it.each([
    [
      { provider: 'eks' },
      "Invalid provider 'eks'. Expected one of: auto, kind, minikube, existing, local."
    ],
    [
      { 'failover-timeout': '90' },
      "Invalid failover-timeout '90'. Expected a duration such as 90s, 5m, 1m30s or 500ms."
    ],
    [{ 'artifact-name': 'a/b' }, 'Invalid artifact-name \'a/b\'. It may not contain "/"'],
    [{ namespace: 'kube-system' }, "Invalid namespace 'kube-system'."],
    [
      { 'kind-version': '../../v0.32.0' },
      "Invalid kind-version '../../v0.32.0'. Expected a release tag such as v0.32.0."
    ],
    [{ rounds: '1000' }, "Invalid rounds '1000'. Expected a whole number from 0 to 100."],
    [{ 'report-dir': '.' }, "Invalid report-dir '.'. It is the workspace"],
    [{ image: 'x:1 --privileged' }, "Invalid image 'x:1 --privileged'. Expected an image reference"]
  ])(
    '%j fails the step with one message, creates nothing, and leaves post nothing to clean',
    (inputs, message) => {
      const main = runStep('main', inputs)
      expect(main.status).toBe(1)
      expect(main.stdout).toContain(`::error::${message}`)
      expect(main.state).toEqual({ isPost: 'true' })
      expect(Object.keys(main.outputs)).toEqual([])
      const post = runStep('post', {}, main.state)
      expect(post.status).toBe(0)
      expect(post.stdout).not.toMatch(/deleting|::warning::/i)
    }
  )

  it('a malformed kubeconfig holding a token: one error naming the file, the token nowhere', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'))
    const file = join(dir, 'kubeconfig')
    writeFileSync(
      file,
      'users:\n- name: u\n  user:\n    token: PLANTED-TOKEN-42\n  bad: [unclosed\n'
    )
    const main = runStep('main', { provider: 'existing', kubeconfig: file })
    rmSync(dir, { recursive: true, force: true })
    expect(main.status).toBe(1)
    expect(main.stdout).toMatch(
      /::error::Invalid kubeconfig '.*kubeconfig'\. It is not valid YAML \(line \d+\)/
    )
    for (const text of [
      main.stdout,
      main.summary,
      JSON.stringify(main.outputs),
      JSON.stringify(main.state)
    ])
      expect(text).not.toContain('PLANTED-TOKEN')
  })

  it('a RUNNER_TEMP that cannot be written: one ::error::, no stack trace', () => {
    const res = spawnSync(process.execPath, ['dist/main.js'], {
      env: {
        ...stepEnv(mkdtempSync(join(tmpdir(), 'runner-')), {}, {}).env,
        RUNNER_TEMP: '/nonexistent/runner-temp'
      },
      encoding: 'utf8'
    })
    const out = res.stdout + res.stderr
    expect(res.status).toBe(1)
    expect(out).toMatch(
      /::error::Cannot create the report directory under RUNNER_TEMP '\/nonexistent\/runner-temp'.*Expected a writable RUNNER_TEMP, or set report-dir\./
    )
    expect(out).not.toMatch(/\n\s+at /)
  })
})

;(hasDist && canRunLocalCluster() ? describe : describe.skip)(
  'the bundled action on the local cluster',
  () => {
    it(
      'passes, sets its outputs, writes the job summary and hands post its state',
      () => {
        const main = runStep('main', {
          provider: 'local',
          manifests: 'manifests/elasticsearch',
          'cluster-name': 'itg-action',
          'upload-artifacts': 'never'
        })
        expect(main.stdout).not.toContain('::error::')
        expect(main.status).toBe(0)
        expect(main.outputs).toMatchObject({ result: 'passed' })
        expect(main.outputs['master-before']).toMatch(/^es-cluster-\d\.es-cluster$/)
        expect(main.outputs['master-after']).toMatch(/^es-cluster-\d\.es-cluster$/)
        expect(main.outputs['master-after']).not.toBe(main.outputs['master-before'])
        expect(Number(main.outputs['failover-seconds'])).toBeGreaterThan(0)
        expect(Number(main.outputs['time-to-green-seconds'])).toBeGreaterThan(0)
        expect(existsSync(join(main.outputs['report-dir'], 'report.json'))).toBe(true)
        expect(main.stdout).toMatch(/::group::Form: green with 3 nodes/)
        expect(main.summary.split('\n')[0]).toBe('## ✅ es-k8s-verify: PASSED')
        expect(main.summary).toContain('```mermaid')
        expect(main.state).toMatchObject({
          isPost: 'true',
          provider: 'local',
          clusterName: 'itg-action',
          cleaned: 'true',
          verdict: 'passed'
        })
        expect(existsSync(join(CLUSTERS_ROOT, 'itg-action'))).toBe(false)
        const post = runStep('post', {}, main.state)
        expect(post.status).toBe(0)
      },
      10 * 60_000
    )

    it(
      'a broken manifest: the step fails saying why, annotates the file, and post removes a cluster main left behind',
      () => {
        const dir = mkdtempSync(join(tmpdir(), 'broken-'))
        const sts = readFileSync('manifests/elasticsearch/statefulset.yaml', 'utf8').replace(
          'replicas: 3',
          'replicas: three'
        )
        writeFileSync(join(dir, 'statefulset.yaml'), sts)
        writeFileSync(
          join(dir, 'service.yaml'),
          readFileSync('manifests/elasticsearch/service.yaml', 'utf8')
        )
        const main = runStep('main', {
          provider: 'local',
          manifests: dir,
          'cluster-name': 'itg-broken',
          // Past the preflight (which would catch it first), so the API server's own refusal is shown.
          preflight: 'false',
          'upload-artifacts': 'never',
          'keep-cluster': 'false'
        })
        expect(main.status).toBe(1)
        expect(main.stdout).toMatch(
          /::error file=.*statefulset\.yaml,line=\d+::.*the API server refused StatefulSet\/es-cluster/
        )
        expect(main.outputs.result).toBe('failed')
        expect(main.summary).toMatch(/^## ❌ es-k8s-verify: FAILED/)
        expect(existsSync(join(main.outputs['report-dir'], 'report.json'))).toBe(true)
        // Post, as if main had been cancelled before cleaning up.
        const post = runStep('post', {}, { ...main.state, cleaned: '' })
        expect(post.status).toBe(0)
      },
      10 * 60_000
    )
  }
)

;(hasDist && canRunLocalCluster() ? describe : describe.skip)(
  'a cancelled action on an existing cluster',
  () => {
    it(
      'main killed after creating its namespace: post deletes that namespace (and only post could)',
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'runner-'))
        const kubeconfig = join(dir, 'kubeconfig')
        localCluster('up', '--name', 'itg-cancel', '--detach', '--kubeconfig', kubeconfig)
        const kube = KubeClient.fromFile(kubeconfig)
        try {
          const { env, files } = stepEnv(
            dir,
            {
              provider: 'existing',
              kubeconfig,
              manifests: 'manifests/elasticsearch',
              'upload-artifacts': 'never'
            },
            {}
          )
          // Main's own work directory goes in the runner's temp dir, removed below: a
          // SIGKILLed main cannot remove it itself.
          const main = spawn(process.execPath, ['dist/main.js'], {
            env: { ...env, TMPDIR: dir },
            stdio: 'ignore'
          })
          let namespace = ''
          for (let i = 0; i < 600 && !namespace; i++) {
            await sleep(100)
            namespace = readCommandFile(files.GITHUB_STATE).namespace ?? ''
          }
          expect(namespace).toMatch(/^es-k8s-verify-[0-9a-f]{6}$/)
          // The runner's hard stop: no handler runs, nothing is cleaned by main.
          main.kill('SIGKILL')
          await new Promise((r) => main.once('exit', r))
          const state = readCommandFile(files.GITHUB_STATE)
          expect(state.cleaned).toBeUndefined()
          expect(await kube.namespaceExists(namespace)).toBe(true)
          const post = runStep('post', {}, state)
          expect(post.status).toBe(0)
          expect(post.stdout).toContain(`Main did not finish: deleting namespace ${namespace}`)
          const after = await kube.raw('GET', `/api/v1/namespaces/${namespace}`)
          const gone = after.status === 404 || /"deletionTimestamp"/.test(after.body)
          expect(gone).toBe(true)
        } finally {
          await kube.close()
          localCluster('down', '--name', 'itg-cancel')
          rmSync(dir, { recursive: true, force: true })
        }
      },
      5 * 60_000
    )
  }
)
