import { lintObjects } from '../lint/lint.js'
import type { RunContext } from './scenario.js'
import { VerificationError, errorMessage } from './errors.js'

/**
 * The lines Elasticsearch and OpenSearch write when they explain why a cluster is stuck, most
 * telling first. OpenSearch says cluster-manager where Elasticsearch says master.
 */
const EXPLANATORY: { pattern: RegExp; rules: string[] }[] = [
  { pattern: /an election requires .*(non-quorum|quorum)/, rules: ['even-masters', 'data-path'] },
  { pattern: /bootstrap check failure|bootstrap checks failed/, rules: ['max-map-count', 'heap'] },
  {
    pattern: /UnknownHostException|failed to resolve host/,
    rules: ['headless-service', 'discovery-names']
  },
  { pattern: /must discover (master|cluster-manager)-eligible nodes/, rules: ['discovery-names'] },
  { pattern: /(master|cluster-manager) not discovered/, rules: [] },
  { pattern: /cannot allocate|NO\(|allocation explain/i, rules: [] }
]

/**
 * How much of each log to search. The explanatory line comes every 10 s; between two of them a
 * node refusing writes can log hundreds of lines of stack traces.
 */
const EXPLAIN_TAIL_LINES = 5000

/** Verdicts are one line; an engine line can be kilobytes of node lists. */
const MAX_QUOTE = 400

function shorten(line: string): string {
  const text = line.replace(/^\[[^\]]*\]\[[^\]]*\]\[[^\]]*\] /, '').trim()
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text
}

/** The most telling explanatory line among the logs, with the lint rules that predict such a failure. */
export function mostTellingLine(
  logs: Map<string, string>
): { pod: string; line: string; rules: string[] } | undefined {
  for (const { pattern, rules } of EXPLANATORY) {
    for (const [pod, log] of logs) {
      const line = log
        .trim()
        .split('\n')
        .reverse()
        .find((l) => pattern.test(l))
      if (line) return { pod, line, rules }
    }
  }
  return undefined
}

/** What a quoted line means for the user, when it is a case we can explain. */
export function consequence(
  line: string,
  killed?: { pod: string; node?: string; nodeIdBefore: string; nodeIdAfter?: string }
): string | undefined {
  const required =
    /an election requires (?:a node with id|at least \d+ nodes with ids from) \[([^\]]+)\]/.exec(
      line
    )?.[1]
  if (required && killed && required.split(',').some((id) => id.trim() === killed.nodeIdBefore)) {
    // The node as the survivor discovered it again: {name}{id}...
    const seenAs = killed.node
      ? [...line.matchAll(/\{([^}]+)\}\{([\w-]{20,})\}/g)].find((m) => m[1] === killed.node)?.[2]
      : undefined
    const after = killed.nodeIdAfter ?? (seenAs !== killed.nodeIdBefore ? seenAs : undefined)
    return `The voting configuration still needs ${killed.pod}'s old node ID ${killed.nodeIdBefore}${after ? `, but it came back as ${after}` : ''}: a node whose data path is not on a persistent volume returns with a new ID, so this election can never succeed. Put the data path on the volume claim (and use an odd number of master-eligible nodes).`
  }
  if (required)
    return 'The survivors cannot form a majority of the voting configuration: too few master-eligible nodes are left.'
  return undefined
}

/**
 * Adds to a failed wait's error the engines' own explanation: the most telling line their logs
 * wrote since the step began, what it means, and the preflight rules that predicted it.
 */
export async function explainFailure(
  ctx: RunContext,
  err: unknown,
  pods: string[],
  killed?: { pod: string; node?: string; nodeIdBefore: string; nodeIdAfter?: string }
): Promise<unknown> {
  if (!(err instanceof VerificationError) || !ctx.kube || !ctx.namespace) return err
  const logs = new Map<string, string>()
  await Promise.all(
    pods.map(async (pod) => {
      const log = await ctx
        .kube!.podLogs(
          ctx.namespace!,
          pod,
          ctx.manifests.view.containerName,
          false,
          EXPLAIN_TAIL_LINES
        )
        .catch(() => undefined)
      if (log) logs.set(pod, log)
    })
  )
  const telling = mostTellingLine(logs)
  ctx.logger.debug(
    `explaining the failure from ${logs.size} log(s) of ${pods.join(', ')}: ${telling ? telling.line.slice(0, 160) : 'no explanatory line'}`
  )
  if (!telling) return err
  const meaning = consequence(telling.line, killed)
  const predicted = lintObjects(ctx.manifests.objects)
    .findings.filter((f) => telling.rules.includes(f.ruleId))
    .map((f) => `[${f.ruleId}] ${f.message} (${f.file}:${f.line})`)
  const message = [
    errorMessage(err),
    `${telling.pod} says: "${shorten(telling.line)}".`,
    meaning,
    predicted.length ? `Preflight predicted it: ${predicted.join('; ')}` : undefined
  ]
    .filter(Boolean)
    .join('\n')
  return new VerificationError(message, err.lastSeen)
}

/** Which preflight rules foresee each terminal cause of a formation (by the verdict's own words). */
const FORMATION_RULES: [RegExp, string[]][] = [
  [/separate clusters/, ['single-node-replicas', 'discovery-names']],
  [/can never bootstrap/, ['discovery-names']],
  [/Peer names never resolve/, ['headless-service', 'discovery-names', 'selector-labels']],
  [/exited \d+ again after a restart/, ['max-map-count', 'heap', 'security']],
  [/cannot pull the image/, ['image-tag']]
]

/**
 * Adds to a failed formation the preflight findings that foresaw its cause, so that a run with
 * preflight off (or its findings ignored) still points at the file and line to fix.
 */
export function linkPreflight(ctx: RunContext, err: unknown): unknown {
  if (!(err instanceof VerificationError)) return err
  const rules = FORMATION_RULES.filter(([pattern]) => pattern.test(err.message)).flatMap(
    ([, ids]) => ids
  )
  if (!rules.length) return err
  const predicted = lintObjects(ctx.manifests.objects)
    .findings.filter((f) => rules.includes(f.ruleId))
    .map((f) => `[${f.ruleId}] ${f.message} (${f.file}:${f.line})`)
  if (!predicted.length) return err
  const [first, ...rest] = err.message.split('\n')
  return new VerificationError(
    [first, `Preflight predicted it: ${predicted.join('; ')}`, ...rest].join('\n'),
    err.lastSeen
  )
}
