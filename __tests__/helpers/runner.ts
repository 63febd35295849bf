/** The runner's side of a JavaScript action's step: command files, INPUT_* and STATE_* variables. */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface StepResult {
  status: number
  stdout: string
  outputs: Record<string, string>
  state: Record<string, string>
  summary: string
}

/** Reads the runner's `name<<DELIMITER ... DELIMITER` file format. */
export function readCommandFile(path: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : []
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i])
    if (!m) continue
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i])
    out[m[1]] = value.join('\n')
  }
  return out
}

/** The runner's environment for one step: command files, INPUT_* and STATE_* variables. */
export function stepEnv(
  dir: string,
  inputs: Record<string, string>,
  state: Record<string, string>
): { env: Record<string, string>; files: Record<string, string> } {
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_STATE: join(dir, 'state')
  }
  for (const f of Object.values(files)) writeFileSync(f, '')
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...files,
    RUNNER_TEMP: dir,
    GITHUB_JOB: 'verify',
    GITHUB_RUN_ATTEMPT: '1'
  }
  // The bundle finds its own dist/local-cluster.js: that is what users run.
  delete env.ES_K8S_VERIFY_LOCAL_CLUSTER
  for (const k of Object.keys(env))
    if (k.startsWith('INPUT_') || k.startsWith('STATE_')) delete env[k]
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v
  for (const [k, v] of Object.entries(state)) env[`STATE_${k}`] = v
  return { env, files }
}

export function runStep(
  script: 'main' | 'post',
  inputs: Record<string, string>,
  state: Record<string, string> = {}
): StepResult {
  const dir = mkdtempSync(join(tmpdir(), 'runner-'))
  const { env, files } = stepEnv(dir, inputs, state)
  const res = spawnSync(process.execPath, [`dist/${script}.js`], {
    env,
    encoding: 'utf8',
    timeout: 10 * 60_000
  })
  return {
    status: res.status ?? -1,
    stdout: res.stdout + res.stderr,
    outputs: readCommandFile(files.GITHUB_OUTPUT),
    state: readCommandFile(files.GITHUB_STATE),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8')
  }
}
