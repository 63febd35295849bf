import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { DefaultArtifactClient } from '@actions/artifact'

/**
 * Every regular file under dir, recursively. Symbolic links are never followed nor uploaded:
 * a link planted in the report directory must not carry a file from outside it.
 */
export function filesUnder(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...filesUnder(path))
    else if (entry.isFile()) out.push(path)
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
