#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { O as OPTION_SPECS, p as parseOptions } from './chunks/options.js';
import { U as UsageError, e as errorMessage } from './chunks/errors.js';
import { l as lint, a as formatFindings, d as describeAvailability, f as formatDuration } from './chunks/availability.js';
import 'node:path';
import 'process';
import 'buffer';

const BOOLEAN_OPTIONS = new Set(OPTION_SPECS.filter((s) => s.kind === 'bool').map((s) => s.name));
/**
 * Reads the command line: `[verify|lint] --option value ...`, `--flag` for booleans
 * (`--no-flag` for false), `--option=value` too. Unknown options are a UsageError.
 */
function parseArgs(argv) {
    const raw = {};
    const paths = [];
    let command = 'verify';
    let format;
    let verbose = false;
    const known = new Set(OPTION_SPECS.map((s) => s.name));
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (i === 0 && (arg === 'verify' || arg === 'lint')) {
            command = arg;
            continue;
        }
        if (arg === '--help' || arg === '-h')
            return { command: 'help', raw, paths, verbose };
        if (arg === '--version' || arg === '-V')
            return { command: 'version', raw, paths, verbose };
        if (arg === '--verbose' || arg === '-v') {
            verbose = true;
            continue;
        }
        if (!arg.startsWith('--')) {
            paths.push(arg);
            continue;
        }
        const [name, given] = arg.slice(2).split(/=(.*)/s, 2);
        let value = given;
        if (name === 'format') {
            format = value ?? argv[++i];
            continue;
        }
        if (name.startsWith('no-') && BOOLEAN_OPTIONS.has(name.slice(3)) && value === undefined) {
            raw[name.slice(3)] = 'false';
            continue;
        }
        if (!known.has(name))
            throw new UsageError(`Unknown option '--${name}'. Run es-k8s-verify --help for the options.`);
        if (value === undefined) {
            if (BOOLEAN_OPTIONS.has(name) && (argv[i + 1] === undefined || argv[i + 1].startsWith('--')))
                value = 'true';
            else if (argv[i + 1] === undefined)
                throw new UsageError(`Option '--${name}' needs a value.`);
            else
                value = argv[++i];
        }
        raw[name] = value;
    }
    if (command === 'lint' && paths.length)
        raw.manifests = paths.join(',');
    if (command === 'verify' && paths.length)
        throw new UsageError(`Unexpected argument '${paths[0]}'. Give manifests with --manifests.`);
    if (command === 'lint')
        raw.mode = 'lint';
    return { command, raw, paths, format, verbose };
}
/** The --help text, with every option's default. */
function helpText(version) {
    const width = Math.max(...OPTION_SPECS.map((s) => s.name.length)) + 4;
    const lines = OPTION_SPECS.map((s) => {
        const values = s.values ? ` [${s.values.join('|')}]` : '';
        const def = s.default !== undefined ? ` (default: ${s.default})` : '';
        return `  --${s.name.padEnd(width)}${s.description}${values}${def}`;
    });
    return [
        `es-k8s-verify ${version}: proves that Elasticsearch on Kubernetes forms a cluster, survives losing its elected master, and heals.`,
        '',
        'Usage:',
        '  es-k8s-verify [verify] [options]     run the whole scenario',
        '  es-k8s-verify lint [paths] [--format text|json|sarif]',
        '                                       check manifests without a cluster',
        '',
        'Options:',
        ...lines,
        `  --${'verbose'.padEnd(width)}Print every observation and command.`,
        '',
        'Exit codes: 0 passed, 1 verification failed, 2 bad usage or input.'
    ].join('\n');
}

/** The CLI's logger: phases as headed sections with elapsed time, warnings and errors on stderr. */
class ConsoleLogger {
    verbose;
    quiet;
    out;
    err;
    started = Date.now();
    constructor(verbose, 
    /** Only phase starts and ends, warnings, errors and the verdict. */
    quiet, out = (l) => process.stdout.write(`${l}\n`), err = (l) => process.stderr.write(`${l}\n`)) {
        this.verbose = verbose;
        this.quiet = quiet;
        this.out = out;
        this.err = err;
    }
    stamp() {
        return `[${((Date.now() - this.started) / 1000).toFixed(1).padStart(6)}s]`;
    }
    info(message) {
        if (!this.quiet)
            this.out(`${this.stamp()} ${message}`);
    }
    progress(message) {
        if (!this.quiet)
            this.out(`${this.stamp()}   ${message}`);
    }
    result(message) {
        this.out(`${this.stamp()} ${message}`);
    }
    warning(message, location) {
        this.err(`${this.stamp()} warning: ${location ? `${location.file}${location.line ? `:${location.line}` : ''}: ` : ''}${message}`);
    }
    error(message, location) {
        this.err(`${this.stamp()} error: ${location ? `${location.file}${location.line ? `:${location.line}` : ''}: ` : ''}${message}`);
    }
    debug(message) {
        if (this.verbose)
            this.out(`${this.stamp()}   ${message}`);
    }
    async group(title, fn) {
        this.out(`${this.stamp()} ▶ ${title}`);
        return fn();
    }
}

