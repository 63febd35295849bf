import { mkdtempSync, chmodSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { VerifyOptions } from './options.js'
import type { Logger } from './logger.js'
import { Timeline } from './timeline.js'
import { PhaseRunner } from './phases.js'
import {
  loadManifests,
  selectStatefulSet,
  viewStatefulSet,
  overrideImage,
  imagesOf,
  type ManifestObject
} from './manifests.js'
import { KubeClient, ApiError } from './kube/client.js'
import { PodProxyTransport, ExecCurlTransport, type EsTransport } from './es/transport.js'
import { CatApi } from './es/cat-api.js'
import { waitForGreen, type ClusterTarget } from './formation.js'
import {
  findMaster,
  killMaster,
  notePodReturn,
  waitForNewMaster,
  waitForRejoin,
  type RoundResult
} from './failover.js'
import type { Monitor } from './phases.js'
import {
  ReportWriter,
  captureLastWords,
  collectKubernetes,
  snapshotElasticsearch,
  type CollectTarget
} from './collect.js'
import { toJUnit, type Report } from './report.js'
import { lintObjects } from '../lint/lint.js'
import { resolveProvider, makeProvider, type ClusterProvider } from './providers/index.js'
import { UsageError, VerificationError, errorMessage } from './errors.js'
import { formatDuration } from './duration.js'

/** Hooks a front end may pass: to hear of the cluster as soon as it exists (the action saves it for post). */
export interface VerifyHooks {
  onClusterCreated?: (info: { provider: string; clusterName: string; kubeconfig: string }) => void
  onNamespaceCreated?: (namespace: string) => void
  /** Aborts the run (SIGINT/SIGTERM): collection and cleanup still happen. */
  signal?: AbortSignal
}

export const NAMESPACE_LABEL = 'es-k8s-verify/run'

/** How long a killed master's log stream may run on once the run is over. */
const LAST_WORDS_GRACE_MS = 2_000

function runId(): string {
  return randomBytes(3).toString('hex')
}

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted)
    throw new VerificationError(
      `Interrupted (${String(signal.reason ?? 'signal')}); collecting logs and cleaning up`
    )
}

/**
 * Runs the whole scenario: provision, apply, form, then for each round find the elected
 * master, kill its pod, assert a new master and the pod's rejoin; collects logs and reports
 * on every path and removes what the run created. Never throws for a failed verification:
 * the verdict is in the report. Throws UsageError for bad input, before anything is created.
 */
