import { idsChecksum } from '../es/documents.js'
import { ServingPods } from '../availability.js'
import { VerificationError } from '../errors.js'
import { lintObjects } from '../../lint/lint.js'
import type { RunContext, Step } from '../scenario.js'

/** How many lost ids the report and the verdict name. */
const LOST_IDS_SHOWN = 20

/** The manifests' own explanation of lost data, when the lint finds one (the claim off the data path). */
function dataPathHint(ctx: RunContext): string {
  const finding = lintObjects(ctx.manifests.objects).findings.find((f) => f.ruleId === 'data-path')
  return finding ? ` ${finding.message} (${finding.file}:${finding.line}) Fix: ${finding.hint}` : ''
}

/**
 * After every disruption has healed: reads back every acknowledged write by id, seeded and
 * continuous. A lost write, or a cluster that came back as a new one, fails the run and the
 * verdict says how many, which ids first, and what in the manifests explains it.
 */
export const checkDataStep: Step = {
  name: 'check-data',
  title: 'Check data: read back every acknowledged write',
  async run(ctx) {
    const problems = [...ctx.deferred]
    if (ctx.data && ctx.docs) {
      const { index, seeded, checksum } = ctx.data
      const written = ctx.written.flat()
      const all = [...seeded, ...written]
      const pod =
        (await new ServingPods(ctx.kube!, ctx.namespace!, ctx.manifests.view.selector).pick()) ??
        ctx.askPod!
      const missing = await ctx.docs.missing(pod, index, all)
      const lost = new Set(missing)
      ctx.written.forEach((ids, i) => {
        const a = ctx.report.disruptions[i]?.availability
        if (a) a.writes.lost = ids.filter((id) => lost.has(id)).length
      })
      const seededBack = seeded.filter((id) => !lost.has(id))
      ctx.report.data = {
        index,
        seeded: seeded.length,
        acked: all.length,
        lost: missing.length,
        lostIds: missing.slice(0, LOST_IDS_SHOWN),
        checksum,
        checksumAfter: idsChecksum(seededBack)
      }
      ctx.logger.info(
        `Read back ${all.length - missing.length} of ${all.length} acknowledged documents (${seeded.length} seeded, ${written.length} written during disruptions)`
      )
      if (missing.length)
        problems.unshift(
          `${missing.length} of ${all.length} acknowledged documents were lost (first: ${missing.slice(0, 5).join(', ')})`
        )
    }
    if (problems.length)
      throw new VerificationError(
        `Data lost: ${problems.join('. ')}.${dataPathHint(ctx)}`,
        ctx.report.data
      )
  }
}
