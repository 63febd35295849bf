import * as core from '@actions/core'
import { randomBytes } from 'node:crypto'
import { OPTION_SPECS, parseOptions, type VerifyOptions } from '../engine/options.js'
import { UsageError } from '../engine/errors.js'
import {
  ActionInputs,
  FORBIDDEN_ARTIFACT_CHARS,
  UPLOAD_WHEN,
  type UploadWhen
} from './constants.js'

export interface Inputs {
  options: VerifyOptions
  artifactName: string
  retentionDays?: number
  uploadWhen: UploadWhen
}

/**
 * The only reader of the action's inputs. Every value is validated here; an error names the
 * input, the value and what is accepted, before anything is created.
 */
export function getInputs(): Inputs {
  const raw: Record<string, string | undefined> = {}
  for (const spec of OPTION_SPECS) {
    const value = core.getInput(spec.name)
    if (spec.secret && value) core.setSecret(value)
    raw[spec.name] = value === '' ? undefined : value
  }
  const options = parseOptions(raw)
  // A password read from password-file is as secret as one given inline.
  if (options.password) core.setSecret(options.password)
  const uploadWhen = (core.getInput(ActionInputs.uploadArtifacts) || 'always') as UploadWhen
  if (!UPLOAD_WHEN.includes(uploadWhen))
    throw new UsageError(
      `Invalid ${ActionInputs.uploadArtifacts} '${uploadWhen}'. Expected one of: ${UPLOAD_WHEN.join(', ')}.`
    )
  const retention = core.getInput(ActionInputs.artifactRetentionDays)
  let retentionDays: number | undefined
  if (retention) {
    if (!/^\d+$/.test(retention) || Number(retention) < 1 || Number(retention) > 90)
      throw new UsageError(
        `Invalid ${ActionInputs.artifactRetentionDays} '${retention}'. Expected a whole number of days from 1 to 90.`
      )
    retentionDays = Number(retention)
  }
  const given = core.getInput(ActionInputs.artifactName)
  const bad = FORBIDDEN_ARTIFACT_CHARS.filter((c) => given.includes(c))
  if (bad.length)
    throw new UsageError(
      `Invalid ${ActionInputs.artifactName} '${given}'. It may not contain ${bad.map((c) => JSON.stringify(c)).join(' ')}; expected letters, digits, '-', '_' or '.'.`
    )
  return { options, artifactName: given || defaultArtifactName(options), retentionDays, uploadWhen }
}

/**
 * A name unique per job and matrix leg: two legs of one matrix share the job name, so a random
 * suffix keeps their uploads apart (a name can be used once per run).
 */
export function defaultArtifactName(options: VerifyOptions): string {
  const job = (process.env.GITHUB_JOB ?? 'job').replace(/[^\w.-]/g, '-')
  const attempt = process.env.GITHUB_RUN_ATTEMPT ?? '1'
  return `es-k8s-verify-${job}-${options.provider}-${options.mode}-${attempt}-${randomBytes(3).toString('hex')}`
}
