import { getExecOutput } from '@actions/exec'
import { which } from '@actions/io'
import { cacheFile, downloadTool, find } from '@actions/tool-cache'
import type { SystemPort } from '../engine/system.js'

/** The engine's system port on a runner: the toolkit's exec and the runner's tool cache. */
export const actionsSystem: SystemPort = {
  exec: async (path, args, opts) =>
    getExecOutput(path, args, {
      silent: true,
      ignoreReturnCode: true,
      env: opts.env,
      input: opts.input !== undefined ? Buffer.from(opts.input) : undefined
    }),
  which: async (name) => (await which(name, false)) || undefined,
  findCached: (tool, version, arch) => find(tool, version, arch) || undefined,
  download: (url, dest) => downloadTool(url, dest),
  cache: (file, tool, name, version, arch) => cacheFile(file, name, tool, version, arch)
}
