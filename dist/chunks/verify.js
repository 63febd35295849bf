import { mkdirSync, writeFileSync, copyFileSync, chmodSync, existsSync, accessSync, constants, rmSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { relative, resolve, extname, join, dirname, delimiter } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { e as errorMessage, V as VerificationError, U as UsageError, M as ManifestError, w as waitFor, G as GiveUp, s as sleepFor } from './retry.js';
import { f as formatDuration, c as loadManifests, e as parseManifests, b as distExports, i as isReady, g as lintObjects, h as imagesOf, o as overrideImage, E as EsRequestError, s as settingOf, S as SEED_HOSTS, j as seedHostList, k as tellingLine, q as quantityBytes, m as summarizePod, n as describePods, r as describeHealth, u as mastersSeenBy, w as withLastLogLines, C as CatApi, v as podOfNode, x as ServingPods, A as AvailabilityMonitor, d as describeAvailability, y as selectStatefulSet, z as viewStatefulSet } from './availability.js';
import { execFileSync, spawn } from 'node:child_process';
import { K as KubeClient, A as ApiError, r as resolveProvider, m as makeProvider } from './client.js';
import { Readable, PassThrough } from 'node:stream';
import { W as WebSocketHandler } from './index.js';
import 'node:https';
import 'node:http';
import 'node:tls';
import 'node:net';
import 'url';
import querystring from 'node:querystring';
import 'process';
import 'buffer';
import 'node:url';
import 'node:buffer';
import 'vm';
import 'events';
import 'net';
import 'stream';
import 'http';
import 'https';
import 'tty';
import 'util';
import 'os';
import 'dns';
import 'tls';
import 'node:timers/promises';
import 'node:readline';
import 'node:module';
import 'querystring';
import 'crypto';
import 'zlib';
import 'fs';
import 'path';

class TerminalSizeQueue extends Readable {
    constructor(opts = {}) {
        super({
            ...opts,
            read() { },
        });
    }
    handleResizes(writeStream) {
        // Set initial size
        this.resize(getTerminalSize(writeStream));
        // Handle future size updates
        writeStream.on('resize', () => this.resize(getTerminalSize(writeStream)));
    }
    resize(size) {
        this.push(JSON.stringify(size));
    }
}
function isResizable(stream) {
    if (stream == null) {
        return false;
    }
    const hasRows = 'rows' in stream;
    const hasColumns = 'columns' in stream;
    const hasOn = typeof stream.on === 'function';
    return hasRows && hasColumns && hasOn;
}
function getTerminalSize(writeStream) {
    return { height: writeStream.rows, width: writeStream.columns };
}

class Exec {
    constructor(config, wsInterface) {
        this.handler = wsInterface || new WebSocketHandler(config);
    }
    /**
     * @param {string}  namespace - The namespace of the pod to exec the command inside.
     * @param {string} podName - The name of the pod to exec the command inside.
     * @param {string} containerName - The name of the container in the pod to exec the command inside.
     * @param {(string|string[])} command - The command or command and arguments to execute.
     * @param {stream.Writable} stdout - The stream to write stdout data from the command.
     * @param {stream.Writable} stderr - The stream to write stderr data from the command.
     * @param {stream.Readable} stdin - The stream to write stdin data into the command.
     * @param {boolean} tty - Should the command execute in a TTY enabled session.
     * @param {(V1Status) => void} statusCallback -
     *       A callback to received the status (e.g. exit code) from the command, optional.
     * @return {Promise<WebSocket>} A promise that will return the web socket created for this command.
     */
    async exec(namespace, podName, containerName, command, stdout, stderr, stdin, tty, statusCallback) {
        const query = {
            stdout: stdout != null,
            stderr: stderr != null,
            stdin: stdin != null,
            tty,
            command,
            container: containerName,
        };
        const queryStr = querystring.stringify(query);
        const path = `/api/v1/namespaces/${namespace}/pods/${podName}/exec?${queryStr}`;
        const conn = await this.handler.connect(path, null, (streamNum, buff) => {
            const status = WebSocketHandler.handleStandardStreams(streamNum, buff, stdout, stderr);
            if (status != null) {
                if (statusCallback) {
                    statusCallback(status);
                }
                return false;
            }
            return true;
        });
        if (stdin != null) {
            WebSocketHandler.handleStandardInput(conn, stdin, WebSocketHandler.StdinStream);
        }
        if (isResizable(stdout)) {
            this.terminalSizeQueue = new TerminalSizeQueue();
            WebSocketHandler.handleStandardInput(conn, this.terminalSizeQueue, WebSocketHandler.ResizeStream);
            this.terminalSizeQueue.handleResizes(stdout);
        }
        return conn;
    }
}

/** Every observation of a run, in order; written as timeline.json. */
class Timeline {
    now;
    entries = [];
    startedAt;
    constructor(now = Date.now) {
        this.now = now;
        this.startedAt = now();
    }
    record(phase, event, message, data) {
        const at = this.now();
        const entry = { at, elapsedMs: at - this.startedAt, phase, event, message, data };
        this.entries.push(entry);
        return entry;
    }
    /** The first entry of an event, if any. */
    first(event) {
        return this.entries.find((e) => e.event === event);
    }
}

/**
 * Runs named phases in order, each in its own log group, timing each and recording it in the
 * timeline; collectors run after every phase whatever its outcome. Background monitors (a
 * health watch during failover, for example) are started and stopped here too.
 */
class PhaseRunner {
    logger;
    timeline;
    collectors;
    results = [];
    monitors = [];
    constructor(logger, timeline, collectors = []) {
        this.logger = logger;
        this.timeline = timeline;
        this.collectors = collectors;
    }
    async run(name, title, fn, collect) {
        const startedAt = Date.now();
        this.timeline.record(name, 'phase-started', title);
        let outcome = 'failed';
        try {
            const value = await this.logger.group(`${title}`, async () => {
                try {
                    const result = await fn();
                    outcome = 'passed';
                    return result;
                }
                finally {
                    const collectors = [
                        ...this.collectors.map((c) => (o) => c(name, o)),
                        ...(collect ? [collect] : [])
                    ];
                    for (const collector of collectors) {
                        await collector(outcome).catch((err) => this.logger.warning(`Collecting after ${title} failed: ${errorMessage(err)}`));
                    }
                }
            });
            const endedAt = Date.now();
            this.results.push({
                name,
                title,
                status: 'passed',
                startedAt,
                endedAt,
                durationMs: endedAt - startedAt
            });
            this.timeline.record(name, 'phase-passed', `${title} passed in ${formatDuration(endedAt - startedAt)}`);
            this.logger.result(`✓ ${title} (${formatDuration(endedAt - startedAt)})`);
            return value;
        }
        catch (err) {
            const endedAt = Date.now();
            const lastSeen = err instanceof VerificationError ? err.lastSeen : undefined;
            this.results.push({
                name,
                title,
                status: 'failed',
                startedAt,
                endedAt,
                durationMs: endedAt - startedAt,
                error: errorMessage(err),
                lastSeen
            });
            this.timeline.record(name, 'phase-failed', errorMessage(err), lastSeen);
            this.logger.result(`✗ ${title} (${formatDuration(endedAt - startedAt)})`);
            throw err;
        }
    }
    skip(name, title, reason) {
        const now = Date.now();
        this.results.push({
            name,
            title,
            status: 'skipped',
            startedAt: now,
            endedAt: now,
            durationMs: 0,
            reason
        });
        this.timeline.record(name, 'phase-skipped', `${title} skipped: ${reason}`);
        this.logger.result(`- ${title} skipped: ${reason}`);
    }
    /** Starts `tick` every intervalMs in the background until stopAll(); a failing tick is logged, not fatal. */
    startMonitor(name, intervalMs, tick) {
        let running = true;
        let current = Promise.resolve();
        let timer;
        const loop = () => {
            if (!running)
                return;
            current = tick()
                .catch((err) => this.logger.debug(`${name}: ${errorMessage(err)}`))
                .finally(() => {
                if (running)
                    timer = setTimeout(loop, intervalMs);
            });
        };
        loop();
        const monitor = {
            name,
            stop: async () => {
                running = false;
                clearTimeout(timer);
                await current;
            }
        };
        this.monitors.push(monitor);
        return monitor;
    }
    async stopMonitors() {
        await Promise.all(this.monitors.splice(0).map((m) => m.stop()));
    }
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** A git ref as `git:<ref>` may name it: no option-like start, no shell or path tricks. */
const GIT_REF_PATTERN = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/@{}^~-]{1,200}$/;
/** Runs git with an argument array; undefined when it fails. */
function git(args, cwd) {
    try {
        return execFileSync('git', args, {
            cwd,
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
            maxBuffer: 16 * 1024 * 1024
        });
    }
    catch {
        return undefined;
    }
}
/**
 * Loads the manifests a rolling upgrade starts from: files as given, or `git:<ref>` to read the
 * same paths as the manifests under test at that ref (the PR's base branch, say). Refuses, with
 * how to fix it, a ref this clone has not fetched: actions/checkout fetches one commit by default.
 */
function loadBaseManifests(base, manifestPaths) {
    if (!base.startsWith('git:'))
        return loadManifests(base
            .split(/[,\n]/)
            .map((p) => p.trim())
            .filter(Boolean));
    const ref = base.slice(4);
    if (!GIT_REF_PATTERN.test(ref))
        throw new UsageError(`Invalid base-manifests '${base}'. Expected git:<ref> with a branch, tag or commit (letters, digits and . _ / - @ ^ ~), or manifest paths.`);
    const top = git(['rev-parse', '--show-toplevel'], process.cwd())?.trim();
    if (!top)
        throw new UsageError(`Invalid base-manifests '${base}'. The working directory ${process.cwd()} is not inside a git clone; expected manifest paths instead.`);
    const commit = git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], top)?.trim();
    if (!commit)
        throw new UsageError(`Invalid base-manifests '${base}'. The ref '${ref}' is not in this clone (actions/checkout fetches a single commit by default). Fetch it first, for example 'git fetch --depth=1 origin ${ref.replace(/^origin\//, '')}', or set fetch-depth: 0 on actions/checkout.`);
    const sources = [];
    for (const p of manifestPaths) {
        const rel = relative(top, resolve(p)).split('\\').join('/');
        const listing = git(['ls-tree', '-r', '--name-only', commit, '--', rel], top);
        const files = (listing ?? '')
            .split('\n')
            .filter((f) => f && MANIFEST_EXTENSIONS.has(extname(f)))
            .filter((f) => f === rel || (f.startsWith(`${rel}/`) && !f.slice(rel.length + 1).includes('/')))
            .sort();
        if (files.length === 0)
            throw new UsageError(`Invalid base-manifests '${base}'. '${rel}' holds no manifest files at ${ref} (${commit.slice(0, 12)}).`);
        for (const f of files) {
            const text = git(['show', `${commit}:${f}`], top);
            if (text === undefined)
                throw new UsageError(`Invalid base-manifests '${base}'. Cannot read ${f} at ${ref}.`);
            sources.push({ file: `${ref}:${f}`, text });
        }
    }
    return parseManifests(sources, [base]);
}

/**
 * Writes everything a person needs to understand a run into one directory. Every write goes
 * through `write`, which masks the secrets it was given: credentials never reach an artifact.
 */
class ReportWriter {
    dir;
    secrets;
    constructor(dir, secrets = []) {
        this.dir = dir;
        this.secrets = secrets.filter((s) => !!s && s.length >= 3);
        mkdirSync(dir, { recursive: true });
    }
    redact(text) {
        return this.secrets.reduce((t, s) => t.split(s).join('***'), text);
    }
    write(relative, content) {
        const path = join(this.dir, relative);
        mkdirSync(dirname(path), { recursive: true });
        const text = typeof content === 'string' ? content : JSON.stringify(content, null, 2);
        writeFileSync(path, this.redact(text));
        return path;
    }
}
const ES_SNAPSHOTS = [
    ['cat-health.txt', '_cat/health', { v: 'true' }],
    [
        'cat-nodes.txt',
        '_cat/nodes',
        { v: 'true', h: 'id,name,ip,master,node.role,heap.percent,uptime', full_id: 'true' }
    ],
    ['cat-master.txt', '_cat/master', { v: 'true' }],
    ['cat-shards.txt', '_cat/shards', { v: 'true' }],
    ['cat-indices.txt', '_cat/indices', { v: 'true' }]
];
/**
 * Snapshots the cluster's own view at a phase boundary, from a Ready pod that knows a master
 * (the `_cat` calls below would block 30 s on a masterless node). Without one, records each
 * pod's local view instead. Adds allocation explain when health is not green.
 */
async function snapshotElasticsearch(target, writer, label) {
    const api = target.api;
    if (!api)
        return;
    const pods = (await target.kube.listPods(target.namespace, target.selector))
        .filter(isReady)
        .map((p) => p.metadata.name);
    let answering;
    for (const pod of pods) {
        if (await api.localMaster(pod).catch(() => undefined)) {
            answering = pod;
            break;
        }
    }
    const base = `elasticsearch/${label}`;
    if (!answering) {
        for (const pod of pods) {
            const master = await api.snapshot(pod, '_cat/master', { v: 'true', local: 'true' });
            const health = await api.snapshot(pod, '_cluster/health', { local: 'true', pretty: 'true' });
            writer.write(`${base}/${pod}-local-view.txt`, `# _cat/master?local (${master.status})\n${master.body}\n# _cluster/health?local (${health.status})\n${health.body}\n`);
        }
        if (pods.length === 0)
            writer.write(`${base}/no-ready-pod.txt`, 'No pod was Ready: nothing to ask.\n');
        return;
    }
    let green = false;
    for (const [file, path, query] of ES_SNAPSHOTS) {
        const res = await api.snapshot(answering, path, query);
        if (path === '_cat/health')
            green = /\bgreen\b/.test(res.body);
        writer.write(`${base}/${file}`, `# ${path} asked of ${answering} (HTTP ${res.status})\n${res.body}`);
    }
    if (!green) {
        const explain = await api.snapshot(answering, '_cluster/allocation/explain', { pretty: 'true' });
        writer.write(`${base}/allocation-explain.json`, explain.body);
    }
}
/**
 * Follows every container log of a pod that is about to be deleted, so that its last words
 * (the shutdown, or nothing at all under a force kill) survive the pod: once the API object is
 * gone the logs are gone too, and the replacement pod starts a fresh log under the same name.
 * `stop` waits up to `graceMs` for the streams to end on their own, then cuts them and writes
 * `pods/<pod>/<container>.<label>.log`.
 */
