/** Names of the action's own inputs (beyond the engine's options), outputs and state keys, in one place. */
export const ActionInputs = {
  artifactName: 'artifact-name',
  artifactRetentionDays: 'artifact-retention-days',
  uploadArtifacts: 'upload-artifacts'
} as const

export const Outputs = {
  result: 'result',
  masterBefore: 'master-before',
  masterAfter: 'master-after',
  timeToGreenSeconds: 'time-to-green-seconds',
  failoverSeconds: 'failover-seconds',
  rejoinSeconds: 'rejoin-seconds',
  writesLost: 'writes-lost',
  longestWriteGapSeconds: 'longest-write-gap-seconds',
  redSeconds: 'red-seconds',
  reportDir: 'report-dir',
  artifactId: 'artifact-id',
  artifactName: 'artifact-name',
  kubeconfig: 'kubeconfig'
} as const

export const UPLOAD_WHEN = ['always', 'on-failure', 'never'] as const
export type UploadWhen = (typeof UPLOAD_WHEN)[number]

/** Characters an artifact name may not contain (@actions/artifact refuses them). */
export const FORBIDDEN_ARTIFACT_CHARS = ['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/']
