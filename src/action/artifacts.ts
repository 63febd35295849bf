import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { DefaultArtifactClient } from '@actions/artifact'

/** Every file under dir, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) out.push(...filesUnder(path))
    else out.push(path)
  }
  return out
}

/** Uploads every file of the report directory as one artifact; returns its ID. */
export async function uploadReport(
  name: string,
  reportDir: string,
  retentionDays?: number
): Promise<number | undefined> {
  const client = new DefaultArtifactClient()
  const files = filesUnder(reportDir)
  const result = await client.uploadArtifact(name, files, reportDir, {
    retentionDays,
    compressionLevel: 6
  })
  return result.id
}

export function shouldUpload(when: string, verdict: string): boolean {
  return when === 'always' || (when === 'on-failure' && verdict !== 'passed')
}