function captureLastWords(target, writer, pod, label) {
    const controller = new AbortController();
    const containers = (pod.spec?.containers ?? []).map((c) => c.name);
    const streams = containers.map((c) => target.kube
        .followPodLogs(target.namespace, pod.metadata.name, c, controller.signal)
        .then((text) => ({ c, text })));
    const all = Promise.all(streams);
    return {
        async stop(graceMs) {
            const timer = setTimeout(() => controller.abort(), graceMs);
            const logs = await all;
            clearTimeout(timer);
            for (const { c, text } of logs)
                writer.write(`pods/${pod.metadata.name}/${c}.${label}.log`, text);
        }
    };
}
/** Logs of every container of every pod, current and previous; objects as YAML; events in time order. */
async function collectKubernetes(target, writer) {
    const { kube, namespace } = target;
    const pods = await kube.listPods(namespace, {});
    for (const pod of pods) {
        const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
        for (const c of containers) {
            for (const previous of [false, true]) {
                const text = await kube
                    .podLogs(namespace, pod.metadata.name, c, previous)
                    .catch((err) => `could not read logs: ${errorMessage(err)}`);
                if (text)
                    writer.write(`pods/${pod.metadata.name}/${c}${previous ? '.previous' : ''}.log`, text);
            }
        }
    }
    const kinds = [
        ['pods', `/api/v1/namespaces/${namespace}/pods`],
        ['statefulsets', `/apis/apps/v1/namespaces/${namespace}/statefulsets`],
        ['services', `/api/v1/namespaces/${namespace}/services`],
        ['persistentvolumeclaims', `/api/v1/namespaces/${namespace}/persistentvolumeclaims`],
        // The nodes say what ran the pods: kubelet version, container runtime, kernel, capacity.
        ['nodes', '/api/v1/nodes']
    ];
    for (const [name, path] of kinds) {
        const items = await kube.list(path);
        writer.write(`objects/${name}.yaml`, items.map((i) => distExports.stringify(i)).join('---\n'));
    }
    const events = await kube.events(namespace);
    writer.write('events.json', events);
    writer.write('events.txt', events
        .map((e) => `${e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? ''} ${e.type ?? ''} ${e.reason ?? ''} ${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}: ${e.message ?? ''}`)
        .join('\n') + '\n');
}

/** Escapes for XML and drops what XML 1.0 cannot hold at all (control characters, lone surrogates). */
function xml(text) {
    return text
        .replace(
    // eslint-disable-next-line no-control-regex -- dropping control characters is the point
    /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
        .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
}
/** JUnit XML with one test case per phase, as CI systems display it. */
function toJUnit(report) {
    // A run that failed between phases (an unreachable API server, an interruption) still shows
    // its failure: as a test case of its own.
    const phases = report.verdict === 'failed' && !report.phases.some((p) => p.status === 'failed')
        ? [
            ...report.phases,
            {
                name: 'run',
                title: 'Run',
                status: 'failed',
                startedAt: 0,
                endedAt: 0,
                durationMs: 0,
                error: report.error?.message ?? 'the run failed'
            }
        ]
        : report.phases;
    const failures = phases.filter((p) => p.status === 'failed').length;
    const skipped = phases.filter((p) => p.status === 'skipped').length;
    const cases = phases.map((p) => {
        const open = `    <testcase classname="es-k8s-verify.${xml(report.statefulset ?? 'run')}" name="${xml(p.title)}" time="${(p.durationMs / 1000).toFixed(3)}"`;
        if (p.status === 'failed')
            return `${open}>\n      <failure message="${xml((p.error ?? '').split('\n')[0].slice(0, 500))}">${xml(p.error ?? '')}</failure>\n    </testcase>`;
        if (p.status === 'skipped')
            return `${open}>\n      <skipped message="${xml(p.reason ?? '')}"/>\n    </testcase>`;
        return `${open}/>`;
    });
    // Attributes as the JUnit schema test reporters use (Jenkins' junit-10.xsd) allows them:
    // `errors` is required on a suite, `skipped` is not allowed on <testsuites>.
    return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        `<testsuites name="es-k8s-verify" tests="${phases.length}" failures="${failures}" errors="0" time="${(report.durationMs / 1000).toFixed(3)}">`,
        `  <testsuite name="${xml(`${report.provider}/${report.statefulset ?? 'run'}`)}" tests="${phases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${(report.durationMs / 1000).toFixed(3)}" timestamp="${report.startedAt}">`,
        ...cases,
        '  </testsuite>',
        '</testsuites>',
        ''
    ].join('\n');
}

/** Where the CLI caches downloaded tools: `$XDG_CACHE_HOME` or `~/.cache`, then es-k8s-verify/tools. */
function toolCacheRoot() {
    return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'es-k8s-verify', 'tools');
}
/** The port in plain Node, for the CLI and for any use outside a CI runner. */
function nodeSystem(cacheRoot = toolCacheRoot()) {
    return {
        exec: (path, args, opts) => new Promise((resolve, reject) => {
            const child = spawn(path, args, { env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
            let stdout = '';
            let stderr = '';
            child.stdout.on('data', (c) => (stdout += c.toString('utf8')));
            child.stderr.on('data', (c) => (stderr += c.toString('utf8')));
            child.on('error', reject);
            child.on('close', (code) => resolve({ stdout, stderr, exitCode: code ?? 1 }));
            // A program may exit without reading its input (EPIPE): its exit code tells what happened,
            // and an unhandled error on the pipe would end this whole process.
            child.stdin.on('error', () => undefined);
            child.stdin.end(opts.input ?? '');
        }),
        which: async (name) => {
            for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
                const candidate = join(dir, name);
                try {
                    accessSync(candidate, constants.X_OK);
                    return candidate;
                }
                catch {
                    // not here
                }
            }
            return undefined;
        },
        findCached: (tool, version, arch) => {
            const dir = join(cacheRoot, tool, version, arch);
            return existsSync(join(dir, '.complete')) ? dir : undefined;
        },
        download: async (url, dest) => {
            const res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(300_000) });
            if (!res.ok)
                throw new Error(`Downloading ${url} failed: HTTP ${res.status}`);
            writeFileSync(dest, Buffer.from(await res.arrayBuffer()), { mode: 0o600 });
            return dest;
        },
        cache: async (file, tool, name, version, arch) => {
            const dir = join(cacheRoot, tool, version, arch);
            mkdirSync(dir, { recursive: true, mode: 0o700 });
            copyFileSync(file, join(dir, name));
            chmodSync(join(dir, name), 0o755);
            // Written last: a half-copied entry is never taken for a cached one.
            writeFileSync(join(dir, '.complete'), '');
            return dir;
        }
    };
}

/** Throws when the run was interrupted (SIGINT/SIGTERM): the final steps still run. */
function checkInterrupted(ctx) {
    if (ctx.hooks.signal?.aborted)
        throw new VerificationError(`Interrupted (${String(ctx.hooks.signal.reason ?? 'signal')}); collecting logs and cleaning up`);
}
/**
 * Runs the steps in order until one fails, then the final steps whatever happened. Records
 * the verdict in the report: passed when every step passed or was skipped. A UsageError is
 * rethrown after the final steps (it means bad input, not a failed verification).
 */
async function runScenario(scenario, ctx) {
    let usageError;
    try {
        for (const step of scenario.steps) {
            checkInterrupted(ctx);
            const title = typeof step.title === 'function' ? step.title(ctx) : step.title;
            const reason = step.skip?.(ctx);
            if (reason !== undefined) {
                ctx.runner.skip(step.name, title, reason);
                continue;
            }
            await ctx.runner.run(step.name, title, () => step.run(ctx), step.collect && ((outcome) => step.collect(ctx, outcome)));
        }
        ctx.report.verdict = 'passed';
    }
    catch (err) {
        if (err instanceof UsageError)
            usageError = err;
        const failed = ctx.runner.results.find((p) => p.status === 'failed');
        ctx.report.verdict = 'failed';
        ctx.report.error = {
            phase: failed?.name,
            message: errorMessage(err),
            lastSeen: err instanceof VerificationError ? err.lastSeen : undefined,
            location: err.location
        };
        ctx.logger.error(errorMessage(err), ctx.report.error.location);
    }
    finally {
        for (const final of scenario.finally) {
            await ctx.logger
                .group(final.title, () => final.run(ctx))
                .catch((err) => {
                ctx.report.warnings.push(`${final.title}: ${errorMessage(err)}`);
                ctx.logger.warning(`${final.title} failed (the verdict stands): ${errorMessage(err)}`);
            });
        }
    }
    if (usageError)
        throw usageError;
}

/** Lints the manifests before anything is created: errors stop the run, warnings are reported. */
const preflightStep = {
    name: 'lint',
    title: 'Preflight: lint the manifests',
    skip: (ctx) => (ctx.options.preflight ? undefined : 'preflight is off'),
    async run(ctx) {
        const objects = [...(ctx.base?.objects ?? []), ...ctx.manifests.objects];
        const { findings } = lintObjects(objects);
        for (const f of findings) {
            const text = `[${f.ruleId}] ${f.message} Fix: ${f.hint}`;
            const location = { file: f.file, line: f.line, column: f.column };
            if (f.severity === 'error')
                ctx.logger.error(text, location);
            else if (f.severity === 'warning')
                ctx.logger.warning(text, location);
            else
                ctx.logger.info(`${f.file}:${f.line}: ${text}`);
        }
        const errors = findings.filter((f) => f.severity === 'error');
        if (errors.length) {
            const first = errors[0];
            throw new ManifestError(`${errors.length} manifest error(s) found before creating anything; the first: ${first.file}:${first.line}: [${first.ruleId}] ${first.message} (set preflight: false to run anyway)`, { file: first.file, line: first.line });
        }
    }
};

/** Settings that turn TLS on for the HTTP port: Elasticsearch's, then OpenSearch's security plugin's. */
const HTTP_TLS_SETTINGS = ['xpack.security.http.ssl.enabled', 'plugins.security.ssl.http.enabled'];
const isTrue = (value) => value?.trim().toLowerCase() === 'true';
/** The scheme of the engines' HTTP port: as given, or (auto) https when the manifests turn TLS on. */
function httpScheme(scheme, env) {
    if (scheme !== 'auto')
        return scheme;
    return HTTP_TLS_SETTINGS.some((name) => isTrue(env[name])) ? 'https' : 'http';
}
/**
 * Where the manifests turn Elasticsearch's security on with no anonymous access: the engine then
 * answers every request without credentials with 401, so a run without a password cannot pass.
 */
function securityOnWithoutAnonymous(set) {
    const env = set.view.env;
    if (!isTrue(env['xpack.security.enabled']))
        return undefined;
    if (env['xpack.security.authc.anonymous.roles']?.trim())
        return undefined;
    const spec = set.statefulset.object.spec;
    const containers = spec.template?.spec?.containers ?? [];
    const c = containers.findIndex((x) => x.name === set.view.containerName);
    const e = (containers[c]?.env ?? []).findIndex((x) => x.name === 'xpack.security.enabled');
    const at = set.statefulset.locate(['spec', 'template', 'spec', 'containers', c, 'env', e]);
    return { file: set.statefulset.file, ...at };
}

/** Creates (or adopts) the cluster, prepares its hosts, and connects to its API server. */
const provisionStep = {
    name: 'provision',
    title: (ctx) => `Provision cluster (${ctx.provider.name})`,
    async run(ctx) {
        const { options, provider, manifests } = ctx;
        const created = await provider.create();
        ctx.hooks.onClusterCreated?.({
            provider: provider.name,
            clusterName: provider.clusterName,
            kubeconfig: created.kubeconfig
        });
        if (options.prepareHost)
            await provider.prepareHost();
        if (options.preloadImages) {
            const objects = [...(ctx.base?.objects ?? []), ...manifests.objects];
            const images = imagesOf(objects);
            await provider.loadImages(options.image
                ? [options.image, ...images.filter((i) => i !== manifests.view.image)]
                : images);
        }
        ctx.kube = KubeClient.fromFile(created.kubeconfig, created.context);
        ctx.report.kubernetesVersion = await ctx.kube.checkReachable();
    }
};

/** Label on the namespaces a run creates, with the run's id (how orphans are found). */
const NAMESPACE_LABEL = 'es-k8s-verify/run';
/**
 * Applies a manifest set into the run's namespace (server-side apply), the image override on
 * the StatefulSet under test. A refusal names the file and line of the object.
 */
async function applyManifestSet(ctx, set) {
    for (const m of set.objects) {
        const object = m === set.statefulset && ctx.options.image
            ? overrideImage(m.object, set.view.containerName, ctx.options.image)
            : m.object;
        await applyOne(ctx.kube, m, object, ctx.namespace, ctx.logger);
    }
}
async function applyOne(kube, m, object, namespace, logger) {
    try {
        await kube.apply(object, namespace);
        logger.info(`applied ${object.kind}/${object.metadata.name}`);
    }
    catch (err) {
        if (err instanceof ApiError) {
            throw new ManifestError(`${m.file}:${m.line}: the API server refused ${object.kind}/${object.metadata.name}: ${err.message}`, { file: m.file, line: m.line });
        }
        throw err;
    }
}
/**
 * Creates the run's namespace (unless an existing one was named) and applies the manifests:
 * the base of a rolling upgrade when there is one, else the manifests under test.
 */
