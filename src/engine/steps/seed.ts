import { idsChecksum } from '../es/documents.js'
import { VerificationError } from '../errors.js'
import type { Step } from '../scenario.js'

/** Documents go in through the bulk API in batches of this many. */
const BULK_BATCH = 500

/**
 * Creates the test index `es-k8s-verify-<run id>` (shards spread so that every node holds
 * some, with replicas), writes the seed documents and records their ids and checksum. Writes
 * go through an alias with `require_alias`, so an index lost with its data is never quietly
 * recreated empty by the next write.
 */
export const seedStep: Step = {
  name: 'seed',
  title: 'Seed the test index',
  skip: (ctx) => (ctx.options.dataChecks ? undefined : 'data-checks is off'),
  async run(ctx) {
    const { options, docs } = ctx
    const pod = ctx.askPod!
    const index = `es-k8s-verify-${ctx.runId}`
    const alias = `${index}-write`
    // A copy per node at most: more could never be assigned, and the cluster would stay yellow
    // for the rest of the run, failing every later wait for green.
    const layout = {
      shards: options.seedShards ?? ctx.expectedNodes,
      replicas: Math.min(options.seedReplicas, ctx.expectedNodes - 1)
    }
    if (layout.replicas < options.seedReplicas)
      ctx.logger.info(
        `seed-replicas ${options.seedReplicas} lowered to ${layout.replicas}: ${ctx.expectedNodes} node(s) hold at most ${ctx.expectedNodes} copies of a shard`
      )
    await docs!.createIndex(pod, index, layout, alias)
    const status = await docs!.waitForIndexStatus(pod, index, 'green', 60_000)
    if (status !== 'green')
      throw new VerificationError(
        `The test index ${index} (${layout.shards} shards, ${layout.replicas} replicas) did not turn green within 60s; see elasticsearch/seed-failed/.`
      )
    const seeded: string[] = []
    for (let i = 0; i < options.seedDocuments; i += BULK_BATCH) {
      const batch = Array.from(
        { length: Math.min(BULK_BATCH, options.seedDocuments - i) },
        (_, k) => ({
          id: `seed-${i + k}`,
          body: { seq: i + k, run: ctx.runId }
        })
      )
      const { acked, failures } = await docs!.bulkIndex(pod, alias, batch)
      if (failures.length)
        throw new VerificationError(
          `Seeding ${index} failed for some documents: ${failures.join('; ')}`
        )
      seeded.push(...acked)
    }
    ctx.data = { index, alias, seeded, checksum: idsChecksum(seeded) }
    ctx.timeline.record(
      'seed',
      'seeded',
      `wrote ${seeded.length} documents to ${index} (${layout.shards} shards, ${layout.replicas} replicas)`
    )
    ctx.logger.info(
      `Seeded ${seeded.length} documents into ${index}: ${layout.shards} shards, ${layout.replicas} replica(s)`
    )
  }
}