const EXIT = { passed: 0, failed: 1, usage: 2 };
/** The version from package.json, found from dist/cli.js or from the compiled sources. */
function version() {
    for (const relative of ['../package.json', '../../package.json', '../../../package.json']) {
        try {
            const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8'));
            if (pkg.name === 'es-k8s-verify')
                return pkg.version;
        }
        catch {
            // Not at this level: try the next.
        }
    }
    return 'unknown';
}
/** The final table of phases and durations. */
function phaseTable(report) {
    const rows = report.phases.map((p) => [
        p.status === 'passed' ? 'passed' : p.status === 'failed' ? 'FAILED' : 'skipped',
        p.title,
        p.status === 'skipped' ? '-' : formatDuration(p.durationMs)
    ]);
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), ['result', 'phase', 'duration'][i].length));
    const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
    return [
        line(['result', 'phase', 'duration']),
        line(widths.map((w) => '-'.repeat(w))),
        ...rows.map(line)
    ].join('\n');
}
/** Runs the CLI and returns its exit code. */
async function runCli(argv, out = (l) => process.stdout.write(`${l}\n`)) {
    let args;
    try {
        args = parseArgs(argv);
    }
    catch (err) {
        process.stderr.write(`es-k8s-verify: ${errorMessage(err)}\n`);
        return EXIT.usage;
    }
    if (args.command === 'help') {
        out(helpText(version()));
        return EXIT.passed;
    }
    if (args.command === 'version') {
        out(version());
        return EXIT.passed;
    }
    try {
        // A password in the environment stays out of the process list, unlike --password.
        const fromEnv = process.env.ES_K8S_VERIFY_PASSWORD;
        const options = parseOptions(fromEnv && args.raw.password === undefined && args.raw['password-file'] === undefined
            ? { ...args.raw, password: fromEnv }
            : args.raw);
        const logger = new ConsoleLogger(args.verbose, options.quiet, out);
        if (options.mode === 'lint') {
            const format = (args.format ?? 'text');
            if (!['text', 'json', 'sarif'].includes(format))
                throw new UsageError(`Invalid format '${format}'. Expected one of: text, json, sarif.`);
            const result = lint(options.manifests);
            out(formatFindings(result, format));
            return result.findings.some((f) => f.severity === 'error') ? EXIT.failed : EXIT.passed;
        }
        const controller = new AbortController();
        const onSignal = (signal) => controller.abort(signal);
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        // Loaded only to verify: lint must start fast, without the Kubernetes client.
        const { verify } = await import('./chunks/verify.js');
        const report = await verify(options, logger, { signal: controller.signal }).finally(() => {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
        });
        out('');
        out(phaseTable(report));
        for (const d of report.disruptions)
            if (d.availability)
                out(`${d.name}: ${describeAvailability(d.availability)}`);
        if (report.data)
            out(`data: ${report.data.acked} acknowledged writes, ${report.data.lost} lost${report.data.lost ? ` (first: ${report.data.lostIds.slice(0, 5).join(', ')})` : ''}`);
        out('');
        out(`Verdict: ${report.verdict.toUpperCase()}${report.error ? `: ${report.error.message}` : ''}`);
        for (const w of report.warnings)
            out(`Warning: ${w}`);
        out(`Logs and reports: ${report.reportDir}`);
        return report.verdict === 'passed' ? EXIT.passed : EXIT.failed;
    }
    catch (err) {
        if (err instanceof UsageError) {
            process.stderr.write(`es-k8s-verify: ${err.message}\n`);
            return EXIT.usage;
        }
        process.stderr.write(`es-k8s-verify: ${errorMessage(err)}\n`);
        return EXIT.failed;
    }
}

process.exitCode = await runCli(process.argv.slice(2));