const applyStep = {
    name: 'apply',
    title: (ctx) => `Apply ${(ctx.base ?? ctx.manifests).objects.length} objects`,
    async run(ctx) {
        const kube = ctx.kube;
        if (!ctx.namespace || !(await kube.namespaceExists(ctx.namespace))) {
            ctx.namespace ??= `es-k8s-verify-${ctx.runId}`;
            await kube.createNamespace(ctx.namespace, { [NAMESPACE_LABEL]: ctx.runId });
            ctx.createdNamespace = true;
            ctx.hooks.onNamespaceCreated?.(ctx.namespace);
        }
        ctx.report.namespace = ctx.namespace;
        const set = ctx.base ?? ctx.manifests;
        await applyManifestSet(ctx, set);
        ctx.timeline.record('apply', 'applied', `applied ${set.objects.length} objects${ctx.base ? ' (the rolling upgrade base)' : ''} to namespace ${ctx.namespace}`);
    }
};

/**
 * Quotes a value for a curl config file (`-K`): backslashes, quotes and line breaks escaped,
 * so that a password or a body can never end the string and add an option of its own.
 */
function curlConfigString(value) {
    return `"${value.replace(/[\\"\n\r\t]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c])}"`;
}
function queryString(query) {
    const q = new URLSearchParams(query).toString();
    return q ? `?${q}` : '';
}
/**
 * Through the API server's pod proxy, with the URL built here: the client's proxy helper
 * URL-encodes the path and mangles query strings. Plain-HTTP clusters only: the API server
 * drops the Authorization header after authenticating the caller.
 */
class PodProxyTransport {
    kube;
    namespace;
    port;
    scheme;
    kind = 'proxy';
    constructor(kube, namespace, port, scheme) {
        this.kube = kube;
        this.namespace = namespace;
        this.port = port;
        this.scheme = scheme;
    }
    async request(pod, path, query, timeoutMs, send) {
        const target = `${this.scheme === 'https' ? 'https:' : ''}${pod}:${this.port}`;
        const res = await this.kube.raw(send?.method ?? 'GET', `/api/v1/namespaces/${this.namespace}/pods/${target}/proxy/${path.replace(/^\//, '')}${queryString(query)}`, {
            timeoutMs,
            body: send?.body,
            contentType: send?.body !== undefined ? (send.contentType ?? 'application/json') : undefined
        });
        // The API server's own failures (pod gone, connection refused) come as a Status object.
        const fromTransport = res.status >= 400 && /"kind"\s*:\s*"Status"/.test(res.body);
        return { ...res, fromTransport };
    }
}
/**
 * Through `curl` run inside the pod, for clusters with security on. Credentials go to curl on
 * its standard input (`-K -`), never on a command line that the pod's process list would show.
 */
class ExecCurlTransport {
    exec;
    namespace;
    container;
    port;
    scheme;
    credentials;
    kind = 'exec';
    constructor(exec, namespace, container, port, scheme, credentials) {
        this.exec = exec;
        this.namespace = namespace;
        this.container = container;
        this.port = port;
        this.scheme = scheme;
        this.credentials = credentials;
    }
    get user() {
        return this.credentials?.username;
    }
    static forCluster(kube, namespace, container, port, scheme, credentials) {
        return new ExecCurlTransport(new Exec(kube.kubeConfig), namespace, container, port, scheme, credentials);
    }
    async request(pod, path, query, timeoutMs, send) {
        const url = `${this.scheme}://localhost:${this.port}/${path.replace(/^\//, '')}${queryString(query)}`;
        // Everything secret or long goes in the config on standard input, never on the command line.
        const lines = [];
        if (this.credentials)
            lines.push(`user = ${curlConfigString(`${this.credentials.username}:${this.credentials.password}`)}`);
        if (send && send.method !== 'GET')
            lines.push(`request = ${curlConfigString(send.method)}`);
        if (send?.body !== undefined) {
            lines.push(`header = ${curlConfigString(`Content-Type: ${send.contentType ?? 'application/json'}`)}`);
            lines.push(`data-raw = ${curlConfigString(send.body)}`);
        }
        const config = lines.map((l) => `${l}\n`).join('');
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        let out = '';
        let err = '';
        stdout.on('data', (c) => (out += c.toString('utf8')));
        stderr.on('data', (c) => (err += c.toString('utf8')));
        const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
        const command = [
            'curl',
            '-sS',
            '-k',
            '-K',
            '-',
            '--max-time',
            String(seconds),
            '-w',
            '\n%{http_code}',
            url
        ];
        // Exec resolves when the websocket opens; the command's end comes through the status callback.
        const status = await new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`curl in pod ${pod} did not finish within ${seconds + 5}s`)), (seconds + 5) * 1000);
            this.exec
                .exec(this.namespace, pod, this.container, command, stdout, stderr, Readable.from([config]), false, (s) => {
                clearTimeout(timer);
                resolve(s);
            })
                .catch((e) => {
                clearTimeout(timer);
                reject(e instanceof Error ? e : new Error(String(e)));
            });
        });
        if (status.status !== 'Success') {
            return {
                status: 0,
                body: `curl in pod ${pod} failed: ${err.trim() || status.message || 'no output'}`,
                fromTransport: true
            };
        }
        const cut = out.lastIndexOf('\n');
        return { status: Number(out.slice(cut + 1)), body: out.slice(0, cut) };
    }
}

/** Bulk answers are long; a sample of the failures is enough to explain them. */
const FAILURE_SAMPLE = 3;
/** Reads and writes of test documents: seeding, continuous writes and reads, and the read-back. */
class DocumentApi {
    api;
    constructor(api) {
        this.api = api;
    }
    /** Creates the test index; refuses to reuse one that exists (it would hold another run's data). */
    async createIndex(pod, index, layout, alias) {
        await this.api.call(pod, index, {}, 30_000, {
            method: 'PUT',
            body: JSON.stringify({
                settings: {
                    number_of_shards: layout.shards,
                    number_of_replicas: layout.replicas
                },
                aliases: { [alias]: {} }
            })
        });
    }
    /** Waits (on the engine's side) until the index reaches `status` or better; returns the status reached. */
    async waitForIndexStatus(pod, index, status, timeoutMs) {
        const seconds = Math.max(1, Math.floor(timeoutMs / 1000));
        try {
            const health = await this.api.call(pod, `_cluster/health/${index}`, { wait_for_status: status, timeout: `${seconds}s` }, timeoutMs + 5000);
            return health.status;
        }
        catch (err) {
            // On timeout the engine answers 408 with the health it reached; the body is not kept by call().
            if (err instanceof EsRequestError && err.status === 408)
                return `not ${status}`;
            throw err;
        }
    }
    /**
     * Writes documents through the bulk API with `refresh=wait_for`. Returns the ids the engine
     * acknowledged; a partial failure names the first failures.
     */
    async bulkIndex(pod, index, docs) {
        const ndjson = docs
            .map((d) => `${JSON.stringify({ index: { _index: index, _id: d.id } })}\n${JSON.stringify(d.body)}\n`)
            .join('');
        const res = await this.api.call(pod, '_bulk', { refresh: 'wait_for', require_alias: 'true' }, 60_000, {
            method: 'POST',
            body: ndjson,
            contentType: 'application/x-ndjson'
        });
        const acked = [];
        const failures = [];
        for (const item of res.items) {
            const r = item.index;
            if (r.status >= 200 && r.status < 300)
                acked.push(r._id);
            else if (failures.length < FAILURE_SAMPLE)
                failures.push(`${r._id}: ${r.status} ${r.error?.type ?? ''} ${r.error?.reason ?? ''}`.trim());
        }
        return { acked, failures };
    }
    /**
     * Indexes one document and resolves when the engine acknowledged it (2xx with a successful
     * shard). `op_type=create`: an id is written once, so a retried write cannot hide a loss.
     */
    async indexOne(pod, index, id, body, timeoutMs) {
        const seconds = Math.max(1, Math.floor(timeoutMs / 1000));
        const res = await this.api.call(pod, `${index}/_doc/${encodeURIComponent(id)}`, 
        // Through the alias only: a lost index must fail the write, not be recreated empty.
        { op_type: 'create', require_alias: 'true', timeout: `${seconds}s` }, timeoutMs, { method: 'PUT', body: JSON.stringify(body) });
        if (res.result !== 'created' || (res._shards && res._shards.successful < 1))
            throw new Error(`write of ${id} answered ${res.result}`);
    }
    /** Reads one document by id (a real get, not a search: it must reach a shard copy). */
    async getOne(pod, index, id, timeoutMs) {
        try {
            const res = await this.api.call(pod, `${index}/_doc/${encodeURIComponent(id)}`, {}, timeoutMs);
            return res.found;
        }
        catch (err) {
            if (err instanceof EsRequestError && err.status === 404 && err.type === undefined)
                return false;
            throw err;
        }
    }
    /**
     * Which of `ids` the index does not hold, read back in batches with `_mget` (real-time: no
     * refresh needed). A lost index answers 200 with an error per document: all of them missing.
     */
    async missing(pod, index, ids, batch = 500) {
        const missing = [];
        for (let i = 0; i < ids.length; i += batch) {
            const res = await this.api.call(pod, `${index}/_mget`, { _source: 'false' }, 30_000, { method: 'POST', body: JSON.stringify({ ids: ids.slice(i, i + batch) }) });
            for (const d of res.docs)
                if (d.found !== true)
                    missing.push(d._id);
        }
        return missing;
    }
    /** Cluster health as the master sees it; 'unavailable' when no master answers in time. */
    async clusterStatus(pod, timeoutMs) {
        try {
            const res = await this.api.call(pod, '_cluster/health', 
            // Without a master the node would wait 30 s (master_timeout); ask for an answer at once.
            { master_timeout: `${Math.max(1, Math.floor(timeoutMs / 2000))}s` }, timeoutMs);
            return res.status;
        }
        catch (err) {
            if (err instanceof EsRequestError && err.status !== 0)
                return 'unavailable';
            throw err;
        }
    }
}
/** A checksum of a set of ids, independent of their order (recorded at seeding, compared after). */
function idsChecksum(ids) {
    return createHash('sha256')
        .update([...ids].sort().join('\n'))
        .digest('hex');
}

/**
 * Causes that cannot resolve by themselves, recognised while a wait is under way, so that a
 * broken manifest gets its verdict in seconds instead of at the timeout. Each rule keeps
 * waiting on what can still heal (a slow pull, a node still starting, a record not yet
 * published): only a cause that nothing in the cluster will change ends the wait.
 */
/** Pull failures that no retry will fix; a network error or a slow registry is not among them. */
const FINAL_PULL = /not found|manifest unknown|unauthorized|authentication required|denied|invalid reference|repository does not exist|no such host|runs only/i;
/** Exit codes of a process that stopped itself on purpose: 78 is the engines' configuration error (bootstrap checks, bad settings). */
const CONFIG_EXIT = 78;
/**
 * A log line of an engine that refuses to start with its configuration. Not any error: a node
 * restarted while the old one still held its data directory ("failed to obtain node locks")
 * exits 1 and heals on the next try.
 */
const FATAL_LINE = /bootstrap check failure|bootstrap checks failed|SettingsException|unknown setting|failed to parse setting/;
/**
 * An engine that cannot start at all, whatever its peers do: its main thread died of an uncaught
 * throwable during start-up (Elasticsearch 8 and later say "fatal exception while booting"), or
 * the JVM found no class to run. The same jars fail the same way on
 * every restart (a missing class, a JDK too old for the class files).
 */
