import { readFileSync } from 'node:fs'
import { Tool, type ToolContext } from './tool.js'

/** Raises this machine's vm.max_map_count when lower than required (kind nodes share this kernel). */
export async function prepareLocalHost(
  ctx: ToolContext,
  required: number,
  procFile = '/proc/sys/vm/max_map_count'
): Promise<void> {
  const { logger } = ctx
  const current = Number(readFileSync(procFile, 'utf8').trim())
  if (current >= required) {
    logger.info(`vm.max_map_count is already ${current} (at least ${required} needed)`)
    return
  }
  logger.info(`vm.max_map_count is ${current}; raising it to ${required}`)
  const asRoot = process.getuid?.() === 0
  const tool = await Tool.find(
    asRoot ? 'sysctl' : 'sudo',
    ctx,
    'Raising vm.max_map_count needs sysctl (as root) or sudo; or pass prepare-host: false and prepare the host yourself.'
  )
  await tool.run(
    'Raising vm.max_map_count',
    asRoot
      ? ['-w', `vm.max_map_count=${required}`]
      : ['sysctl', '-w', `vm.max_map_count=${required}`]
  )
}