export async function verify(
  options: VerifyOptions,
  logger: Logger,
  hooks: VerifyHooks = {}
): Promise<Report> {
  const objects = loadManifests(options.manifests)
  const stsObject = selectStatefulSet(objects, options.statefulset)
  const sts = viewStatefulSet(stsObject.object, options.container)
  const expectedNodes = options.expectedNodes ?? sts.replicas
  const singleNode = sts.env['discovery.type'] === 'single-node' || expectedNodes < 2
  const id = runId()
  const clusterName = options.clusterName ?? `es-k8s-verify-${id}`
  const reportDir = options.reportDir ?? mkdtempSync(join(tmpdir(), 'es-k8s-verify-report-'))
  const writer = new ReportWriter(reportDir, [options.password])
  const workDir = mkdtempSync(join(tmpdir(), 'es-k8s-verify-'))
  chmodSync(workDir, 0o700)
  const timeline = new Timeline()
  const ctx = { logger, workDir }
  const providerKind = await resolveProvider(options.provider, ctx)
  const provider: ClusterProvider = makeProvider(providerKind, options, clusterName, ctx)
  const startedAt = Date.now()
  const report: Report = {
    verdict: 'failed',
    startedAt: new Date(startedAt).toISOString(),
    endedAt: '',
    durationMs: 0,
    provider: providerKind,
    cluster: provider.clusterName,
    statefulset: sts.name,
    expectedNodes,
    phases: [],
    rounds: [],
    warnings: [],
    reportDir
  }
  let kube: KubeClient | undefined
  let namespace = options.namespace
  let createdNamespace = false
  let api: CatApi | undefined
  const collectTarget = (): CollectTarget | undefined =>
    kube && namespace ? { kube, api, namespace, selector: sts.selector, logger } : undefined
  const lastWords: ReturnType<typeof captureLastWords>[] = []
  const runner = new PhaseRunner(logger, timeline, [
    async (phase, outcome) => {
      const target = collectTarget()
      if (target && ['form', 'failover', 'rejoin'].some((p) => phase.startsWith(p)))
        await snapshotElasticsearch(target, writer, `${phase}-${outcome}`)
    }
  ])
  const onSignal = (): void =>
    logger.warning('Interrupted: collecting logs and cleaning up before exiting')
  hooks.signal?.addEventListener('abort', onSignal)

  try {
    if (options.preflight) {
      await runner.run('lint', 'Preflight: lint the manifests', async () =>
        preflight(objects, logger)
      )
    } else {
      runner.skip('lint', 'Preflight: lint the manifests', 'preflight is off')
    }
    const { kubeconfig, context } = await runner.run(
      'provision',
      `Provision cluster (${providerKind})`,
      async () => {
        const created = await provider.create()
        hooks.onClusterCreated?.({
          provider: providerKind,
          clusterName: provider.clusterName,
          kubeconfig: created.kubeconfig
        })
        if (options.prepareHost) await provider.prepareHost()
        if (options.preloadImages)
          await provider.loadImages(
            options.image
              ? [options.image, ...imagesOf(objects).filter((i) => i !== sts.image)]
              : imagesOf(objects)
          )
        return created
      }
    )
    aborted(hooks.signal)
    kube = KubeClient.fromFile(kubeconfig, context)
    report.kubernetesVersion = await kube.checkReachable()

    await runner.run('apply', `Apply ${objects.length} objects`, async () => {
      if (!namespace) {
        namespace = `es-k8s-verify-${id}`
        await kube!.createNamespace(namespace, { [NAMESPACE_LABEL]: id })
        createdNamespace = true
        hooks.onNamespaceCreated?.(namespace)
      } else if (!(await kube!.namespaceExists(namespace))) {
        await kube!.createNamespace(namespace, { [NAMESPACE_LABEL]: id })
        createdNamespace = true
        hooks.onNamespaceCreated?.(namespace)
      }
      report.namespace = namespace
      for (const m of objects)
        await applyOne(
          kube!,
          m,
          m === stsObject && options.image
            ? overrideImage(m.object, sts.containerName, options.image)
            : m.object,
          namespace,
          logger
        )
      timeline.record(
        'apply',
        'applied',
        `applied ${objects.length} objects to namespace ${namespace}`
      )
    })
    aborted(hooks.signal)

    const transport: EsTransport =
      options.transport === 'exec' ||
      (options.transport === 'auto' && options.password !== undefined)
        ? ExecCurlTransport.forCluster(
            kube,
            namespace!,
            sts.containerName,
            options.esPort,
            options.scheme,
            options.password !== undefined
              ? { username: options.username ?? 'elastic', password: options.password }
              : undefined
          )
        : new PodProxyTransport(kube, namespace!, options.esPort, options.scheme)
    api = new CatApi(transport)
    const target: ClusterTarget = {
      kube,
      api,
      namespace: namespace!,
      selector: sts.selector,
      container: sts.containerName,
      expectedNodes,
      timeline,
      logger,
      pollIntervalMs: options.pollIntervalMs,
      signal: hooks.signal
    }

    const formed = await runner.run('form', `Form: green with ${expectedNodes} nodes`, async () => {
      const result = await waitForGreen(target, 'form', options.formationTimeoutMs)
      const engine = await api!.engine(result.answeringPod)
      report.engine = { distribution: engine.distribution, version: engine.version }
      logger.info(
        `${engine.distribution} ${engine.version}: cluster ${result.health.cluster} green with ${result.health.nodes} nodes`
      )
      return result
    })
    report.timeToGreenMs =
      timeline.first('green')!.at - timeline.entries.find((e) => e.event === 'applied')!.at

    if (singleNode) {
      report.failoverSkipped = `single-node cluster (${sts.env['discovery.type'] === 'single-node' ? 'discovery.type=single-node' : `${expectedNodes} node expected`}): there is no other node to elect`
      runner.skip('failover', 'Kill the elected master', report.failoverSkipped)
    } else if (options.rounds === 0) {
      report.failoverSkipped = 'rounds is 0'
      runner.skip('failover', 'Kill the elected master', report.failoverSkipped)
    }
    let askPod = formed.answeringPod
    for (let round = 1; !singleNode && round <= options.rounds; round++) {
      aborted(hooks.signal)
      const suffix = options.rounds > 1 ? ` (round ${round}/${options.rounds})` : ''
      let killedUid = ''
      let podWatch: Monitor | undefined
      const state: RoundResult = await runner.run(
        `failover-${round}`,
        `Kill the elected master${suffix}`,
        async () => {
          const { master, nodes } = await findMaster(target, askPod)
          report.nodeIds = Object.fromEntries(nodes.map((n) => [n.name, n.id]))
          logger.info(`Elected master: ${master.node} in pod ${master.pod}`)
          const { killedAt, uid } = await killMaster(
            target,
            `failover-${round}`,
            master,
            options.killMode,
            (pod) => lastWords.push(captureLastWords(target, writer, pod, `killed-round-${round}`))
          )
          const r: RoundResult = {
            round,
            killMode: options.killMode,
            masterBefore: master,
            killedAt,
            nodeIdBefore: master.nodeId
          }
          report.rounds.push(r)
          killedUid = uid
          // Watch for the pod's return from the kill on, across the election and the rejoin.
          podWatch = runner.startMonitor(`pod-watch-${round}`, options.pollIntervalMs, async () => {
            await notePodReturn(target, `failover-${round}`, r, uid)
          })
          const survivors = formed.pods.map((p) => p.name).filter((n) => n !== master.pod)
          r.masterAfter = await waitForNewMaster(
            target,
            `failover-${round}`,
            r,
            survivors,
            options.failoverTimeoutMs
          )
          logger.info(
            `New master: ${r.masterAfter.node} after ${formatDuration(r.newMasterMs ?? 0)}${r.masterLostMs !== undefined ? ` (master lost seen after ${formatDuration(r.masterLostMs)})` : ''}`
          )
          return r
        }
      )
      await runner.run(
        `rejoin-${round}`,
        `Rejoin: ${state.masterBefore.pod} back and green${suffix}`,
        async () => {
          await waitForRejoin(target, `rejoin-${round}`, state, killedUid, options.rejoinTimeoutMs)
          await podWatch?.stop()
          logger.info(
            `${state.masterBefore.pod} back after ${formatDuration(state.podBackMs ?? 0)}, rejoined after ${formatDuration(state.rejoinedMs ?? 0)}, green after ${formatDuration(state.greenMs ?? 0)}`
          )
          if (!state.nodeIdPersisted) {
            const message = `${state.masterBefore.pod} rejoined with a new node ID (${state.nodeIdAfter}, was ${state.nodeIdBefore}): its data path is not on a persistent volume, so its data and identity were lost`
            if (options.requirePersistentIdentity) throw new VerificationError(message)
            report.warnings.push(message)
            logger.warning(message, { file: stsObject.file, line: stsObject.line })
          }
        }
      )
      askPod = state.masterAfter!.pod
    }
    const first = report.rounds[0]
    if (first) {
      report.masterBefore = first.masterBefore
      report.masterAfter = first.masterAfter
      report.failoverMs = first.newMasterMs
      report.rejoinMs = first.greenMs
    }
    report.verdict = 'passed'
  } catch (err) {
    if (err instanceof UsageError) throw err
    const failed = runner.results.find((p) => p.status === 'failed')
    report.error = {
      phase: failed?.name,
      message: errorMessage(err),
      lastSeen: err instanceof VerificationError ? err.lastSeen : undefined,
      location: err instanceof ManifestError ? err.location : undefined
    }
    logger.error(errorMessage(err), report.error.location)
  } finally {
    hooks.signal?.removeEventListener('abort', onSignal)
    await runner.stopMonitors()
    report.phases = runner.results
    await logger.group('Collect logs and reports', async () => {
      // A killed master's stream ends when its process does; cut any that outlive the run.
      await Promise.all(lastWords.map((capture) => capture.stop(LAST_WORDS_GRACE_MS)))
      const target = collectTarget()
      if (target)
        await collectKubernetes(target, writer).catch((err) =>
          logger.warning(`Collecting Kubernetes objects and logs failed: ${errorMessage(err)}`)
        )
      await provider
        .exportLogs(join(reportDir, 'provider'))
        .catch((err) =>
          logger.warning(`Exporting ${providerKind} logs failed: ${errorMessage(err)}`)
        )
    })
    await logger.group('Clean up', async () => {
      if (options.keepCluster) {
        logger.info(
          `Keeping ${provider.created ? `cluster ${provider.clusterName}` : `namespace ${namespace}`} as asked (keep-cluster)`
        )
        return
      }
      if (provider.created) {
        await provider.destroy().catch((err) => {
          report.warnings.push(`Cleanup: ${errorMessage(err)}`)
          logger.warning(`Deleting the cluster failed (the verdict stands): ${errorMessage(err)}`)
        })
      } else if (kube && namespace && createdNamespace) {
        await kube.deleteNamespace(namespace).catch((err) => {
          report.warnings.push(`Cleanup: ${errorMessage(err)}`)
          logger.warning(
            `Deleting namespace ${namespace} failed (the verdict stands): ${errorMessage(err)}`
          )
        })
      }
      rmSync(workDir, { recursive: true, force: true })
    })
    await kube?.close()
    const endedAt = Date.now()
    report.endedAt = new Date(endedAt).toISOString()
    report.durationMs = endedAt - startedAt
    report.phases = runner.results
    writer.write('timeline.json', timeline.entries)
    writer.write('report.json', report)
    writer.write('junit.xml', toJUnit(report))
  }
  return report
}