const STARTUP_FATAL = /fatal error in thread \[main\]|uncaught exception in thread \[main\]|fatal exception while booting (?:Elasticsearch|OpenSearch)|Could not find or load main class|UnsupportedClassVersionError/;
/** What such a start says that does heal on the next try: the previous instance still held the data directory. */
const HEALS_ON_RETRY = /failed to obtain node locks/;
/** The line that names why the start failed: the throwable after the fatal line, else the fatal line itself. */
function startupFatalLine(log) {
    if (!STARTUP_FATAL.test(log) || HEALS_ON_RETRY.test(log))
        return undefined;
    const lines = log.split('\n');
    const at = lines.findIndex((l) => STARTUP_FATAL.test(l));
    const cause = lines
        .slice(at)
        .find((l) => /^(?:Caused by: )?[\w$.]+(?:Exception|Error)(?::|$)/.test(l.trim()));
    return (cause ?? lines[at]).trim();
}
/** How often the causes that cost a request per pod (logs, cluster state) are looked at. */
const EXPENSIVE_EVERY_MS = 2_000;
/** Image pull errors that are final, once the kubelet has retried (ImagePullBackOff), or a name that is no image name. */
function finalPullError(pods) {
    for (const pod of pods) {
        for (const s of [
            ...(pod.status?.initContainerStatuses ?? []),
            ...(pod.status?.containerStatuses ?? [])
        ]) {
            const w = s.state?.waiting;
            if (!w?.reason)
                continue;
            if (w.reason === 'InvalidImageName' ||
                (w.reason === 'ImagePullBackOff' && FINAL_PULL.test(w.message ?? '')))
                return `Pod ${pod.metadata.name} cannot pull the image of container ${s.name}, and retrying will not help: ${w.reason}: ${w.message ?? ''}`.trim();
        }
    }
    return undefined;
}
/** Containers that stopped themselves again after a restart, with their own fatal reason. */
function crashedForGood(pods, previousLog) {
    for (const pod of pods) {
        for (const s of pod.status?.containerStatuses ?? []) {
            const last = s.lastState?.terminated;
            // Killed by a signal (137, 143: a deletion, an OOM kill) is not the engine's own verdict.
            if (!last || s.restartCount < 1 || last.exitCode === 0 || last.exitCode > 128)
                continue;
            // The runtime could not start the process at all (no such executable, a bad mount): the
            // kubelet says so as the reason StartError, exit 128, and it fails alike on every restart.
            if (last.reason === 'StartError' || last.reason === 'ContainerCannotRun')
                return `Container ${s.name} of pod ${pod.metadata.name} cannot be started, and fails alike on every restart: ${last.message ?? last.reason}`;
            const log = previousLog(pod.metadata.name, s.name) ?? '';
            const line = tellingLine(log);
            if (last.exitCode === CONFIG_EXIT || (line && FATAL_LINE.test(line)))
                return `Container ${s.name} of pod ${pod.metadata.name} exited ${last.exitCode} again after a restart: ${line ?? 'no log'}`;
            const fatal = startupFatalLine(log);
            if (fatal)
                return `Container ${s.name} of pod ${pod.metadata.name} cannot start: its engine died during start-up again after a restart (exit ${last.exitCode}): ${fatal}`;
        }
    }
    return undefined;
}
/** The names a node is waiting for to bootstrap, and those it has discovered, from its own complaint. */
function bootstrapComplaint(log) {
    const lines = log.trim().split('\n').reverse();
    const line = lines.find((l) => /must discover (master|cluster-manager)-eligible nodes \[/.test(l));
    if (!line)
        return undefined;
    const self = /\] \[([^\]]+)\] /.exec(line)?.[1]?.trim() ?? '';
    const required = (/eligible nodes \[([^\]]*)\] to bootstrap/.exec(line)?.[1] ?? '')
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean);
    const discovered = [
        ...(/have discovered \[(.*)\]; discovery will continue/.exec(line)?.[1] ?? '').matchAll(/\{([^}]+)\}\{[\w-]{20,}\}/g)
    ].map((m) => m[1]);
    return { self, required, discovered, line };
}
/** Every node found all its peers, and none of the names it must bootstrap with is any of them. */
function unmatchableBootstrap(logs, expectedNodes) {
    const complaints = [...logs.values()].map(bootstrapComplaint);
    if (complaints.length < expectedNodes || complaints.some((c) => !c || !c.required.length))
        return undefined;
    const known = new Set(complaints.flatMap((c) => [c.self, ...c.discovered]));
    const everyoneFound = complaints.every((c) => new Set([c.self, ...c.discovered]).size >= expectedNodes);
    const required = [...new Set(complaints.flatMap((c) => c.required))];
    if (!everyoneFound || required.some((r) => known.has(r)))
        return undefined;
    return `The nodes found each other (${[...known].join(', ')}) but can never bootstrap: cluster.initial_master_nodes names ${required.join(', ')}, which is no node's node.name. The engine says: ${complaints[0].line}`;
}
/** Nodes that each bootstrapped a cluster of their own (distinct cluster UUIDs): they never merge. */
function separateClusters(uuids) {
    const byUuid = new Map();
    for (const [pod, uuid] of uuids) {
        if (!uuid || uuid === '_na_')
            continue;
        byUuid.set(uuid, [...(byUuid.get(uuid) ?? []), pod]);
    }
    if (byUuid.size < 2)
        return undefined;
    return `The nodes formed ${byUuid.size} separate clusters: ${[...byUuid.entries()].map(([u, ps]) => `${ps.join(', ')} in cluster ${u}`).join('; ')}. A node that has bootstrapped a cluster never joins another: check discovery.type, discovery.seed_hosts and cluster.initial_master_nodes.`;
}
/** Host names an engine failed to resolve: its seed-host resolver's warnings and the Java exceptions. */
function unresolvedHosts(log) {
    const names = [
        ...log.matchAll(/failed to resolve host \[([^\]\s]+)\]/g),
        ...log.matchAll(/UnknownHostException: (?:Unable to resolve host )?([\w.-]+)/g)
    ].map((m) => m[1].replace(/\.$/, '').toLowerCase());
    return [...new Set(names)];
}
/**
 * Why a peer's per-pod name can never resolve, from the objects that cluster DNS answers from:
 * `<pod>.<service>` exists only for a headless Service of that name that selects the pod, and
 * only when the pod's subdomain (its StatefulSet's serviceName) is that Service. A name that
 * meets all three is merely not published yet and may still resolve: undefined. A name that is
 * none of our pods' names is not judged.
 */
function peerNameNeverResolves(name, pods, services, namespace, expectedNodes = Number.POSITIVE_INFINITY) {
    const [host, subdomain, inNamespace] = name.split('.');
    if (inNamespace && inNamespace !== namespace)
        return undefined;
    const hostname = (p) => p.spec?.hostname ?? p.metadata.name;
    const pod = pods.find((p) => hostname(p) === host);
    if (!pod) {
        // A name under our pods' subdomain that is none of them, once every pod exists: the
        // StatefulSet never makes another (a typo in seed_hosts).
        const ours = pods.filter((p) => subdomain && p.spec?.subdomain === subdomain);
        if (ours.length < expectedNodes)
            return undefined;
        return `${name} names no pod: the pods under ${subdomain} are ${ours.map(hostname).sort().join(', ')}, and the StatefulSet makes no other.`;
    }
    const headless = services.filter((s) => s.spec?.clusterIP === 'None').map((s) => s.metadata.name);
    const own = pod.spec?.subdomain;
    if (!subdomain)
        return `${name} is a bare pod name, which cluster DNS never answers: a pod of a StatefulSet is reachable as <pod>.<headless Service>${own ? ` (${host}.${own})` : ''}.`;
    const service = services.find((s) => s.metadata.name === subdomain);
    if (!service)
        return `${name} names Service ${subdomain}, which does not exist in namespace ${namespace} (headless Services there: ${headless.join(', ') || 'none'}).`;
    if (service.spec?.clusterIP !== 'None')
        return `Service ${subdomain} is not headless (clusterIP ${service.spec?.clusterIP ?? 'unset'}), and this cluster's DNS gives pods a name of their own only under a headless Service, so ${name} never resolves. Set clusterIP: None.`;
    const selector = service.spec?.selector ?? {};
    const labels = pod.metadata.labels ?? {};
    const unmatched = Object.entries(selector).filter(([k, v]) => labels[k] !== v);
    if (!Object.keys(selector).length || unmatched.length)
        return `Service ${subdomain} selects ${Object.entries(selector)
            .map(([k, v]) => `${k}=${v}`)
            .join(',') || 'nothing'}, which pod ${pod.metadata.name} does not carry, so ${name} never resolves.`;
    if (own !== subdomain)
        return `The StatefulSet's serviceName is ${own ?? 'unset'}, so its pods are named ${host}.${own ?? '?'}, never ${name}. Set serviceName: ${subdomain}, or name the peers after ${own}.`;
    return undefined;
}
/**
 * The names in the container's discovery.seed_hosts (ports dropped, lower case), or undefined when
 * its env does not set them (they may come from a mounted elasticsearch.yml).
 */
function seedHostNames(env) {
    const seeds = settingOf(env, SEED_HOSTS);
    return seeds && seedHostList(seeds.value);
}
/**
 * Why each seed host that cluster DNS will never answer never resolves, by name. A name that
 * resolves, may still resolve, or is not one of ours is not among them.
 */
function seedHostsThatNeverResolve(seedHosts, pods, services, namespace, expectedNodes) {
    const never = new Map();
    for (const name of seedHosts) {
        const why = peerNameNeverResolves(name, pods, services, namespace, expectedNodes);
        if (why)
            never.set(name, why);
    }
    return never;
}
/** Peers named in a way that cluster DNS will never answer, with the object to fix. */
function peersNeverResolve(logs, pods, services, namespace, expectedNodes) {
    const names = [...new Set([...logs.values()].flatMap(unresolvedHosts))].sort();
    for (const name of names) {
        const why = peerNameNeverResolves(name, pods, services, namespace, expectedNodes);
        if (why)
            return `Peer names never resolve: ${why}`;
    }
    return undefined;
}
/** Millicores of a CPU quantity (500m, 2, 1.5). */
function quantityMillicores(text) {
    const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(text);
    return m ? Number(m[1]) * (m[2] ? 1 : 1000) : NaN;
}
/** What a pod asks of a node: the sum over its containers, or its largest init container if more. */
function podRequests(pod) {
    const of = (cs) => (cs ?? []).map((c) => ({
        cpu: quantityMillicores(c.resources?.requests?.cpu ?? '0') || 0,
        memory: quantityBytes(c.resources?.requests?.memory ?? '0') || 0
    }));
    const main = of(pod.spec?.containers).reduce((a, b) => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory }), { cpu: 0, memory: 0 });
    const init = of(pod.spec?.initContainers);
    return {
        cpu: Math.max(main.cpu, ...init.map((c) => c.cpu)),
        memory: Math.max(main.memory, ...init.map((c) => c.memory))
    };
}
/**
 * A pod the scheduler turned down that asks more than any node can allocate at all, so no
 * eviction or finished pod will ever make room. A pod that merely waits for room is not final.
 */
function unschedulableForGood(pods, nodes) {
    if (!nodes.length)
        return undefined;
    const largest = {
        cpu: Math.max(...nodes.map((n) => quantityMillicores(n.status?.allocatable?.cpu ?? '0'))),
        memory: Math.max(...nodes.map((n) => quantityBytes(n.status?.allocatable?.memory ?? '0')))
    };
    for (const pod of pods) {
        const refused = resourceRefusal(pod);
        if (!refused)
            continue;
        const asked = podRequests(pod);
        const over = [
            asked.cpu > largest.cpu &&
                `cpu ${asked.cpu / 1000} cores where the largest node allocates ${largest.cpu / 1000}`,
            asked.memory > largest.memory &&
                `memory ${gib(asked.memory)} where the largest node allocates ${gib(largest.memory)}`
        ].filter(Boolean);
        if (over.length)
            return `Pod ${pod.metadata.name} can never be scheduled: it requests ${over.join(' and ')}. The scheduler says: ${refused.message ?? refused.reason}`;
    }
    return undefined;
}
/**
 * The scheduler's refusal of a pod for lack of CPU or memory. Only once it has weighed resources
 * (not, say, while claims are still unbound), so that the message quoted is the one that applies.
 */
function resourceRefusal(pod) {
    return (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled' &&
        c.status === 'False' &&
        c.reason === 'Unschedulable' &&
        /Insufficient (cpu|memory)/.test(c.message ?? ''));
}
function gib(bytes) {
    return `${(bytes / 2 ** 30).toFixed(1)}Gi`;
}
/**
 * Watches for terminal causes during one wait. Cheap rules (pod statuses) run on every look;
 * rules that read logs or ask every node run at most every 2 s.
 */
class TerminalCauses {
    target;
    lastExpensive = 0;
    constructor(target) {
        this.target = target;
    }
    /** The terminal cause seen in these pods, or undefined while everything can still heal. */
    async check(pods, anyMaster) {
        const pulled = finalPullError(pods);
        if (pulled)
            return pulled;
        const claim = await this.missingStorageClass(pods);
        if (claim)
            return claim;
        const unschedulable = await this.unschedulable(pods);
        if (unschedulable)
            return unschedulable;
        if (Date.now() - this.lastExpensive < EXPENSIVE_EVERY_MS)
            return undefined;
        this.lastExpensive = Date.now();
        const { kube, namespace, container } = this.target;
        const restarted = pods.filter((p) => (p.status?.containerStatuses ?? []).some((s) => s.restartCount > 0));
        const previous = new Map();
        await Promise.all(restarted.map(async (p) => previous.set(p.metadata.name, await kube.podLogs(namespace, p.metadata.name, container, true, 80).catch(() => undefined))));
        const crashed = crashedForGood(pods, (pod) => previous.get(pod));
        if (crashed)
            return crashed;
        const ready = pods.filter(isReady);
        if (ready.length >= this.target.expectedNodes) {
            const uuids = new Map();
            await Promise.all(ready.map(async (p) => {
                const state = await this.target.api.localState(p.metadata.name).catch(() => undefined);
                if (state)
                    uuids.set(p.metadata.name, state.clusterUuid);
            }));
            const split = separateClusters(uuids);
            if (split)
                return split;
        }
        if (anyMaster)
            return undefined;
        // Without a master: what the engines say about their peers. Enough lines that a resolver's
        // stack traces do not push the formation helper's complaint out of sight.
        const running = pods.filter((p) => (p.status?.containerStatuses ?? []).some((s) => s.name === container && s.state?.running));
        const logs = new Map();
        await Promise.all(running.map(async (p) => {
            const log = await kube
                .podLogs(namespace, p.metadata.name, container, false, 300)
                .catch(() => undefined);
            if (log)
                logs.set(p.metadata.name, log);
        }));
        if ([...logs.values()].some((l) => unresolvedHosts(l).length)) {
            const services = (await kube
                .list(`/api/v1/namespaces/${namespace}/services`)
                .catch(() => undefined));
            const peers = services && peersNeverResolve(logs, pods, services, namespace, this.target.expectedNodes);
            // Terminal only when no seed host can lead anywhere: one that resolves to a peer is enough
            // for every node to find the cluster through it (the form step warns about the others).
            const { seedHosts } = this.target;
            const someSeedLeads = !!services &&
                !!seedHosts &&
                seedHostsThatNeverResolve(seedHosts, pods, services, namespace, this.target.expectedNodes)
                    .size < seedHosts.length;
            if (peers && !someSeedLeads)
                return peers;
        }
        if (ready.length < this.target.expectedNodes)
            return undefined;
        return unmatchableBootstrap(new Map([...logs].filter(([pod]) => ready.some((p) => p.metadata.name === pod))), this.target.expectedNodes);
    }
    /** A pod asks for more than any node has; nodes are read only once a pod was turned down for resources. */
    async unschedulable(pods) {
        if (!pods.some(resourceRefusal))
            return undefined;
        const nodes = (await this.target.kube.list('/api/v1/nodes').catch(() => []));
        return unschedulableForGood(pods, nodes);
    }
    /** A pod waits for a claim whose StorageClass does not exist: no provisioner will ever bind it. */
    async missingStorageClass(pods) {
        const waiting = pods.find((p) => (p.status?.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.status === 'False' && /unbound/i.test(c.message ?? '')));
        if (!waiting)
            return undefined;
        const { kube, namespace } = this.target;
        const claims = (await kube
            .list(`/api/v1/namespaces/${namespace}/persistentvolumeclaims`)
            .catch(() => []));
        for (const c of claims) {
            const cls = c.spec?.storageClassName;
            if (c.status?.phase !== 'Pending' || !cls)
                continue;
            const res = await kube
                .raw('GET', `/apis/storage.k8s.io/v1/storageclasses/${encodeURIComponent(cls)}`)
                .catch(() => undefined);
            if (res?.status === 404)
                return `Pod ${waiting.metadata.name} is Unschedulable: its claim ${c.metadata.name} asks for StorageClass ${cls}, which does not exist, so no provisioner will ever bind it. Use an existing StorageClass (kind and the local cluster have standard) or none for the default.`;
        }
        return undefined;
    }
}

