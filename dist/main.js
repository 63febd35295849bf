import { g as getInput, s as setSecret, a as state, b as setFailed, C as CoreLogger, c as actionsSystem, d as summary, e as error, w as warning, n as notice, f as setOutput, h as shouldUpload, i as info, u as uploadReport } from './chunks/artifacts.js';
import { mkdtempSync, existsSync, readdirSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { O as OPTION_SPECS, p as parseOptions } from './chunks/options.js';
import { U as UsageError, e as errorMessage } from './chunks/retry.js';
import { f as formatDuration, l as lint, t as toSarif, a as formatFindings } from './chunks/availability.js';
import { verify } from './chunks/verify.js';
import 'crypto';
import 'fs';
import 'os';
import 'child_process';
import 'path';
import 'stream';
import 'util';
import 'assert';
import 'http';
import 'https';
import 'net';
import 'tls';
import 'events';
import './chunks/index.js';
import 'node:buffer';
import 'node:https';
import 'node:http';
import 'node:tls';
import 'node:net';
import 'node:child_process';
import 'vm';
import 'url';
import 'buffer';
import 'tty';
import 'dns';
import 'node:timers/promises';
import 'node:readline';
import 'node:stream';
import 'node:module';
import 'querystring';
import 'zlib';
import 'string_decoder';
import 'timers';
import 'node:util';
import 'node:process';
import 'node:zlib';
import 'fs/promises';
import 'constants';
import 'process';
import './chunks/client.js';
import 'node:url';
import 'node:querystring';

/** Names of the action's own inputs (beyond the engine's options), outputs and state keys, in one place. */
const ActionInputs = {
    artifactName: 'artifact-name',
    artifactRetentionDays: 'artifact-retention-days',
    uploadArtifacts: 'upload-artifacts'
};
const Outputs = {
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
};
const UPLOAD_WHEN = ['always', 'on-failure', 'never'];
/** Characters an artifact name may not contain (@actions/artifact refuses them). */
const FORBIDDEN_ARTIFACT_CHARS = ['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/'];

/**
 * The only reader of the action's inputs. Every value is validated here; an error names the
 * input, the value and what is accepted, before anything is created.
 */
function getInputs() {
    const raw = {};
    for (const spec of OPTION_SPECS) {
        const value = getInput(spec.name);
        if (spec.secret && value)
            setSecret(value);
        raw[spec.name] = value === '' ? undefined : value;
    }
    const options = parseOptions(raw);
    // A password read from password-file is as secret as one given inline.
    if (options.password)
        setSecret(options.password);
    const uploadWhen = (getInput(ActionInputs.uploadArtifacts) || 'always');
    if (!UPLOAD_WHEN.includes(uploadWhen))
        throw new UsageError(`Invalid ${ActionInputs.uploadArtifacts} '${uploadWhen}'. Expected one of: ${UPLOAD_WHEN.join(', ')}.`);
    const retention = getInput(ActionInputs.artifactRetentionDays);
    let retentionDays;
    if (retention) {
        if (!/^\d+$/.test(retention) || Number(retention) < 1 || Number(retention) > 90)
            throw new UsageError(`Invalid ${ActionInputs.artifactRetentionDays} '${retention}'. Expected a whole number of days from 1 to 90.`);
        retentionDays = Number(retention);
    }
    const given = getInput(ActionInputs.artifactName);
    const bad = FORBIDDEN_ARTIFACT_CHARS.filter((c) => given.includes(c));
    if (bad.length)
        throw new UsageError(`Invalid ${ActionInputs.artifactName} '${given}'. It may not contain ${bad.map((c) => JSON.stringify(c)).join(' ')}; expected letters, digits, '-', '_' or '.'.`);
    return { options, artifactName: given || defaultArtifactName(options), retentionDays, uploadWhen };
}
/**
 * A name unique per job and matrix leg: two legs of one matrix share the job name, so a random
 * suffix keeps their uploads apart (a name can be used once per run).
 */
function defaultArtifactName(options) {
    const job = (process.env.GITHUB_JOB ?? 'job').replace(/[^\w.-]/g, '-');
    const attempt = process.env.GITHUB_RUN_ATTEMPT ?? '1';
    return `es-k8s-verify-${job}-${options.provider}-${options.mode}-${attempt}-${randomBytes(3).toString('hex')}`;
}

/** core.summary does not escape HTML: everything that came from a cluster or a log goes through here. */
function escapeHtml(text) {
    return text.replace(/[&<>"'`|]/g, (c) => `&#${c.charCodeAt(0)};`);
}
function mermaidText(text) {
    return text.replace(/[:#;`<>]/g, ' ');
}
/**
 * A Mermaid gantt chart of the run: formation, kill, election, rejoin, red and yellow windows.
 * Times are absolute and the axis shows wall-clock time: relative times would be drawn as
 * minutes past the epoch in the reader's time zone (wrapping after an hour, starting at :30 in
 * half-hour zones).
 */
function ganttChart(report) {
    const lines = [
        '```mermaid',
        'gantt',
        '  title es-k8s-verify run',
        '  dateFormat x',
        '  axisFormat %H:%M:%S'
    ];
    for (const p of report.phases) {
        if (p.status === 'skipped')
            continue;
        const tag = p.status === 'failed' ? 'crit, ' : '';
        lines.push(`  section ${mermaidText(p.title)}`);
        lines.push(`  ${mermaidText(p.status)} : ${tag}${p.startedAt}, ${Math.max(p.endedAt, p.startedAt + 1)}`);
    }
    for (const r of report.rounds) {
        const k = r.killedAt;
        lines.push(`  section Failover round ${r.round}`);
        if (r.newMasterMs !== undefined)
            lines.push(`  election (${formatDuration(r.newMasterMs)}) : ${k}, ${k + Math.max(r.newMasterMs, 1)}`);
        if (r.podBackMs !== undefined)
            lines.push(`  pod back : ${k}, ${k + Math.max(r.podBackMs, 1)}`);
        if (r.rejoinedMs !== undefined)
            lines.push(`  rejoined : ${k}, ${k + Math.max(r.rejoinedMs, 1)}`);
        if (r.greenMs !== undefined)
            lines.push(`  green again : ${k}, ${k + Math.max(r.greenMs, 1)}`);
    }
    // Red and yellow windows of each disruption, from its health transitions.
    for (const d of report.disruptions) {
        const h = d.availability?.health;
        if (!h?.transitions.length)
            continue;
        const end = d.endedAt ?? Date.parse(report.endedAt);
        const windows = h.transitions
            .map((t, i) => ({ status: t.status, from: t.at, to: h.transitions[i + 1]?.at ?? end }))
            .filter((w) => w.status !== 'green');
        if (!windows.length)
            continue;
        lines.push(`  section Health during ${mermaidText(d.name)}`);
        for (const w of windows)
            lines.push(`  ${w.status} : ${w.status === 'red' ? 'crit, ' : w.status === 'yellow' ? 'active, ' : ''}${w.from}, ${Math.max(w.to, w.from + 1)}`);
    }
    lines.push('```');
    return lines.join('\n');
}
/** One row per disruption: what clients saw (writes, reads, health). */
function availabilityTable(report) {
    const rows = report.disruptions.filter((d) => d.availability);
    if (!rows.length)
        return [];
    const out = [
        '| Disruption | Writes acked | Failed | Lost | Longest write gap | Longest read gap | Red | Yellow | No master |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'
    ];
    for (const d of rows) {
        const a = d.availability;
        out.push(`| ${escapeHtml(d.name)} | ${a.writes.acked} | ${a.writes.failed} | ${a.writes.lost ? `❌ ${a.writes.lost}` : 0} | ${formatDuration(a.writes.longestGapMs)} | ${formatDuration(a.reads.longestGapMs)} | ${a.health.redMs ? `❌ ${formatDuration(a.health.redMs)}` : '0ms'} | ${formatDuration(a.health.yellowMs)} | ${formatDuration(a.health.unavailableMs)} |`);
    }
    if (report.data)
        out.push('', `**Data:** ${report.data.acked} acknowledged writes read back after healing, ${report.data.lost ? `❌ ${report.data.lost} lost (first: ${report.data.lostIds.slice(0, 5).map(escapeHtml).join(', ')})` : '0 lost'}.`);
    return [...out, ''];
}
/** The job summary: verdict first, phases, timeline chart, masters, node IDs, and on failure what was last seen. */
function renderSummary(report, artifact) {
    const icon = report.verdict === 'passed' ? '✅' : '❌';
    const out = [];
    out.push(`## ${icon} es-k8s-verify: ${report.verdict.toUpperCase()}`);
    out.push('');
    const subject = [
        report.engine
            ? `${escapeHtml(report.engine.distribution)} ${escapeHtml(report.engine.version)}`
            : undefined,
        report.statefulset ? `StatefulSet \`${escapeHtml(report.statefulset)}\`` : undefined,
        `${escapeHtml(report.provider)} cluster \`${escapeHtml(report.cluster)}\``,
        report.kubernetesVersion ? `Kubernetes ${escapeHtml(report.kubernetesVersion)}` : undefined
    ].filter(Boolean);
    out.push(subject.join(' · '));
    if (report.error)
        out.push('', `**Failed in ${escapeHtml(report.error.phase ?? 'setup')}:** ${escapeHtml(report.error.message.split('\n')[0])}`);
    out.push('', '| Phase | Result | Duration |', '| --- | --- | --- |');
    for (const p of report.phases)
        out.push(`| ${escapeHtml(p.title)} | ${p.status === 'passed' ? '✅ passed' : p.status === 'failed' ? '❌ failed' : `⏭️ skipped: ${escapeHtml(p.reason ?? '')}`} | ${p.status === 'skipped' ? '' : formatDuration(p.durationMs)} |`);
    out.push('');
    if (report.phases.length)
        out.push(ganttChart(report), '');
    if (report.timeToGreenMs !== undefined || report.failoverMs !== undefined) {
        out.push('| Measure | Value |', '| --- | --- |');
        if (report.timeToGreenMs !== undefined)
            out.push(`| Time to green | ${formatDuration(report.timeToGreenMs)} |`);
        if (report.failoverMs !== undefined)
            out.push(`| New master elected after kill | ${formatDuration(report.failoverMs)} |`);
        if (report.rejoinMs !== undefined)
            out.push(`| Green again after kill | ${formatDuration(report.rejoinMs)} |`);
        out.push('');
    }
    out.push(...availabilityTable(report));
    if (report.masterBefore) {
        out.push(`**Master before:** \`${escapeHtml(report.masterBefore.node)}\` (pod ${escapeHtml(report.masterBefore.pod)}) → **after:** \`${escapeHtml(report.masterAfter?.node ?? 'none')}\``, '');
    }
    if (report.rounds.length) {
        out.push('| Round | Killed pod | Node ID before | Node ID after | Persisted |', '| --- | --- | --- | --- | --- |');
        for (const r of report.rounds)
            out.push(`| ${r.round} | ${escapeHtml(r.masterBefore.pod)} | \`${escapeHtml(r.nodeIdBefore)}\` | \`${escapeHtml(r.nodeIdAfter ?? '-')}\` | ${r.nodeIdPersisted === undefined ? '-' : r.nodeIdPersisted ? 'yes' : '⚠️ no'} |`);
        out.push('');
    }
    if (report.failoverSkipped)
        out.push(`Failover not exercised: ${escapeHtml(report.failoverSkipped)}`, '');
    for (const w of report.warnings)
        out.push(`> ⚠️ ${escapeHtml(w)}`, '');
    if (report.error) {
        out.push('<details><summary>Last observed state</summary>', '', '<pre>', escapeHtml(report.error.message), '', escapeHtml(JSON.stringify(report.error.lastSeen ?? {}, null, 2)), '</pre>', '</details>', '');
    }
    if (artifact)
        out.push(`Logs and reports: artifact \`${escapeHtml(artifact.name)}\`${artifact.id ? ` (id ${artifact.id})` : ''}.`);
    return out.join('\n');
}

const seconds = (ms) => (ms === undefined ? '' : (ms / 1000).toFixed(3));
async function upload(inputs, reportDir, verdict) {
    if (!shouldUpload(inputs.uploadWhen, verdict)) {
        info(`Not uploading artifacts (upload-artifacts: ${inputs.uploadWhen}, verdict ${verdict})`);
        return;
    }
    try {
        const id = await uploadReport(inputs.artifactName, reportDir, inputs.retentionDays);
        state.markUploaded();
        setOutput(Outputs.artifactId, id === undefined ? '' : String(id));
        info(`Uploaded ${reportDir} as artifact ${inputs.artifactName}${id ? ` (id ${id})` : ''}`);
        return id;
    }
    catch (err) {
        warning(`Uploading the report as artifact ${inputs.artifactName} failed: ${errorMessage(err)}; post will try again`);
        return undefined;
    }
}
/** Lint mode: findings become annotations on the right file and line, and a SARIF file. */
async function runLint(inputs, reportDir) {
    const result = lint(inputs.options.manifests);
    for (const f of result.findings) {
        const props = {
            file: f.file,
            startLine: f.line,
            startColumn: f.column,
            title: `es-k8s-verify ${f.ruleId}`
        };
        const text = `${f.message} Fix: ${f.hint}`;
        if (f.severity === 'error')
            error(text, props);
        else if (f.severity === 'warning')
            warning(text, props);
        else
            notice(text, props);
    }
    mkdirSync(reportDir, { recursive: true });
    writeFileSync(join(reportDir, 'lint.sarif'), JSON.stringify(toSarif(result), null, 2));
    writeFileSync(join(reportDir, 'lint.txt'), formatFindings(result, 'text'));
    const failed = result.findings.some((f) => f.severity === 'error');
    const verdict = failed ? 'failed' : 'passed';
    state.setVerdict(verdict);
    setOutput(Outputs.result, verdict);
    setOutput(Outputs.reportDir, reportDir);
    await upload(inputs, reportDir, verdict);
    await summary
        .addRaw(`## ${failed ? '❌' : '✅'} es-k8s-verify lint\n\n\`\`\`\n${formatFindings(result, 'text').replace(/```/g, "'''")}\n\`\`\`\n`)
        .write();
    if (failed)
        setFailed(`es-k8s-verify lint found ${result.findings.filter((f) => f.severity === 'error').length} error(s) in the manifests`);
}
function setOutputs(report, inputs, kubeconfig) {
    setOutput(Outputs.result, report.verdict);
    setOutput(Outputs.masterBefore, report.masterBefore?.node ?? '');
    setOutput(Outputs.masterAfter, report.masterAfter?.node ?? '');
    setOutput(Outputs.timeToGreenSeconds, seconds(report.timeToGreenMs));
    setOutput(Outputs.failoverSeconds, seconds(report.failoverMs));
    setOutput(Outputs.rejoinSeconds, seconds(report.rejoinMs));
    const checked = report.disruptions.flatMap((d) => (d.availability ? [d.availability] : []));
    setOutput(Outputs.writesLost, report.data ? String(report.data.lost) : '');
    setOutput(Outputs.longestWriteGapSeconds, checked.length ? seconds(Math.max(...checked.map((a) => a.writes.longestGapMs))) : '');
    setOutput(Outputs.redSeconds, checked.length ? seconds(checked.reduce((sum, a) => sum + a.health.redMs, 0)) : '');
    setOutput(Outputs.reportDir, report.reportDir);
    setOutput(Outputs.artifactName, inputs.artifactName);
    if (inputs.options.keepCluster && kubeconfig)
        setOutput(Outputs.kubeconfig, kubeconfig);
}
/** The action's main step. Fails the step on bad input or a failed verification; never throws. */
async function run() {
    state.markMainStarted();
    let inputs;
    try {
        inputs = getInputs();
    }
    catch (err) {
        setFailed(errorMessage(err));
        return;
    }
    let reportDir;
    try {
        reportDir =
            inputs.options.reportDir ??
                mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'es-k8s-verify-'));
    }
    catch (err) {
        setFailed(`Cannot create the report directory under ${process.env.RUNNER_TEMP ? `RUNNER_TEMP '${process.env.RUNNER_TEMP}'` : `the temp dir '${tmpdir()}'`}: ${errorMessage(err)}. Expected a writable RUNNER_TEMP, or set report-dir.`);
        return;
    }
    inputs.options.reportDir = reportDir;
    state.setArtifactPlan(reportDir, inputs.artifactName, inputs.uploadWhen, inputs.retentionDays);
    try {
        if (inputs.options.mode === 'lint') {
            await runLint(inputs, reportDir);
            return;
        }
        let kubeconfig;
        // A cancelled job sends SIGINT (then SIGTERM): stop waiting, still collect and clean up.
        const cancel = new AbortController();
        const onSignal = (signal) => cancel.abort(signal);
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const report = await verify(inputs.options, new CoreLogger(inputs.options.quiet), {
            system: actionsSystem,
            signal: cancel.signal,
            onClusterCreated: (info) => {
                kubeconfig = info.kubeconfig;
                // An existing cluster is not ours to delete; only what the run created is handed to post.
                if (info.provider !== 'existing')
                    state.setCluster(info.provider, info.clusterName, inputs.options.keepCluster);
            },
            onNamespaceCreated: (namespace) => {
                if (inputs.options.kubeconfig && !inputs.options.keepCluster)
                    state.setNamespace(namespace, inputs.options.kubeconfig, inputs.options.context);
            }
        }).finally(() => {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
        });
        // verify() removed what it created; post has nothing left to clean.
        state.markCleaned();
        state.setVerdict(report.verdict);
        setOutputs(report, inputs, kubeconfig);
        const artifactId = await upload(inputs, reportDir, report.verdict);
        await summary
            .addRaw(renderSummary(report, { name: inputs.artifactName, id: artifactId }))
            .write();
        if (report.verdict !== 'passed')
            setFailed(report.error?.message ?? 'verification failed');
    }
    catch (err) {
        state.setVerdict('failed');
        // Refused before anything was created: nothing to upload, so leave no empty directory for post.
        if (err instanceof UsageError && existsSync(reportDir) && readdirSync(reportDir).length === 0)
            rmSync(reportDir, { recursive: true, force: true });
        setFailed(err instanceof UsageError ? err.message : `es-k8s-verify failed: ${errorMessage(err)}`);
    }
}

await run();