/** A problem in the manifests found by the preflight or by the API server, with where it is. */
export class ManifestError extends VerificationError {
  constructor(
    message: string,
    readonly location: { file: string; line: number }
  ) {
    super(message)
  }
}

/** Lints the manifests before anything is created: errors stop the run, warnings are reported. */
function preflight(objects: ManifestObject[], logger: Logger): void {
  const { findings } = lintObjects(objects)
  for (const f of findings) {
    const text = `[${f.ruleId}] ${f.message} Fix: ${f.hint}`
    const location = { file: f.file, line: f.line, column: f.column }
    if (f.severity === 'error') logger.error(text, location)
    else if (f.severity === 'warning') logger.warning(text, location)
    else logger.info(`${f.file}:${f.line}: ${text}`)
  }
  const errors = findings.filter((f) => f.severity === 'error')
  if (errors.length) {
    const first = errors[0]
    throw new ManifestError(
      `${errors.length} manifest error(s) found before creating anything; the first: ${first.file}:${first.line}: [${first.ruleId}] ${first.message} (set preflight: false to run anyway)`,
      { file: first.file, line: first.line }
    )
  }
}

async function applyOne(
  kube: KubeClient,
  m: ManifestObject,
  object: ManifestObject['object'],
  namespace: string,
  logger: Logger
): Promise<void> {
  try {
    await kube.apply(object, namespace)
    logger.info(`applied ${object.kind}/${object.metadata.name}`)
  } catch (err) {
    if (err instanceof ApiError) {
      throw new ManifestError(
        `${m.file}:${m.line}: the API server refused ${object.kind}/${object.metadata.name}: ${err.message}`,
        { file: m.file, line: m.line }
      )
    }
    throw err
  }
}