/** How long one blocking health request may hold a wait (terminal causes are checked between). */
const BLOCKING_WAIT_S = 2;
/**
 * Waits until the StatefulSet's pods are Ready and `_cat/health` says green with the expected
 * node count. `_cat/health` is asked only of a node that already knows a master: on a
 * masterless node it blocks for 30 s. At the deadline the error says what each pod and the
 * cluster last looked like, and names separate clusters when nodes disagree on the cluster UUID.
 */
async function waitForGreen(target, phase, timeoutMs) {
    const { kube, api, namespace, timeline, expectedNodes } = target;
    let readySeen = new Set();
    let lastHealth;
    let lastPods = [];
    let knownMaster;
    const terminal = new TerminalCauses(target);
    try {
        return await waitFor(`the cluster to turn green with ${expectedNodes} nodes`, async () => {
            const views = target.changes?.currentPods() ?? (await kube.listPods(namespace, target.selector));
            const pods = views.map(summarizePod);
            lastPods = pods;
            const ready = pods.filter((p) => p.ready);
            for (const p of ready)
                if (!readySeen.has(p.name))
                    timeline.record(phase, 'pod-ready', `${p.name} is Ready`, { pod: p.name, ip: p.ip });
            readySeen = new Set(ready.map((p) => p.name));
            const seen = () => ({
                done: false,
                seen: { pods, health: lastHealth },
                summary: `${ready.length}/${expectedNodes} pods Ready: ${describePods(pods)}; ${describeHealth(lastHealth, expectedNodes)}`
            });
            // Once every pod is Ready, the health of the pod that last knew a master is asked at
            // the same time as the masters: the look that can succeed costs one round trip, not two.
            const early = knownMaster && ready.length >= expectedNodes && ready.some((p) => p.name === knownMaster)
                ? api.health(knownMaster).catch(() => undefined)
                : undefined;
            const masters = await mastersSeenBy(api, ready.map((p) => p.name));
            const withMaster = [...masters.entries()].find(([, m]) => m && typeof m !== 'string');
            // A cause that cannot heal ends the wait now, not at the timeout.
            const cause = await terminal.check(views, !!withMaster);
            if (cause)
                throw new GiveUp(cause);
            if (!withMaster)
                return seen();
            let health = (withMaster[0] === knownMaster ? await early : undefined) ??
                (await api.health(withMaster[0]));
            knownMaster = withMaster[0];
            if (health.status !== 'green' || health.nodes !== expectedNodes) {
                // The engine's own blocking wait answers the moment it is green with every node:
                // no poll interval and no log pipeline in between. Short, so causes are still checked.
                const reached = await api
                    .awaitHealth(withMaster[0], { nodes: expectedNodes, green: true }, BLOCKING_WAIT_S)
                    .catch(() => false);
                if (reached)
                    health = await api.health(withMaster[0]);
            }
            lastHealth = health;
            // Readiness may have changed meanwhile: the watch's view, not the one from before.
            const readyNow = (target.changes?.currentPods() ?? views).filter(isReady).length;
            if (health.status === 'green' &&
                health.nodes === expectedNodes &&
                readyNow >= expectedNodes) {
                timeline.record(phase, 'green', `cluster green with ${health.nodes} nodes (asked ${withMaster[0]})`, health);
                return { done: true, value: { health, pods, answeringPod: withMaster[0] } };
            }
            return seen();
        }, {
            timeoutMs,
            intervalMs: target.pollIntervalMs,
            onProgress: (s) => target.logger.progress(s),
            signal: target.signal,
            wake: target.changes?.next
        });
    }
    catch (err) {
        if (!(err instanceof VerificationError))
            throw err;
        const pods = await withLastLogLines(kube, namespace, target.container, lastPods);
        const split = err.message.includes('separate clusters')
            ? undefined
            : await clusterSplit(target, pods);
        // The cause on the first line, read at a glance (summary, annotation, junit); the evidence
        // on the lines after it.
        const message = [
            err.message.split(' Last seen:')[0],
            split ?? '',
            `Pods: ${describePods(pods)}.`,
            `Cluster: ${describeHealth(lastHealth, expectedNodes)}.`
        ]
            .filter(Boolean)
            .join('\n');
        throw new VerificationError(message, { pods, health: lastHealth });
    }
}
/** Names nodes that formed separate clusters (different cluster UUIDs), or undefined. */
async function clusterSplit(target, pods) {
    const uuids = new Map();
    await Promise.all(pods
        .filter((p) => p.ready)
        .map(async (p) => {
        const state = await target.api.localState(p.name).catch(() => undefined);
        if (state)
            uuids.set(p.name, state.clusterUuid);
    }));
    return separateClusters(uuids);
}

/**
 * Lines in which an engine says that its cluster changed: a master lost or elected, a node
 * joined or left, the health colour changed, the node started. Elasticsearch 7–9 and
 * OpenSearch 2–3 (which says cluster-manager where Elasticsearch says master).
 */
const ENGINE_CHANGE = /(master|cluster-manager) node changed|elected-as-(master|cluster-manager)|node-join|node-left|added \{|removed \{|health status changed|\] started\b|\bstarted \{/i;
/** How long to wait before watching again after a watch broke, so a dead API server is not hammered. */
const REWATCH_DELAY_MS = 500;
/**
 * What happens in the cluster, as it happens: pod changes from a watch on the StatefulSet's pods,
 * and the engines' own lines about masters and members from their followed logs. Waits wake on
 * it instead of sleeping until their next look; what they then read from the APIs stays the
 * evidence, so a missed or early event costs time, never a wrong verdict. Polling remains the
 * fallback.
 */
class ClusterChanges {
    kube;
    namespace;
    selector;
    container;
    logger;
    controller = new AbortController();
    followed = new Set();
    podListeners = new Set();
    generation;
    /** The pods as the watch last showed them; undefined while no watch is open. */
    pods;
    watching;
    /** Counts of what woke the waits, for the debug log and the tests. */
    seen = { podEvents: 0, engineLines: 0, watchesStarted: 0, logsFollowed: 0 };
    constructor(kube, namespace, selector, container, logger) {
        this.kube = kube;
        this.namespace = namespace;
        this.selector = selector;
        this.container = container;
        this.logger = logger;
    }
    start() {
        this.watching ??= this.watchLoop();
        return this;
    }
    /** Resolves at the next change seen (one shared promise until then, so waiting costs nothing). */
    next = () => {
        if (!this.generation) {
            let resolve;
            const promise = new Promise((r) => (resolve = r));
            this.generation = { promise, resolve };
        }
        return this.generation.promise;
    };
    /**
     * The StatefulSet's pods as the open watch shows them (an informer's cache): as fresh as the
     * API server can tell, without a request. Undefined while no watch is open: list instead.
     */
    currentPods() {
        return this.pods ? [...this.pods.values()] : undefined;
    }
    /** Calls `listener` with every pod event until the returned function is called. */
    onPod(listener) {
        this.podListeners.add(listener);
        return () => this.podListeners.delete(listener);
    }
    async stop() {
        this.controller.abort();
        await this.watching;
        this.logger.debug(`cluster changes seen: ${this.seen.podEvents} pod events (${this.seen.watchesStarted} watches), ${this.seen.engineLines} engine lines (${this.seen.logsFollowed} logs followed)`);
    }
    changed() {
        const current = this.generation;
        this.generation = undefined;
        current?.resolve();
    }
    async watchLoop() {
        const { signal } = this.controller;
        while (!signal.aborted) {
            try {
                const { pods, resourceVersion } = await this.kube.listPodsForWatch(this.namespace, this.selector);
                this.pods = new Map(pods.map((p) => [p.metadata.name, p]));
                for (const pod of pods)
                    this.follow(pod);
                this.changed();
                this.seen.watchesStarted++;
                const ended = await this.kube.watchPods(this.namespace, this.selector, resourceVersion, signal, (type, pod) => {
                    this.seen.podEvents++;
                    if (type === 'DELETED')
                        this.pods?.delete(pod.metadata.name);
                    else if (type === 'ADDED' || type === 'MODIFIED')
                        this.pods?.set(pod.metadata.name, pod);
                    this.follow(pod);
                    for (const listener of this.podListeners)
                        listener(type, pod);
                    this.changed();
                });
                this.pods = undefined;
                if (ended)
                    this.logger.debug(`pod watch ended (${ended}); listing and watching again`);
            }
            catch (err) {
                this.pods = undefined;
                this.logger.debug(`pod watch failed (${err.message}); retrying`);
            }
            // Abortable, so that stop() does not wait out the delay.
            await sleepFor(REWATCH_DELAY_MS, signal);
        }
    }
    /** Follows the engine container's log of each running container instance once, from now on. */
    follow(pod) {
        const status = pod.status?.containerStatuses?.find((s) => s.name === this.container);
        if (!status?.state?.running || pod.metadata.deletionTimestamp)
            return;
        const key = `${pod.metadata.uid}/${status.restartCount}`;
        if (this.followed.has(key) || this.controller.signal.aborted)
            return;
        this.followed.add(key);
        this.seen.logsFollowed++;
        void this.kube
            .followPodLogLines(this.namespace, pod.metadata.name, this.container, this.controller.signal, (line) => {
            if (!ENGINE_CHANGE.test(line))
                return;
            this.seen.engineLines++;
            this.changed();
        })
            .catch(() => undefined);
    }
}

/**
 * The lines Elasticsearch and OpenSearch write when they explain why a cluster is stuck, most
 * telling first. OpenSearch says cluster-manager where Elasticsearch says master.
 */
const EXPLANATORY = [
    { pattern: /an election requires .*(non-quorum|quorum)/, rules: ['even-masters', 'data-path'] },
    { pattern: /bootstrap check failure|bootstrap checks failed/, rules: ['max-map-count', 'heap'] },
    {
        pattern: /UnknownHostException|failed to resolve host/,
        rules: ['headless-service', 'discovery-names']
    },
    { pattern: /must discover (master|cluster-manager)-eligible nodes/, rules: ['discovery-names'] },
    { pattern: /(master|cluster-manager) not discovered/, rules: [] },
    { pattern: /cannot allocate|NO\(|allocation explain/i, rules: [] }
];
/**
 * How much of each log to search. The explanatory line comes every 10 s; between two of them a
 * node refusing writes can log hundreds of lines of stack traces.
 */
const EXPLAIN_TAIL_LINES = 5000;
/** Verdicts are one line; an engine line can be kilobytes of node lists. */
const MAX_QUOTE = 400;
function shorten(line) {
    const text = line.replace(/^\[[^\]]*\]\[[^\]]*\]\[[^\]]*\] /, '').trim();
    return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}
/** The most telling explanatory line among the logs, with the lint rules that predict such a failure. */
function mostTellingLine(logs) {
    for (const { pattern, rules } of EXPLANATORY) {
        for (const [pod, log] of logs) {
            const line = log
                .trim()
                .split('\n')
                .reverse()
                .find((l) => pattern.test(l));
            if (line)
                return { pod, line, rules };
        }
    }
    return undefined;
}
/** What a quoted line means for the user, when it is a case we can explain. */
function consequence(line, killed) {
    const required = /an election requires (?:a node with id|at least \d+ nodes with ids from) \[([^\]]+)\]/.exec(line)?.[1];
    if (required && killed && required.split(',').some((id) => id.trim() === killed.nodeIdBefore)) {
        // The node as the survivor discovered it again: {name}{id}...
        const seenAs = killed.node
            ? [...line.matchAll(/\{([^}]+)\}\{([\w-]{20,})\}/g)].find((m) => m[1] === killed.node)?.[2]
            : undefined;
        const after = killed.nodeIdAfter ?? (seenAs !== killed.nodeIdBefore ? seenAs : undefined);
        return `The voting configuration still needs ${killed.pod}'s old node ID ${killed.nodeIdBefore}${after ? `, but it came back as ${after}` : ''}: a node whose data path is not on a persistent volume returns with a new ID, so this election can never succeed. Put the data path on the volume claim (and use an odd number of master-eligible nodes).`;
    }
    if (required)
        return 'The survivors cannot form a majority of the voting configuration: too few master-eligible nodes are left.';
    return undefined;
}
/**
 * Adds to a failed wait's error the engines' own explanation: the most telling line their logs
 * wrote since the step began, what it means, and the preflight rules that predicted it.
 */
async function explainFailure(ctx, err, pods, killed) {
    if (!(err instanceof VerificationError) || !ctx.kube || !ctx.namespace)
        return err;
    const logs = new Map();
    await Promise.all(pods.map(async (pod) => {
        const log = await ctx
            .kube.podLogs(ctx.namespace, pod, ctx.manifests.view.containerName, false, EXPLAIN_TAIL_LINES)
            .catch(() => undefined);
        if (log)
            logs.set(pod, log);
    }));
    const telling = mostTellingLine(logs);
    ctx.logger.debug(`explaining the failure from ${logs.size} log(s) of ${pods.join(', ')}: ${telling ? telling.line.slice(0, 160) : 'no explanatory line'}`);
    if (!telling)
        return err;
    const meaning = consequence(telling.line, killed);
    const predicted = lintObjects(ctx.manifests.objects)
        .findings.filter((f) => telling.rules.includes(f.ruleId))
        .map((f) => `[${f.ruleId}] ${f.message} (${f.file}:${f.line})`);
    const message = [
        errorMessage(err),
        `${telling.pod} says: "${shorten(telling.line)}".`,
        meaning,
        predicted.length ? `Preflight predicted it: ${predicted.join('; ')}` : undefined
    ]
        .filter(Boolean)
        .join('\n');
    return new VerificationError(message, err.lastSeen);
}
/** Which preflight rules foresee each terminal cause of a formation (by the verdict's own words). */
const FORMATION_RULES = [
    [/separate clusters/, ['single-node-replicas', 'discovery-names']],
    [/can never bootstrap/, ['discovery-names']],
    [/Peer names never resolve/, ['headless-service', 'discovery-names', 'selector-labels']],
    [/exited \d+ again after a restart/, ['max-map-count', 'heap', 'security']],
    [/cannot pull the image/, ['image-tag']]
];
/**
 * Adds to a failed formation the preflight findings that foresaw its cause, so that a run with
 * preflight off (or its findings ignored) still points at the file and line to fix.
 */
function linkPreflight(ctx, err) {
    if (!(err instanceof VerificationError))
        return err;
    const rules = FORMATION_RULES.filter(([pattern]) => pattern.test(err.message)).flatMap(([, ids]) => ids);
    if (!rules.length)
        return err;
    const predicted = lintObjects(ctx.manifests.objects)
        .findings.filter((f) => rules.includes(f.ruleId))
        .map((f) => `[${f.ruleId}] ${f.message} (${f.file}:${f.line})`);
    if (!predicted.length)
        return err;
    const [first, ...rest] = err.message.split('\n');
    return new VerificationError([first, `Preflight predicted it: ${predicted.join('; ')}`, ...rest].join('\n'), err.lastSeen);
}

/** The way in to the engines: exec (curl in the pod) when a password is given, else the pod proxy. */
function transportFor(ctx) {
    const { options, kube, namespace, manifests } = ctx;
    const scheme = httpScheme(options.scheme, manifests.view.env);
    const exec = options.transport === 'exec' || (options.transport === 'auto' && options.password !== undefined);
    return exec
        ? ExecCurlTransport.forCluster(kube, namespace, manifests.view.containerName, options.esPort, scheme, options.password !== undefined
            ? { username: options.username ?? 'elastic', password: options.password }
            : undefined)
        : new PodProxyTransport(kube, namespace, options.esPort, scheme);
}
/** Snapshots the engines' own view (`_cat` tables) after a step, as `elasticsearch/<step>-<outcome>/`. */
async function snapshotAfter(ctx, step, outcome) {
    if (!ctx.kube || !ctx.namespace || !ctx.api)
        return;
    await snapshotElasticsearch({
        kube: ctx.kube,
        api: ctx.api,
        namespace: ctx.namespace,
        selector: ctx.manifests.view.selector,
        logger: ctx.logger
    }, ctx.writer, `${step}-${outcome}`);
}
/** Waits until the cluster is green with every expected node; records the engine and its cluster UUID. */
const formStep = {
    name: 'form',
    title: (ctx) => `Form: green with ${ctx.expectedNodes} nodes`,
    async run(ctx) {
        const api = new CatApi(transportFor(ctx));
        ctx.api = api;
        ctx.docs = new DocumentApi(api);
        ctx.target = {
            kube: ctx.kube,
            api,
            namespace: ctx.namespace,
            selector: ctx.manifests.view.selector,
            container: ctx.manifests.view.containerName,
            expectedNodes: ctx.expectedNodes,
            timeline: ctx.timeline,
            logger: ctx.logger,
            pollIntervalMs: ctx.options.pollIntervalMs,
            signal: ctx.hooks.signal,
            seedHosts: seedHostNames(ctx.manifests.view.env),
            changes: new ClusterChanges(ctx.kube, ctx.namespace, ctx.manifests.view.selector, ctx.manifests.view.containerName, ctx.logger).start()
        };
        const result = await waitForGreen(ctx.target, 'form', ctx.options.formationTimeoutMs).catch((err) => {
            throw linkPreflight(ctx, err);
        });
        ctx.formed = result;
        ctx.askPod = result.answeringPod;
        const engine = await api.engine(result.answeringPod);
        ctx.clusterUuid = engine.clusterUuid;
        ctx.report.engine = { distribution: engine.distribution, version: engine.version };
        const differs = versionDiffers(ctx.options.image ?? ctx.manifests.view.image, engine);
        if (differs) {
            ctx.report.warnings.push(differs);
            ctx.logger.warning(differs);
        }
        const unresolvable = await seedHostsWarning(ctx.target);
        if (unresolvable) {
            ctx.report.warnings.push(unresolvable);
            ctx.logger.warning(unresolvable);
        }
        ctx.report.clusterUuid = engine.clusterUuid;
        ctx.logger.info(`${engine.distribution} ${engine.version}: cluster ${result.health.cluster} (${engine.clusterUuid}) green with ${result.health.nodes} nodes`);
        const applied = ctx.timeline.first('applied');
        const green = ctx.timeline.first('green');
        if (applied && green)
            ctx.report.timeToGreenMs = green.at - applied.at;
    },
    collect: (ctx, outcome) => snapshotAfter(ctx, 'form', outcome)
};
/**
 * Says when the nodes do not run the version the image tag asks for (a stand-in build, a tag
 * that moved, a mirror that serves something else), so that a pass is not read as proof for a
 * version that never ran. Tags that name no version (latest, a digest) are not judged.
 */
function versionDiffers(image, engine) {
    const tag = /:([^:/@]+)(@sha256:[a-f0-9]+)?$/.exec(image)?.[1];
    const asked = tag && /^\d+\.\d+\.\d+/.exec(tag)?.[0];
    if (!asked || engine.version.startsWith(asked))
        return undefined;
    return `The image asks for ${engine.distribution} ${asked} (${image}), but the nodes run ${engine.version}: this run proves ${engine.version}, not ${asked}.`;
}
/**
 * Seed hosts that cluster DNS never answers, although the cluster formed (through the others):
 * a typo that passes today, and leaves each node one name fewer to find the cluster by.
 */
async function seedHostsWarning(target) {
    const { kube, namespace, selector, seedHosts, expectedNodes } = target;
    if (!seedHosts?.length)
        return undefined;
    const [pods, services] = await Promise.all([
        kube.listPods(namespace, selector),
        kube.list(`/api/v1/namespaces/${namespace}/services`)
    ]).catch(() => [undefined, undefined]);
    if (!pods || !services)
        return undefined;
    const never = seedHostsThatNeverResolve(seedHosts, pods, services, namespace, expectedNodes);
    if (!never.size)
        return undefined;
    return `discovery.seed_hosts names ${[...never.keys()].join(', ')}, which cluster DNS never answers (${[...never.values()][0]}) The cluster formed all the same, through ${seedHosts.filter((h) => !never.has(h)).join(', ')}: each node finds the cluster through those alone, and the addresses it remembers.`;
}

/** Documents go in through the bulk API in batches of this many. */
const BULK_BATCH = 500;
/**
 * Creates the test index `es-k8s-verify-<run id>` (shards spread so that every node holds
 * some, with replicas), writes the seed documents and records their ids and checksum. Writes
 * go through an alias with `require_alias`, so an index lost with its data is never quietly
 * recreated empty by the next write.
 */
const seedStep = {
    name: 'seed',
    title: 'Seed the test index',
    skip: (ctx) => (ctx.options.dataChecks ? undefined : 'data-checks is off'),
    async run(ctx) {
        const { options, docs } = ctx;
        const pod = ctx.askPod;
        const index = `es-k8s-verify-${ctx.runId}`;
        const alias = `${index}-write`;
        // A copy per node at most: more could never be assigned, and the cluster would stay yellow
        // for the rest of the run, failing every later wait for green.
        const layout = {
            shards: options.seedShards ?? ctx.expectedNodes,
            replicas: Math.min(options.seedReplicas, ctx.expectedNodes - 1)
        };
        if (layout.replicas < options.seedReplicas)
            ctx.logger.info(`seed-replicas ${options.seedReplicas} lowered to ${layout.replicas}: ${ctx.expectedNodes} node(s) hold at most ${ctx.expectedNodes} copies of a shard`);
        await docs.createIndex(pod, index, layout, alias);
        const status = await docs.waitForIndexStatus(pod, index, 'green', 60_000);
        if (status !== 'green')
            throw new VerificationError(`The test index ${index} (${layout.shards} shards, ${layout.replicas} replicas) did not turn green within 60s; see elasticsearch/seed-failed/.`);
        const seeded = [];
        for (let i = 0; i < options.seedDocuments; i += BULK_BATCH) {
            const batch = Array.from({ length: Math.min(BULK_BATCH, options.seedDocuments - i) }, (_, k) => ({
                id: `seed-${i + k}`,
                body: { seq: i + k, run: ctx.runId }
            }));
            const { acked, failures } = await docs.bulkIndex(pod, alias, batch);
            if (failures.length)
                throw new VerificationError(`Seeding ${index} failed for some documents: ${failures.join('; ')}`);
            seeded.push(...acked);
        }
        ctx.data = { index, alias, seeded, checksum: idsChecksum(seeded) };
        ctx.timeline.record('seed', 'seeded', `wrote ${seeded.length} documents to ${index} (${layout.shards} shards, ${layout.replicas} replicas)`);
        ctx.logger.info(`Seeded ${seeded.length} documents into ${index}: ${layout.shards} shards, ${layout.replicas} replica(s)`);
    }
};

/** Finds the elected master from a node that knows it, mapped to its pod. */
async function findMaster(target, askPod) {
    const nodes = await target.api.nodes(askPod);
    const pods = (await target.kube.listPods(target.namespace, target.selector)).map(summarizePod);
    const row = nodes.find((n) => n.master === '*');
    if (!row)
        throw new VerificationError(`${askPod} lists no elected master in _cat/nodes`, { nodes });
    const pod = podOfNode(row, pods);
    if (!pod)
        throw new VerificationError(`The elected master ${row.name} (${row.ip}) is not a pod of this StatefulSet: ${describePods(pods)}`, { nodes, pods });
    return { master: { pod: pod.name, node: row.name, nodeId: row.id, ip: row.ip }, nodes, pods };
}
/**
 * Asserts that the survivors elect a new master: every survivor's own view (asked with
 * local=true, which answers at once without a master) names the same node, and not the killed one.
 */
async function waitForNewMaster(target, phase, round, survivors, timeoutMs) {
    const killed = round.masterBefore;
    let lostRecorded = false;
    const views = new Map();
    return waitFor(`a new master to be elected by ${survivors.join(', ')}`, async () => {
        const seen = await mastersSeenBy(target.api, survivors);
        for (const [pod, view] of seen)
            views.set(pod, typeof view === 'string' ? view : view ? `${view.name} (${view.id})` : 'no master');
        const ids = [...seen.values()].map((v) => (v && typeof v !== 'string' ? v.id : undefined));
        if (!lostRecorded && ids.some((id) => id !== killed.nodeId)) {
            lostRecorded = true;
            round.masterLostMs = Date.now() - round.killedAt;
            target.timeline.record(phase, 'master-lost', `a survivor no longer follows ${killed.node}`, Object.fromEntries(views));
        }
        const first = ids[0];
        if (first && first !== killed.nodeId && ids.every((id) => id === first)) {
            const view = [...seen.values()][0];
            const podViews = target.changes?.currentPods() ??
                (await target.kube.listPods(target.namespace, target.selector));
            const pod = podOfNode(view, podViews.map(summarizePod));
            // A master the survivors still name but that is not one of them (a node lost since)
            // is no successor: keep waiting until they agree on one of their own.
            if (pod && !survivors.includes(pod.name)) {
                return {
                    done: false,
                    seen: Object.fromEntries(views),
                    summary: `survivors still follow ${view.name}, which is not one of them`
                };
            }
            round.newMasterMs = Date.now() - round.killedAt;
            const identity = {
                pod: pod?.name ?? view.name,
                node: view.name,
                nodeId: view.id,
                ip: view.ip
            };
            target.timeline.record(phase, 'new-master', `all survivors follow ${view.name}`, identity);
            return { done: true, value: identity };
        }
        return {
            done: false,
            seen: Object.fromEntries(views),
            summary: `survivors' views of the master: ${[...views.entries()].map(([p, v]) => `${p}: ${v}`).join('; ')}`
        };
    }, {
        timeoutMs,
        intervalMs: target.pollIntervalMs,
        onProgress: (s) => target.logger.progress(s),
        signal: target.signal,
        wake: target.changes?.next
    });
}
/**
 * Asserts that the killed pod comes back under the same name with a new UID, becomes Ready,
 * its node is listed by the master again, and the cluster is green with every node.
 */
async function waitForRejoin(target, phase, round, killedUid, timeoutMs) {
    const name = round.masterBefore.pod;
    const started = Date.now();
    await waitFor(`${name} to come back and rejoin`, async () => {
        const summary = await notePodReturn(target, phase, round, killedUid);
        if (!summary || summary.uid === killedUid) {
            return {
                done: false,
                seen: summary,
                summary: summary
                    ? `${name} is still the old pod (${summary.terminating ? 'Terminating' : summary.phase})`
                    : `${name} does not exist yet`
            };
        }
        if (!summary.ready)
            return { done: false, seen: summary, summary: describePods([summary]) };
        const masterPod = round.masterAfter?.pod ?? name;
        const listed = (rows) => rows.find((n) => n.ip === summary.ip || n.name === name || n.name.startsWith(`${name}.`));
        let nodes = await target.api.nodes(masterPod);
        if (!listed(nodes)) {
            // The master's own blocking wait for the node count answers the moment the node joins.
            const joined = await target.api
                .awaitHealth(masterPod, { nodes: target.expectedNodes }, BLOCKING_WAIT_S)
                .catch(() => false);
            if (joined)
                nodes = await target.api.nodes(masterPod);
        }
        const row = listed(nodes);
        if (!row)
            return {
                done: false,
                seen: { nodes },
                summary: `${name} is Ready but the master ${masterPod} lists only ${nodes.map((n) => n.name).join(', ')}`
            };
        round.rejoinedMs = Date.now() - round.killedAt;
        round.nodeIdAfter = row.id;
        round.nodeIdPersisted = row.id === round.nodeIdBefore;
        target.timeline.record(phase, 'node-rejoined', `${row.name} rejoined as ${row.id}${round.nodeIdPersisted ? ' (same node ID)' : ` (new node ID; was ${round.nodeIdBefore})`}`, row);
        return { done: true, value: undefined };
    }, {
        timeoutMs,
        intervalMs: target.pollIntervalMs,
        onProgress: (s) => target.logger.progress(s),
        signal: target.signal,
        wake: target.changes?.next
    });
    const remaining = Math.max(timeoutMs - (Date.now() - started), target.pollIntervalMs);
    await waitForGreen(target, phase, remaining);
    round.greenMs = Date.now() - round.killedAt;
}
/**
 * Looks once at the killed pod's successor and records, the first time each is seen, that it
 * was recreated and that it is Ready. Called by the rejoin wait and, from the kill on, by a
 * background watch, so these moments are noticed while the election is still being awaited.
 */
async function notePodReturn(target, phase, round, killedUid, 
/** The pod as a watch event just showed it; read from the API when not given. */
seen) {
    const name = round.masterBefore.pod;
    const pod = seen ??
        (target.changes?.currentPods()?.find((p) => p.metadata.name === name) ||
            (await target.kube.getPod(target.namespace, name)));
    const summary = pod ? summarizePod(pod) : undefined;
    if (!summary || summary.uid === killedUid)
        return summary;
    if (round.podBackMs === undefined) {
        round.podBackMs = Date.now() - round.killedAt;
        target.timeline.record(phase, 'pod-back', `${name} was recreated (uid ${summary.uid})`, {
            uid: summary.uid
        });
    }
    if (summary.ready && round.podReadyMs === undefined) {
        round.podReadyMs = Date.now() - round.killedAt;
        target.timeline.record(phase, 'pod-ready', `${name} is Ready again`, { ip: summary.ip });
    }
    return summary;
}
/** Deletes the master's pod: its own grace period, or none. */
async function killMaster(target, phase, master, mode, beforeDelete) {
    const pod = await target.kube.getPod(target.namespace, master.pod);
    if (!pod)
        throw new VerificationError(`The master's pod ${master.pod} vanished before it could be deleted`);
    beforeDelete?.(pod);
    const killedAt = Date.now();
    await target.kube.deletePod(target.namespace, master.pod, pod.metadata.uid, mode === 'force' ? 0 : undefined);
    target.timeline.record(phase, 'kill', `deleted pod ${master.pod} (${mode === 'force' ? 'grace period 0' : 'its own grace period'}), the elected master ${master.node}`, { uid: pod.metadata.uid });
    return { killedAt, uid: pod.metadata.uid };
}

/**
 * Opens a disruption in the report and starts its background checks (writes, reads, health)
 * through pods outside it. `armRed` holds red against max-red from the start; the restart
 * scenario arms it once the cluster has re-formed.
 */
function startDisruption(ctx, scenario, name, disruptedUids, armRed) {
    const abort = new AbortController();
    const index = ctx.report.disruptions.length;
    ctx.report.disruptions.push({ scenario, name, startedAt: Date.now() });
    ctx.disruption = { index, abort };
    if (!ctx.data || !ctx.docs)
        return;
    const pods = new ServingPods(ctx.kube, ctx.namespace, ctx.manifests.view.selector);
    pods.disrupt(disruptedUids);
    const monitor = new AvailabilityMonitor(ctx.docs, pods, {
        index: ctx.data.alias,
        readIndex: ctx.data.index,
        readIds: ctx.data.seeded,
        writesPerSecond: ctx.options.writeRate,
        pollIntervalMs: ctx.options.pollIntervalMs,
        maxRedMs: ctx.options.maxRedMs,
        idPrefix: `${name}`
    }, ctx.timeline, name);
    monitor.start({ armRed, onFailure: (err) => abort.abort(err) });
    ctx.disruption.monitor = monitor;
}
/** Marks pods as disrupted after the disruption started (a rolling upgrade's next pod). */
function disruptedTarget(ctx) {
    const signals = [ctx.hooks.signal, ctx.disruption?.abort.signal].filter((s) => !!s);
    return { ...ctx.target, signal: signals.length ? AbortSignal.any(signals) : undefined };
}
/**
 * Runs a wait of the disruption; when the background checks stopped it early (red beyond
 * max-red), the checks' verdict is the one thrown, not the interrupted wait's.
 */
async function duringDisruption(ctx, wait) {
    try {
        const failed = ctx.disruption?.monitor?.failed;
        if (failed)
            throw failed;
        return await wait();
    }
    catch (err) {
        throw ctx.disruption?.monitor?.failed ?? err;
    }
}
/** Stops the disruption's checks and writes their figures into the report (on every path). */
async function endDisruption(ctx) {
    const d = ctx.disruption;
    if (!d)
        return;
    ctx.disruption = undefined;
    const entry = ctx.report.disruptions[d.index];
    entry.endedAt = Date.now();
    entry.durationMs = entry.endedAt - entry.startedAt;
    if (!d.monitor)
        return;
    entry.availability = await d.monitor.stop();
    ctx.written[d.index] = d.monitor.acked;
    ctx.logger.info(`${entry.name}: ${describeAvailability(entry.availability)}`);
}

/** Why there is no failover to run, if there is none. */
function noFailover(ctx) {
    const env = ctx.manifests.view.env;
    if (env['discovery.type'] === 'single-node' || ctx.expectedNodes < 2)
        return `single-node cluster (${env['discovery.type'] === 'single-node' ? 'discovery.type=single-node' : `${ctx.expectedNodes} node expected`}): there is no other node to elect`;
    return undefined;
}
/**
 * The failover scenario, one pair of steps per round: kill the elected master's pod and wait
 * until every survivor follows one new master of their own; then wait until the pod is back,
 * its node rejoined and the cluster green. The availability checks run across both.
 */
function failoverSteps(rounds) {
    if (rounds === 0)
        return [
            {
                name: 'failover',
                title: 'Kill the elected master',
                skip: () => 'rounds is 0',
                run: async () => undefined
            }
        ];
    const steps = [];
    for (let round = 1; round <= rounds; round++) {
        const suffix = rounds > 1 ? ` (round ${round}/${rounds})` : '';
        let killedUid = '';
        let podWatch;
        let stopPodEvents;
        let state;
        steps.push({
            name: `failover-${round}`,
            title: `Kill the elected master${suffix}`,
            skip: (ctx) => {
                const reason = noFailover(ctx);
                if (reason)
                    ctx.report.failoverSkipped = reason;
                return reason;
            },
            async run(ctx) {
                const target = ctx.target;
                const { master, nodes } = await findMaster(target, ctx.askPod);
                ctx.report.nodeIds = Object.fromEntries(nodes.map((n) => [n.name, n.id]));
                ctx.logger.info(`Elected master: ${master.node} in pod ${master.pod}`);
                const killedPod = await ctx.kube.getPod(ctx.namespace, master.pod);
                startDisruption(ctx, 'failover', `failover-${round}`, killedPod ? [killedPod.metadata.uid] : [], true);
                const { killedAt, uid } = await killMaster(target, `failover-${round}`, master, ctx.options.killMode, (pod) => ctx.pending.push(captureLastWords({
                    kube: ctx.kube,
                    api: ctx.api,
                    namespace: ctx.namespace,
                    selector: target.selector,
                    logger: ctx.logger
                }, ctx.writer, pod, `killed-round-${round}`)));
                const r = {
                    round,
                    killMode: ctx.options.killMode,
                    masterBefore: master,
                    killedAt,
                    nodeIdBefore: master.nodeId
                };
                ctx.report.rounds.push(r);
                state = r;
                killedUid = uid;
                // Watch for the pod's return from the kill on, across the election and the rejoin:
                // from the pod watch as it happens, with a poll as the fallback.
                stopPodEvents = target.changes?.onPod((_type, pod) => {
                    if (pod.metadata.name === master.pod)
                        void notePodReturn(target, `failover-${round}`, r, uid, pod);
                });
                podWatch = ctx.runner.startMonitor(`pod-watch-${round}`, ctx.options.pollIntervalMs, async () => {
                    await notePodReturn(target, `failover-${round}`, r, uid);
                });
                const survivors = ctx.formed.pods.map((p) => p.name).filter((n) => n !== master.pod);
                try {
                    r.masterAfter = await duringDisruption(ctx, () => waitForNewMaster(disruptedTarget(ctx), `failover-${round}`, r, survivors, ctx.options.failoverTimeoutMs));
                }
                catch (err) {
                    // The survivors' own explanation, and the ID the killed pod came back with, if it did.
                    const nodeIdAfter = await ctx.api.localNodeId(master.pod).catch(() => undefined);
                    throw await explainFailure(ctx, err, survivors, {
                        pod: master.pod,
                        node: master.node,
                        nodeIdBefore: master.nodeId,
                        nodeIdAfter: nodeIdAfter !== master.nodeId ? nodeIdAfter : undefined
                    });
                }
                ctx.askPod = r.masterAfter.pod;
                ctx.logger.info(`New master: ${r.masterAfter.node} after ${formatDuration(r.newMasterMs ?? 0)}${r.masterLostMs !== undefined ? ` (master lost seen after ${formatDuration(r.masterLostMs)})` : ''}`);
            },
            collect: (ctx, outcome) => snapshotAfter(ctx, `failover-${round}`, outcome)
        });
        steps.push({
            name: `rejoin-${round}`,
            title: `Rejoin: the killed pod back and green${suffix}`,
            skip: noFailover,
            async run(ctx) {
                const r = state;
                try {
                    await duringDisruption(ctx, () => waitForRejoin(disruptedTarget(ctx), `rejoin-${round}`, r, killedUid, ctx.options.rejoinTimeoutMs));
                }
                catch (err) {
                    throw await explainFailure(ctx, err, ctx.formed.pods.map((p) => p.name), {
                        pod: r.masterBefore.pod,
                        node: r.masterBefore.node,
                        nodeIdBefore: r.nodeIdBefore,
                        nodeIdAfter: r.nodeIdAfter
                    });
                }
                finally {
                    stopPodEvents?.();
                    await podWatch?.stop();
                    await endDisruption(ctx);
                }
                ctx.logger.info(`${r.masterBefore.pod} back after ${formatDuration(r.podBackMs ?? 0)}, rejoined after ${formatDuration(r.rejoinedMs ?? 0)}, green after ${formatDuration(r.greenMs ?? 0)}`);
                if (round === 1) {
                    ctx.report.masterBefore = r.masterBefore;
                    ctx.report.masterAfter = r.masterAfter;
                    ctx.report.failoverMs = r.newMasterMs;
                    ctx.report.rejoinMs = r.greenMs;
                }
                if (!r.nodeIdPersisted) {
                    const message = `${r.masterBefore.pod} rejoined with a new node ID (${r.nodeIdAfter}, was ${r.nodeIdBefore}): its data path is not on a persistent volume, so its data and identity were lost`;
                    if (ctx.options.requirePersistentIdentity)
                        throw new VerificationError(message);
                    ctx.report.warnings.push(message);
                    ctx.logger.warning(message, {
                        file: ctx.manifests.statefulset.file,
                        line: ctx.manifests.statefulset.line
                    });
                }
            },
            collect: (ctx, outcome) => snapshotAfter(ctx, `rejoin-${round}`, outcome)
        });
    }
    return steps;
}

/**
 * The restart scenario, as a node-pool upgrade does it: every pod of the StatefulSet deleted
 * at once, then the cluster must re-form, green with every node, as the same cluster (its
 * UUID unchanged). A new UUID means every node lost its state: the data check then counts
 * what went with it.
 */
function restartSteps() {
    let deletedAt = 0;
    return [
        {
            name: 'restart',
            title: 'Restart: delete every pod at once',
            async run(ctx) {
                const kube = ctx.kube;
                const pods = await kube.listPods(ctx.namespace, ctx.manifests.view.selector);
                startDisruption(ctx, 'restart', 'restart', pods.map((p) => p.metadata.uid), false);
                deletedAt = Date.now();
                const grace = ctx.options.killMode === 'force' ? 0 : undefined;
                await Promise.all(pods.map((p) => kube.deletePod(ctx.namespace, p.metadata.name, p.metadata.uid, grace)));
                ctx.timeline.record('restart', 'restart', `deleted ${pods.length} pods at once (${grace === 0 ? 'grace period 0' : 'their own grace period'}): ${pods.map((p) => p.metadata.name).join(', ')}`);
            }
        },
        {
            name: 'reform',
            title: 'Re-form after the restart: green with every node',
            async run(ctx) {
                try {
                    const result = await duringDisruption(ctx, () => waitForGreen(disruptedTarget(ctx), 'reform', ctx.options.rejoinTimeoutMs));
                    ctx.disruption?.monitor?.armRed();
                    ctx.askPod = result.answeringPod;
                    const uuid = (await ctx.api.localState(result.answeringPod)).clusterUuid;
                    const entry = ctx.report.disruptions[ctx.disruption?.index ?? -1];
                    if (entry)
                        entry.clusterUuidAfter = uuid;
                    ctx.logger.info(`Re-formed after ${formatDuration(Date.now() - deletedAt)}: cluster ${uuid}${uuid === ctx.clusterUuid ? ' (the same cluster)' : ` (a NEW cluster; was ${ctx.clusterUuid})`}`);
                    if (uuid !== ctx.clusterUuid) {
                        const message = `The cluster came back as a new cluster: its UUID changed from ${ctx.clusterUuid} to ${uuid}, so every node lost its state in the restart`;
                        ctx.deferred.push(message);
                        ctx.logger.warning(message, {
                            file: ctx.manifests.statefulset.file,
                            line: ctx.manifests.statefulset.line
                        });
                        ctx.clusterUuid = uuid;
                    }
                }
                finally {
                    await endDisruption(ctx);
                }
            },
            collect: (ctx, outcome) => snapshotAfter(ctx, 'reform', outcome)
        }
    ];
}

/** The annotation `kubectl rollout restart` sets; ours, so that both can be told apart. */
const RESTARTED_AT = 'es-k8s-verify/restartedAt';
/** The manifests with a pod-template annotation that changes the revision: a rolling restart. */
function withRestart(set) {
    const sts = structuredClone(set.statefulset.object);
    const template = ((sts.spec ??= {}).template ??= {});
    template.metadata = {
        ...template.metadata,
        annotations: { ...template.metadata?.annotations, [RESTARTED_AT]: new Date().toISOString() }
    };
    const statefulset = { ...set.statefulset, object: sts };
    return {
        ...set,
        statefulset,
        objects: set.objects.map((o) => (o === set.statefulset ? statefulset : o))
    };
}
async function readStatefulSet(ctx) {
    const sts = await ctx.kube.getStatefulSet(ctx.namespace, ctx.manifests.view.name);
    if (!sts)
        throw new VerificationError(`StatefulSet ${ctx.manifests.view.name} no longer exists`);
    return sts;
}
/**
 * The rolling-upgrade scenario, the PR gate's own question: a manifest change is a change to a
 * running cluster. The cluster formed from base-manifests is moved to the manifests under test
 * (without a base: a rolling restart of them), the StatefulSet's rollout is followed pod by pod
 * until every pod runs the new revision, and the cluster must turn green again without ever
 * going red or losing an acknowledged write.
 */
function rollingUpgradeSteps() {
    return [
        {
            name: 'rolling-upgrade',
            title: 'Rolling upgrade to the manifests under test',
            async run(ctx) {
                const started = Date.now();
                const before = await readStatefulSet(ctx);
                const fromRevision = before.status?.currentRevision;
                startDisruption(ctx, 'rolling-upgrade', 'rolling-upgrade', [], true);
                try {
                    await applyManifestSet(ctx, ctx.base ? ctx.manifests : withRestart(ctx.manifests));
                    let sts = await readStatefulSet(ctx);
                    if (sts.spec?.updateStrategy?.type === 'OnDelete')
                        throw new VerificationError(`StatefulSet ${sts.metadata.name} has updateStrategy OnDelete: the controller never replaces a running pod, so the new revision is never rolled out. Use updateStrategy RollingUpdate (the default).`);
                    sts = await waitFor('the StatefulSet controller to see the change', async () => {
                        const s = await readStatefulSet(ctx);
                        return (s.status?.observedGeneration ?? 0) >= (s.metadata.generation ?? 0)
                            ? { done: true, value: s }
                            : {
                                done: false,
                                seen: s.status,
                                summary: `observed generation ${s.status?.observedGeneration} of ${s.metadata.generation}`
                            };
                    }, {
                        timeoutMs: 30_000,
                        intervalMs: ctx.options.pollIntervalMs,
                        signal: disruptedTarget(ctx).signal
                    });
                    if (sts.status?.updateRevision === fromRevision) {
                        ctx.logger.warning('The manifests under test change nothing in the pod template, so nothing would roll: rolling-restarting them instead.');
                        await applyManifestSet(ctx, withRestart(ctx.manifests));
                    }
                    const updated = new Set();
                    await duringDisruption(ctx, () => waitFor('every pod to run the new revision and be Ready', async () => {
                        const s = await readStatefulSet(ctx);
                        const revision = s.status?.updateRevision;
                        const pods = await ctx.kube.listPods(ctx.namespace, ctx.manifests.view.selector);
                        for (const p of pods) {
                            if (p.metadata.labels?.['controller-revision-hash'] === revision &&
                                isReady(p) &&
                                !updated.has(p.metadata.name)) {
                                updated.add(p.metadata.name);
                                ctx.timeline.record('rolling-upgrade', 'pod-updated', `${p.metadata.name} runs revision ${revision} and is Ready`);
                                ctx.logger.info(`${p.metadata.name} updated to ${revision} (${updated.size}/${ctx.expectedNodes})`);
                            }
                        }
                        const st = s.status ?? {};
                        const replicas = s.spec?.replicas ?? 1;
                        if (st.updateRevision &&
                            st.currentRevision === st.updateRevision &&
                            st.updatedReplicas === replicas &&
                            st.readyReplicas === replicas &&
                            updated.size >= replicas)
                            return { done: true, value: undefined };
                        return {
                            done: false,
                            seen: st,
                            summary: `${st.updatedReplicas ?? 0}/${replicas} pods updated, ${st.readyReplicas ?? 0} Ready (revision ${st.currentRevision} → ${st.updateRevision})`
                        };
                    }, {
                        onProgress: (line) => ctx.logger.progress(line),
                        timeoutMs: ctx.options.upgradeTimeoutMs,
                        intervalMs: ctx.options.pollIntervalMs,
                        signal: disruptedTarget(ctx).signal,
                        wake: ctx.target?.changes?.next
                    }));
                    ctx.timeline.record('rolling-upgrade', 'rolled-out', `every pod runs the new revision`);
                    const remaining = Math.max(ctx.options.upgradeTimeoutMs - (Date.now() - started), ctx.options.pollIntervalMs);
                    const result = await duringDisruption(ctx, () => waitForGreen(disruptedTarget(ctx), 'rolling-upgrade', remaining));
                    ctx.askPod = result.answeringPod;
                    ctx.formed = result;
                    ctx.logger.info(`Rolled out and green after ${formatDuration(Date.now() - started)}`);
                }
                finally {
                    await endDisruption(ctx);
                }
            },
            collect: (ctx, outcome) => snapshotAfter(ctx, 'rolling-upgrade', outcome)
        }
    ];
}

/** How many lost ids the report and the verdict name. */
const LOST_IDS_SHOWN = 20;
/** The manifests' own explanation of lost data, when the lint finds one (the claim off the data path). */
function dataPathHint(ctx) {
    const finding = lintObjects(ctx.manifests.objects).findings.find((f) => f.ruleId === 'data-path');
    return finding ? ` ${finding.message} (${finding.file}:${finding.line}) Fix: ${finding.hint}` : '';
}
/**
 * After every disruption has healed: reads back every acknowledged write by id, seeded and
 * continuous. A lost write, or a cluster that came back as a new one, fails the run and the
 * verdict says how many, which ids first, and what in the manifests explains it.
 */
const checkDataStep = {
    name: 'check-data',
    title: 'Check data: read back every acknowledged write',
    async run(ctx) {
        const problems = [...ctx.deferred];
        if (ctx.data && ctx.docs) {
            const { index, seeded, checksum } = ctx.data;
            const written = ctx.written.flat();
            const all = [...seeded, ...written];
            const pod = (await new ServingPods(ctx.kube, ctx.namespace, ctx.manifests.view.selector).pick()) ??
                ctx.askPod;
            const missing = await ctx.docs.missing(pod, index, all);
            const lost = new Set(missing);
            ctx.written.forEach((ids, i) => {
                const a = ctx.report.disruptions[i]?.availability;
                if (a)
                    a.writes.lost = ids.filter((id) => lost.has(id)).length;
            });
            const seededBack = seeded.filter((id) => !lost.has(id));
            ctx.report.data = {
                index,
                seeded: seeded.length,
                acked: all.length,
                lost: missing.length,
                lostIds: missing.slice(0, LOST_IDS_SHOWN),
                checksum,
                checksumAfter: idsChecksum(seededBack)
            };
            ctx.logger.info(`Read back ${all.length - missing.length} of ${all.length} acknowledged documents (${seeded.length} seeded, ${written.length} written during disruptions)`);
            if (missing.length)
                problems.unshift(`${missing.length} of ${all.length} acknowledged documents were lost (first: ${missing.slice(0, 5).join(', ')})`);
        }
        if (problems.length)
            throw new VerificationError(`Data lost: ${problems.join('. ')}.${dataPathHint(ctx)}`, ctx.report.data);
    }
};

/** How long a killed master's log stream may run on once the run is over. */
const LAST_WORDS_GRACE_MS = 2_000;
/** Collects logs, objects, events and the provider's logs, whatever the outcome. */
const collectStep = {
    title: 'Collect logs and reports',
    async run(ctx) {
        // A disruption cut short by a failure still reports what its checks saw.
        await endDisruption(ctx).catch((err) => ctx.logger.warning(`Stopping the checks failed: ${errorMessage(err)}`));
        await ctx.runner.stopMonitors();
        await ctx.target?.changes?.stop();
        // A killed master's stream ends when its process does; cut any that outlive the run.
        await Promise.all(ctx.pending.map((capture) => capture.stop(LAST_WORDS_GRACE_MS)));
        if (ctx.kube && ctx.namespace)
            await collectKubernetes({
                kube: ctx.kube,
                api: ctx.api,
                namespace: ctx.namespace,
                selector: ctx.manifests.view.selector,
                logger: ctx.logger
            }, ctx.writer).catch((err) => ctx.logger.warning(`Collecting Kubernetes objects and logs failed: ${errorMessage(err)}`));
        await ctx.provider
            .exportLogs(join(ctx.writer.dir, 'provider'))
            .catch((err) => ctx.logger.warning(`Exporting ${ctx.provider.name} logs failed: ${errorMessage(err)}`));
    }
};

/** Removes what the run created (the cluster, or the namespace on an existing one), unless kept. */
const cleanUpStep = {
    title: 'Clean up',
    async run(ctx) {
        const { provider, kube, namespace, report, logger } = ctx;
        try {
            if (ctx.options.keepCluster) {
                logger.info(`Keeping ${provider.created ? `cluster ${provider.clusterName}` : `namespace ${namespace}`} as asked (keep-cluster)`);
                return;
            }
            if (provider.created) {
                await provider.destroy().catch((err) => {
                    report.warnings.push(`Cleanup: ${errorMessage(err)}`);
                    logger.warning(`Deleting the cluster failed (the verdict stands): ${errorMessage(err)}`);
                });
            }
            else if (kube && namespace && ctx.createdNamespace) {
                await kube.deleteNamespace(namespace).catch((err) => {
                    report.warnings.push(`Cleanup: ${errorMessage(err)}`);
                    logger.warning(`Deleting namespace ${namespace} failed (the verdict stands): ${errorMessage(err)}`);
                });
            }
        }
        finally {
            rmSync(ctx.workDir, { recursive: true, force: true });
            await kube?.close();
        }
    }
};

function manifestSet(objects, options) {
    const statefulset = selectStatefulSet(objects, options.statefulset);
    return { objects, statefulset, view: viewStatefulSet(statefulset.object, options.container) };
}
/**
 * The steps of a run, from the options: set up and form, seed, each disruption asked for in
 * order on the same cluster, then the data check; collection and clean-up on every path.
 */
function buildScenario(options) {
    const disruptions = options.scenarios.flatMap((s) => s === 'failover'
        ? failoverSteps(options.rounds)
        : s === 'restart'
            ? restartSteps()
            : rollingUpgradeSteps());
    return {
        steps: [
            preflightStep,
            provisionStep,
            applyStep,
            formStep,
            seedStep,
            ...disruptions,
            checkDataStep
        ],
        finally: [collectStep, cleanUpStep]
    };
}
/**
 * Runs the scenario the options ask for against a cluster the provider makes (or adopts) and
 * writes report.json, timeline.json and junit.xml on every path. Never throws for a failed
 * verification: the verdict is in the report. Throws UsageError for bad input, before anything
 * is created.
 */
async function verify(options, logger, hooks = {}) {
    const manifests = manifestSet(loadManifests(options.manifests), options);
    const base = options.scenarios.includes('rolling-upgrade') && options.baseManifests !== undefined
        ? manifestSet(loadBaseManifests(options.baseManifests, options.manifests), {
            ...options,
            statefulset: options.statefulset ?? manifests.view.name
        })
        : undefined;
    if (base && base.view.name !== manifests.view.name)
        throw new UsageError(`Invalid base-manifests '${options.baseManifests}'. Its StatefulSet is ${base.view.name}; expected ${manifests.view.name}, the one under test.`);
    const replicas = manifests.view.replicas;
    if (options.expectedNodes !== undefined && options.expectedNodes !== replicas)
        throw new UsageError(`Invalid expected-nodes '${options.expectedNodes}'. StatefulSet ${manifests.view.name} has ${replicas} replicas (${manifests.statefulset.file}:${manifests.statefulset.line}), and every one of them joins: the cluster would ${options.expectedNodes > replicas ? 'never reach' : 'never stay at'} ${options.expectedNodes} nodes. Expected ${replicas}, or leave the option out.`);
    const expectedNodes = options.expectedNodes ?? replicas;
    // A run that every answer would refuse (401), said before the cluster is made.
    const secured = options.preflight && options.password === undefined && securityOnWithoutAnonymous(manifests);
    if (secured)
        throw new UsageError(`Invalid password: none given, but ${secured.file}:${secured.line} sets xpack.security.enabled to "true" with no anonymous access, so the engine answers every request without credentials with 401. Expected username and password (password, password-file or ES_K8S_VERIFY_PASSWORD), or preflight: false to run anyway.`, secured);
    const runId = randomBytes(3).toString('hex');
    const workDir = mkdtempSync(join(tmpdir(), 'es-k8s-verify-'));
    chmodSync(workDir, 0o700);
    const providerCtx = { logger, workDir, system: hooks.system ?? nodeSystem() };
    const providerKind = await resolveProvider(options.provider, providerCtx);
    const provider = makeProvider(providerKind, options, options.clusterName ?? `es-k8s-verify-${runId}`, providerCtx);
    const reportDir = options.reportDir ?? mkdtempSync(join(tmpdir(), 'es-k8s-verify-report-'));
    const writer = new ReportWriter(reportDir, [options.password]);
    const timeline = new Timeline();
    const startedAt = Date.now();
    const report = {
        verdict: 'failed',
        startedAt: new Date(startedAt).toISOString(),
        endedAt: '',
        durationMs: 0,
        provider: providerKind,
        cluster: provider.clusterName,
        statefulset: manifests.view.name,
        expectedNodes,
        scenarios: options.scenarios,
        phases: [],
        rounds: [],
        disruptions: [],
        warnings: [],
        reportDir
    };
    const ctx = {
        options,
        logger,
        hooks,
        timeline,
        writer,
        report,
        runner: new PhaseRunner(logger, timeline),
        runId,
        provider,
        workDir,
        manifests,
        base,
        expectedNodes,
        namespace: options.namespace,
        createdNamespace: false,
        pending: [],
        written: [],
        deferred: []
    };
    const onSignal = () => logger.warning('Interrupted: collecting logs and cleaning up before exiting');
    hooks.signal?.addEventListener('abort', onSignal);
    try {
        await runScenario(buildScenario(options), ctx);
    }
    finally {
        hooks.signal?.removeEventListener('abort', onSignal);
        const endedAt = Date.now();
        report.endedAt = new Date(endedAt).toISOString();
        report.durationMs = endedAt - startedAt;
        report.phases = ctx.runner.results;
        writer.write('timeline.json', timeline.entries);
        writer.write('report.json', report);
        writer.write('junit.xml', toJUnit(report));
    }
    return report;
}

export { ManifestError, NAMESPACE_LABEL, buildScenario, verify };
