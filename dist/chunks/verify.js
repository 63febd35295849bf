import { mkdirSync, writeFileSync, mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { e as errorMessage, V as VerificationError, U as UsageError } from './errors.js';
import { f as formatDuration, d as distExports, b as loadManifests, s as selectStatefulSet, v as viewStatefulSet, i as imagesOf, o as overrideImage, c as lintObjects } from './lint.js';
import { W as WebSocketHandler, K as KubeConfig, u as undiciExports } from './index.js';
import 'url';
import querystring from 'node:querystring';
import { Readable, PassThrough } from 'node:stream';
import 'node:https';
import 'node:http';
import 'node:tls';
import 'node:net';
import 'node:child_process';
import { m as resolveProvider, o as makeProvider } from './index3.js';
import 'process';
import 'buffer';
import 'node:buffer';
import 'vm';
import 'events';
import 'net';
import 'stream';
import 'http';
import 'https';
import './index2.js';
import 'node:module';
import 'tty';
import 'util';
import 'os';
import 'dns';
import 'tls';
import 'node:timers/promises';
import 'node:readline';
import 'querystring';
import 'crypto';
import 'zlib';
import 'fs';
import 'path';
import 'string_decoder';
import 'child_process';
import 'assert';
import 'timers';
import 'node:url';

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
    async run(name, title, fn) {
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
                    for (const collect of this.collectors) {
                        await collect(name, outcome).catch((err) => this.logger.warning(`Collecting after ${title} failed: ${errorMessage(err)}`));
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
            this.logger.info(`✓ ${title} (${formatDuration(endedAt - startedAt)})`);
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
            this.logger.info(`✗ ${title} (${formatDuration(endedAt - startedAt)})`);
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
        this.logger.info(`- ${title} skipped: ${reason}`);
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

const objectToString = Object.prototype.toString;

const isError = value => objectToString.call(value) === '[object Error]';

const errorMessages = new Set([
	'network error', // Chrome
	'NetworkError when attempting to fetch resource.', // Firefox
	'The Internet connection appears to be offline.', // Safari 16
	'Network request failed', // `cross-fetch`
	'fetch failed', // Undici (Node.js)
	'terminated', // Undici (Node.js)
	' A network error occurred.', // Bun (WebKit)
	'Network connection lost', // Cloudflare Workers (fetch)
]);

function isNetworkError(error) {
	const isValid = error
		&& isError(error)
		&& error.name === 'TypeError'
		&& typeof error.message === 'string';

	if (!isValid) {
		return false;
	}

	const {message, stack} = error;

	// Safari 17+ has generic message but no stack for network errors
	if (message === 'Load failed' || (message.startsWith('Load failed (') && message.endsWith(')'))) {
		return stack === undefined
			// Sentry adds its own stack trace to the fetch error, so also check for that
			|| '__sentry_captured__' in error;
	}

	// Deno network errors start with specific text
	if (message.startsWith('error sending request for url')) {
		return true;
	}

	// Chrome: exact "Failed to fetch" or with hostname: "Failed to fetch (example.com)"
	if (message === 'Failed to fetch' || (message.startsWith('Failed to fetch (') && message.endsWith(')'))) {
		return true;
	}

	// Standard network error messages
	return errorMessages.has(message);
}

function validateRetries(retries) {
	if (typeof retries === 'number') {
		if (retries < 0) {
			throw new TypeError('Expected `retries` to be a non-negative number.');
		}

		if (Number.isNaN(retries)) {
			throw new TypeError('Expected `retries` to be a valid number or Infinity, got NaN.');
		}

		// Not `Number.isSafeInteger`, which would reject a huge `retries`. That is accepted on purpose and behaves as effectively forever.
		// eslint-disable-next-line unicorn/prefer-number-is-safe-integer
		if (Number.isFinite(retries) && !Number.isInteger(retries)) {
			throw new TypeError('Expected `retries` to be a non-negative integer or Infinity.');
		}
	} else if (retries !== undefined) {
		throw new TypeError('Expected `retries` to be a number or Infinity.');
	}
}

function validateNumberOption(name, value, {allowInfinity = false} = {}) {
	if (typeof value !== 'number' || Number.isNaN(value)) {
		throw new TypeError(`Expected \`${name}\` to be a number${allowInfinity ? ' or Infinity' : ''}.`);
	}

	if (!allowInfinity && !Number.isFinite(value)) {
		throw new TypeError(`Expected \`${name}\` to be a finite number.`);
	}

	if (value < 0) {
		throw new TypeError(`Expected \`${name}\` to be \u{2265} 0.`);
	}
}

function validateOption(name, value, type) {
	// `null` means "not provided", as it does for the other options. `unref` needs this because it is the one option with no default of its own.
	if (value === undefined || value === null) {
		return;
	}

	if (typeof value !== type) {
		throw new TypeError(`Expected \`${name}\` to be a ${type}.`);
	}
}

function validateSignal(value) {
	// `null` means "not provided", as it does for the other options.
	if (value === undefined || value === null) {
		return;
	}

	// Duck typed rather than `instanceof`, so a signal from another realm still works. All three methods are checked because `removeEventListener` is called from inside a timer callback, where a `TypeError` would be an uncaught exception rather than a rejection the caller could catch.
	if (typeof value.throwIfAborted !== 'function'
		|| typeof value.addEventListener !== 'function'
		|| typeof value.removeEventListener !== 'function') {
		throw new TypeError('Expected `signal` to be an AbortSignal.');
	}
}

class AbortError extends Error {
	constructor(message) {
		super(typeof message === 'string' ? message : undefined);

		this.name = 'AbortError';

		if (message instanceof Error) {
			this.originalError = message;
			({message} = message);
		} else {
			// Created here, so it already captures every caller frame. Copying `this.stack` instead would only rewrite the header, which is rendered lazily from `name` and `message` at read time. It also stringifies a non-string message, so reuse its result below.
			this.originalError = new Error(message);
			({message} = this.originalError);

			// The caller sees this error, so the frame for this constructor is dropped where the runtime supports it. Left in, the top frame blames p-retry for an error the caller threw. An error the caller passed keeps its own stack, which points at their throw site already. V8-only, hence the lint exception, and the optional call leaves the stack as it is where it is missing.
			// eslint-disable-next-line unicorn/no-nonstandard-builtin-properties
			Error.captureStackTrace?.(this.originalError, AbortError);
		}

		this.message = message;
	}
}

// `setTimeout` cannot represent a longer delay and fires it right away instead, which turns a long backoff into a tight retry loop. Cap at the largest value it can still hold.
const maximumDelay = (2 ** 31) - 1;

function calculateDelay(retriesConsumed, options) {
	// Nothing to wait for, and multiplying by a factor that has grown to `Infinity` would give `NaN`.
	if (options.minTimeout === 0) {
		return 0;
	}

	// `retriesConsumed` starts at 0 and only ever counts up, so the first retry is already attempt 1.
	const attempt = retriesConsumed + 1;
	const random = options.randomize ? (Math.random() + 1) : 1;

	const timeout = Math.round(random * options.minTimeout * (options.factor ** (attempt - 1)));

	// `maxTimeout` rounds up, so a fractional cap still gives a whole number of milliseconds. Rounding down would turn a cap below 1 into no timer at all, which never yields to the event loop. `Math.ceil(Infinity)` is `Infinity`.
	return Math.min(timeout, Math.ceil(options.maxTimeout), maximumDelay);
}

function calculateRemainingTime(start, max) {
	return Number.isFinite(max) ? max - (performance.now() - start) : max;
}

async function delayForRetry(delay, options) {
	if (delay <= 0) {
		return;
	}

	await new Promise((resolve, reject) => {
		// Registered with `once`, so it removes itself when it fires.
		const onAbort = () => {
			clearTimeout(timeoutToken);
			reject(options.signal.reason);
		};

		const timeoutToken = setTimeout(() => {
			options.signal?.removeEventListener('abort', onAbort);
			resolve();
		}, delay);

		if (options.unref) {
			timeoutToken.unref?.();
		}

		options.signal?.addEventListener('abort', onAbort, {once: true});
	});
}

// Stringifying a thrown value can itself throw, for an object with no usable `toString`. That must never be allowed to replace the failure the caller is actually dealing with.
//
// A thrown value whose own accessors or proxy traps throw is not supported, here or anywhere else. It comes from the caller's own code, so it is not something to defend against.
function stringifyThrownValue(value) {
	try {
		return String(value);
	} catch {
		return Object.prototype.toString.call(value);
	}
}

// `AbortError` wraps the error the caller actually wants, and the wrappers can be nested, so keep unwrapping until the cause is reached. Otherwise an `AbortError` would escape `pRetry` and a `catch` doing `error instanceof AbortError` would read a real failure as a cancellation.
//
// Two wrappers whose `originalError` points at each other are not supported, like the thrown values above.
function unwrapAbortError(error) {
	let cause = error;

	// A wrapper with no error to unwrap to is the cause as far as it goes.
	while (cause instanceof AbortError && cause.originalError instanceof Error) {
		cause = cause.originalError;
	}

	return cause;
}

async function onAttemptFailure({error, attemptNumber, retriesConsumed, startTime, options}) {
	// The signal is checked after the operation and after every callback, so a cancellation is never reported as an operation failure or a callback's decision, and no callback runs after it. The last check also guards the delay, whose abort listener never fires on a signal that is already aborted.
	const abortIfNeeded = () => {
		options.signal?.throwIfAborted();
	};

	const normalizedError = error instanceof Error
		? error
		: new TypeError(`Non-error was thrown: "${stringifyThrownValue(error)}". You should only throw errors.`);

	// Checked before unwrapping an `AbortError`, because the reason a caller aborted with is final. Unwrapping it would replace the reason they chose with whatever is inside it, and it would also let an `AbortError` from the operation outrank a cancellation the caller asked for.
	abortIfNeeded();

	if (normalizedError instanceof AbortError) {
		throw unwrapAbortError(normalizedError);
	}

	// `retriesConsumed` only ever advances while `retriesLeft` is above 0, so this is never negative. `Infinity` minus a finite count is `Infinity`, so an unlimited budget needs no special case.
	const retriesLeft = options.retries - retriesConsumed;

	// A `TypeError` normally means the operation itself is broken rather than the thing it was trying to reach, so retrying it does not help. A network `TypeError` is the exception, and its message differs per runtime, so it has to be recognised rather than assumed.
	const isRetriableError = !(normalizedError instanceof TypeError) || isNetworkError(normalizedError);

	// Out of time already, out of retries, or a failure that is never retried, so the delay is 0 and the callbacks are told that no retry follows. Only computed when a retry can still follow, so a randomized delay does not draw from `Math.random` for a wait that is never taken.
	const timeLeft = calculateRemainingTime(startTime, options.maxRetryTime);
	const delayTime = isRetriableError && timeLeft > 0 && retriesLeft > 0 ? calculateDelay(retriesConsumed, options) : 0;

	const consumeRetryContext = Object.freeze({
		error: normalizedError,
		attemptNumber,
		retriesLeft,
		retriesConsumed,
		retryDelay: delayTime,
	});

	// No answer means no opinion, so fall back to the default. Treating it as `false` instead would leave `retries` uncounted and let the loop run forever.
	const consumeRetry = (await options.shouldConsumeRetry(consumeRetryContext)) ?? true;

	abortIfNeeded();

	const effectiveDelay = consumeRetry ? delayTime : 0;
	const context = Object.freeze({
		error: normalizedError,
		attemptNumber,
		retriesLeft,
		retriesConsumed,
		retryDelay: effectiveDelay,
	});

	await options.onFailedAttempt(context);

	abortIfNeeded();

	const remainingTime = calculateRemainingTime(startTime, options.maxRetryTime);

	// No time or budget left, or a failure that retrying cannot help with.
	if (
		!isRetriableError
		|| remainingTime <= 0
		|| retriesLeft <= 0
	) {
		throw normalizedError;
	}

	const shouldRetry = await options.shouldRetry(context);

	abortIfNeeded();

	if (!shouldRetry) {
		throw normalizedError;
	}

	const remainingTimeAfterShouldRetry = calculateRemainingTime(startTime, options.maxRetryTime);

	if (remainingTimeAfterShouldRetry <= 0) {
		throw normalizedError;
	}

	if (!consumeRetry) {
		return false;
	}

	await delayForRetry(Math.min(effectiveDelay, remainingTimeAfterShouldRetry), options);

	return true;
}

async function pRetry(input, options = {}) {
	options = {...options};

	// Applied before validating, so that `null` means "not provided" here as it does for every other option.
	options.retries ??= 10;

	validateRetries(options.retries);

	if (Object.hasOwn(options, 'forever')) {
		throw new Error('The `forever` option is no longer supported. For many use-cases, you can set `retries: Infinity` instead.');
	}

	options.factor ??= 2;
	options.minTimeout ??= 1000;
	options.maxTimeout ??= Infinity;
	options.maxRetryTime ??= Infinity;
	options.randomize ??= false;
	options.onFailedAttempt ??= () => {};
	options.shouldRetry ??= () => true;
	options.shouldConsumeRetry ??= () => true;

	// Validate the options that have a runtime type to check.
	validateOption('onFailedAttempt', options.onFailedAttempt, 'function');
	validateOption('shouldRetry', options.shouldRetry, 'function');
	validateOption('shouldConsumeRetry', options.shouldConsumeRetry, 'function');
	validateOption('randomize', options.randomize, 'boolean');
	validateOption('unref', options.unref, 'boolean');
	validateSignal(options.signal);
	validateNumberOption('factor', options.factor);
	validateNumberOption('minTimeout', options.minTimeout);
	validateNumberOption('maxTimeout', options.maxTimeout, {allowInfinity: true});
	validateNumberOption('maxRetryTime', options.maxRetryTime, {allowInfinity: true});

	// A negative factor is rejected above, so this only catches `0`. Treat it as `1` to keep the delay constant instead of dropping to zero after the first retry.
	if (options.factor === 0) {
		options.factor = 1;
	}

	options.signal?.throwIfAborted();

	let attemptNumber = 0;
	let retriesConsumed = 0;
	const startTime = performance.now();

	// A consumed count is always finite, so `Infinity` keeps this true and needs no special case.
	while (retriesConsumed <= options.retries) {
		attemptNumber++;

		try {
			options.signal?.throwIfAborted();

			const result = await input(attemptNumber);

			options.signal?.throwIfAborted();

			return result;
		} catch (error) {
			if (await onAttemptFailure({
				error,
				attemptNumber,
				retriesConsumed,
				startTime,
				options,
			})) {
				retriesConsumed++;
			}
		}
	}

	// Unreachable: `onAttemptFailure` throws once `retriesLeft` reaches 0, which is the same state the loop condition tests, so the loop is always left by a throw. Kept as a guard against a future change to either side breaking that pairing.
	throw new Error('Retry attempts exhausted without throwing an error.');
}

const silent = { debug: () => undefined };
/**
 * Runs `fn` up to `attempts` times with growing, logged delays. For transient failures of one
 * call (the API server restarting); waiting for a state is `waitFor`'s job.
 */
async function withRetry(what, fn, opts = {}) {
    const log = opts.log ?? silent;
    return pRetry(fn, {
        retries: (opts.attempts ?? 3) - 1,
        minTimeout: opts.minDelayMs ?? 500,
        factor: 2,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft, retryDelay }) => {
            if (retriesLeft > 0)
                log.debug(`${what}: attempt ${attemptNumber} failed (${error.message}); retrying in ${retryDelay}ms`);
        }
    });
}
/** Thrown inside a check to stop waiting at once (the cluster can no longer get there). */
class GiveUp extends Error {
}
/**
 * Observes until `check` reports done or the deadline passes, every `intervalMs`. At the
 * deadline it throws VerificationError saying what was awaited and what was last seen, never
 * a bare timeout. An exception thrown by `check` counts as a look that saw that error.
 */
async function waitFor(what, check, opts) {
    const started = Date.now();
    let last = {
        seen: undefined,
        summary: 'nothing observed yet'
    };
    class NotYet extends Error {
    }
    try {
        return await pRetry(async () => {
            let observation;
            try {
                observation = await check();
            }
            catch (err) {
                // p-retry stops on AbortError and rejects with the error it wraps.
                if (err instanceof GiveUp)
                    throw new AbortError(err);
                observation = {
                    done: false,
                    seen: { error: errorMessage(err) },
                    summary: errorMessage(err)
                };
            }
            if (observation.done)
                return observation.value;
            if (observation.summary !== last.summary)
                opts.onSeen?.(observation.summary);
            last = observation;
            throw new NotYet(observation.summary);
        }, {
            retries: Number.POSITIVE_INFINITY,
            minTimeout: opts.intervalMs,
            factor: 1,
            randomize: false,
            maxRetryTime: opts.timeoutMs,
            signal: opts.signal,
            shouldRetry: () => Date.now() - started < opts.timeoutMs
        });
    }
    catch (err) {
        if (opts.signal?.aborted)
            throw new VerificationError(`Interrupted while waiting for ${what}. Last seen: ${last.summary}`, last.seen);
        if (err instanceof GiveUp)
            throw new VerificationError(`${what}: ${err.message}`, last.seen);
        const waited = ((Date.now() - started) / 1000).toFixed(1);
        throw new VerificationError(`Timed out after ${waited}s waiting for ${what}. Last seen: ${last.summary}`, last.seen);
    }
}

const FIELD_MANAGER = 'es-k8s-verify';
/** Thrown for an answer the API server gave with a non-2xx status, carrying its message. */
class ApiError extends Error {
    status;
    constructor(status, message) {
        super(message);
        this.status = status;
    }
}
function apiMessage(res) {
    try {
        const parsed = JSON.parse(res.body);
        return parsed.message ?? res.body;
    }
    catch {
        return res.body.slice(0, 500);
    }
}
/**
 * The engine's one way to the API server: raw HTTPS with the kubeconfig's credentials, so that
 * paths and query strings (pod proxy included) go out exactly as built.
 */
class KubeClient {
    kubeConfig;
    dispatcher;
    headers = {};
    resourceCache = new Map();
    server;
    constructor(kubeConfig) {
        this.kubeConfig = kubeConfig;
        const cluster = kubeConfig.getCurrentCluster();
        if (!cluster)
            throw new VerificationError('The kubeconfig has no current cluster.');
        this.server = cluster.server.replace(/\/$/, '');
    }
    static fromFile(path, context) {
        const kc = new KubeConfig();
        kc.loadFromFile(path);
        if (context)
            kc.setCurrentContext(context);
        return new KubeClient(kc);
    }
    async connection() {
        if (this.dispatcher)
            return this.dispatcher;
        const opts = {};
        await this.kubeConfig.applyToHTTPSOptions(opts);
        this.headers = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k, String(v)]));
        this.dispatcher = new undiciExports.Agent({
            connect: {
                ca: opts.ca,
                cert: opts.cert,
                key: opts.key,
                rejectUnauthorized: opts.rejectUnauthorized ?? true
            },
            keepAliveTimeout: 10_000,
            connections: 16
        });
        return this.dispatcher;
    }
    /** One request to the API server. Never throws for an HTTP status; throws for a network failure. */
    async raw(method, path, opts = {}) {
        const res = await this.send(method, path, opts);
        return { status: res.statusCode, body: await res.body.text() };
    }
    /**
     * Sends one request and hands back the response unread: `raw` reads it whole under the
     * timeout; a followed stream (`follow`) stays open until the server ends it or its signal aborts.
     */
    async send(method, path, opts, follow) {
        const dispatcher = await this.connection();
        const url = new URL(this.server + path);
        for (const [k, v] of Object.entries(opts.query ?? {}))
            if (v !== undefined)
                url.searchParams.set(k, String(v));
        const timeout = opts.timeoutMs ?? 30_000;
        return undiciExports.request(url, {
            method,
            dispatcher,
            body: opts.body,
            headers: {
                ...this.headers,
                accept: 'application/json',
                ...(opts.contentType ? { 'content-type': opts.contentType } : {})
            },
            headersTimeout: timeout,
            bodyTimeout: follow ? 0 : timeout,
            signal: follow?.signal ?? AbortSignal.timeout(timeout)
        });
    }
    /** A request whose answer must be 2xx JSON; otherwise ApiError with the server's own message. */
    async json(method, path, opts = {}) {
        const res = await this.raw(method, path, opts);
        if (res.status < 200 || res.status > 299)
            throw new ApiError(res.status, apiMessage(res));
        return JSON.parse(res.body);
    }
    /** Checks that the API server answers, with a few bounded retries; one clear error otherwise. */
    async checkReachable() {
        try {
            const version = await withRetry('reach the API server', () => this.json('GET', '/version', { timeoutMs: 10_000 }), { attempts: 4 });
            return version.gitVersion;
        }
        catch (err) {
            throw new VerificationError(`Cannot reach the Kubernetes API server at ${this.server}: ${errorMessage(err)}`);
        }
    }
    /** Finds the REST path of a kind through discovery (cached per group version). */
    async resourceFor(apiVersion, kind) {
        const prefix = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
        const cacheKey = `${apiVersion}/${kind}`;
        if (!this.resourceCache.has(cacheKey)) {
            const list = await this.json('GET', prefix);
            for (const r of list.resources)
                if (!r.name.includes('/'))
                    this.resourceCache.set(`${apiVersion}/${r.kind}`, {
                        plural: r.name,
                        namespaced: r.namespaced
                    });
        }
        const found = this.resourceCache.get(cacheKey);
        if (!found)
            throw new ApiError(404, `the API server does not serve kind ${kind} in ${apiVersion}`);
        return { ...found, prefix };
    }
    /** Server-side apply with field manager es-k8s-verify; the API server's own message on refusal. */
    async apply(obj, namespace) {
        const { plural, namespaced, prefix } = await this.resourceFor(obj.apiVersion, obj.kind);
        const body = namespaced ? { ...obj, metadata: { ...obj.metadata, namespace } } : obj;
        const path = `${prefix}${namespaced ? `/namespaces/${namespace}` : ''}/${plural}/${encodeURIComponent(obj.metadata.name)}`;
        return this.json('PATCH', path, {
            body: JSON.stringify(body),
            contentType: 'application/apply-patch+yaml',
            query: { fieldManager: FIELD_MANAGER, force: true }
        });
    }
    async createNamespace(name, labels) {
        await this.json('POST', '/api/v1/namespaces', {
            body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }),
            contentType: 'application/json'
        });
    }
    async namespaceExists(name) {
        const res = await this.raw('GET', `/api/v1/namespaces/${name}`);
        return res.status === 200;
    }
    async deleteNamespace(name) {
        const res = await this.raw('DELETE', `/api/v1/namespaces/${name}`);
        if (res.status !== 200 && res.status !== 202 && res.status !== 404)
            throw new ApiError(res.status, apiMessage(res));
    }
    async listPods(namespace, selector) {
        const labelSelector = Object.entries(selector)
            .map(([k, v]) => `${k}=${v}`)
            .join(',');
        const list = await this.json('GET', `/api/v1/namespaces/${namespace}/pods`, { query: { labelSelector }, timeoutMs: 10_000 });
        return list.items;
    }
    async getPod(namespace, name) {
        const res = await this.raw('GET', `/api/v1/namespaces/${namespace}/pods/${name}`, {
            timeoutMs: 10_000
        });
        if (res.status === 404)
            return undefined;
        if (res.status !== 200)
            throw new ApiError(res.status, apiMessage(res));
        return JSON.parse(res.body);
    }
    /**
     * Deletes a pod. The grace period and the UID precondition go in the body: with a body,
     * the API server ignores DeleteOptions given as query parameters (seen on v1.34).
     */
    async deletePod(namespace, name, uid, gracePeriodSeconds) {
        await this.json('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}`, {
            body: JSON.stringify({
                apiVersion: 'v1',
                kind: 'DeleteOptions',
                preconditions: { uid },
                ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {})
            }),
            contentType: 'application/json'
        });
    }
    async podLogs(namespace, pod, container, previous, tailLines) {
        const res = await this.raw('GET', `/api/v1/namespaces/${namespace}/pods/${pod}/log`, {
            query: { container, previous: previous || undefined, tailLines },
            timeoutMs: 30_000
        });
        return res.status === 200 ? res.body : undefined;
    }
    /**
     * Follows a container's log from its start until the container exits (the kubelet then ends
     * the stream) or `signal` aborts; resolves with what arrived either way, never rejects on abort.
     */
    async followPodLogs(namespace, pod, container, signal) {
        const chunks = [];
        try {
            const res = await this.send('GET', `/api/v1/namespaces/${namespace}/pods/${pod}/log`, { query: { container, follow: true } }, { signal });
            if (res.statusCode !== 200)
                return `could not follow logs: HTTP ${res.statusCode} ${await res.body.text()}`;
            for await (const chunk of res.body)
                chunks.push(chunk);
        }
        catch (err) {
            if (!signal.aborted)
                chunks.push(Buffer.from(`\n[log stream broke: ${errorMessage(err)}]\n`));
        }
        return Buffer.concat(chunks).toString('utf8');
    }
    async events(namespace) {
        const list = await this.json('GET', `/api/v1/namespaces/${namespace}/events`);
        const time = (e) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '';
        return list.items.sort((a, b) => time(a).localeCompare(time(b)));
    }
    async list(path) {
        const res = await this.raw('GET', path);
        if (res.status !== 200)
            return [];
        return JSON.parse(res.body).items;
    }
    async close() {
        await this.dispatcher?.close();
    }
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
    async request(pod, path, query, timeoutMs) {
        const target = `${this.scheme === 'https' ? 'https:' : ''}${pod}:${this.port}`;
        const res = await this.kube.raw('GET', `/api/v1/namespaces/${this.namespace}/pods/${target}/proxy/${path.replace(/^\//, '')}${queryString(query)}`, { timeoutMs });
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
    static forCluster(kube, namespace, container, port, scheme, credentials) {
        return new ExecCurlTransport(new Exec(kube.kubeConfig), namespace, container, port, scheme, credentials);
    }
    async request(pod, path, query, timeoutMs) {
        const url = `${this.scheme}://localhost:${this.port}/${path.replace(/^\//, '')}${queryString(query)}`;
        const config = this.credentials
            ? `user = "${this.credentials.username.replace(/"/g, '\\"')}:${this.credentials.password.replace(/"/g, '\\"')}"\n`
            : '';
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

/** An answer that was not a success, with the engine's own exception type when it gave one. */
class EsRequestError extends Error {
    status;
    type;
    constructor(status, type, message) {
        super(message);
        this.status = status;
        this.type = type;
    }
}
/** Default wait for one request: short, because waits are the poll loop's business. */
const REQUEST_TIMEOUT_MS = 5000;
/** The requests the verifier makes, each with columns named (never parsed by position). */
class CatApi {
    transport;
    /** Names that differ between the engines; set from the root endpoint's answer. */
    distribution = 'elasticsearch';
    constructor(transport) {
        this.transport = transport;
    }
    async get(pod, path, query = {}, timeoutMs = REQUEST_TIMEOUT_MS) {
        let res;
        try {
            res = await this.transport.request(pod, path, query, timeoutMs);
        }
        catch (err) {
            throw new EsRequestError(0, 'unreachable', `${pod}: ${path}: ${err.message}`);
        }
        if (res.status >= 200 && res.status < 300)
            return JSON.parse(res.body);
        throw describeFailure(pod, path, res);
    }
    async engine(pod) {
        const root = await this.get(pod, '/');
        const distribution = root.version.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch';
        this.distribution = distribution;
        return {
            distribution,
            version: root.version.number,
            major: Number(root.version.number.split('.')[0]),
            clusterName: root.cluster_name,
            clusterUuid: root.cluster_uuid
        };
    }
    /** `_cat/health`. Blocks up to 30 s on a masterless node: ask only where a master is known. */
    async health(pod, timeoutMs = REQUEST_TIMEOUT_MS) {
        const rows = await this.get(pod, '_cat/health', { format: 'json', h: 'cluster,status,node.total,node.data,shards,unassign' }, timeoutMs);
        const row = rows[0] ?? {};
        return {
            cluster: row.cluster,
            status: row.status,
            nodes: Number(row['node.total']),
            dataNodes: Number(row['node.data']),
            shards: Number(row.shards),
            unassigned: Number(row.unassign)
        };
    }
    /** `_cat/nodes` as seen by the elected master (full IDs: the short ones collide). */
    async nodes(pod) {
        const rows = await this.get(pod, '_cat/nodes', {
            format: 'json',
            h: 'id,name,ip,master,node.role',
            full_id: 'true'
        });
        return rows.map((r) => ({
            id: r.id,
            name: r.name,
            ip: r.ip,
            master: r.master,
            roles: r['node.role']
        }));
    }
    /**
     * The elected master as this node itself sees it, answered at once even without a master
     * (`local=true`). Undefined when the node knows none (the row is all '-').
     */
    async localMaster(pod) {
        const route = this.distribution === 'opensearch' ? '_cat/cluster_manager' : '_cat/master';
        const rows = await this.get(pod, route, {
            format: 'json',
            local: 'true'
        });
        const row = rows[0];
        if (!row || row.id === '-' || !row.id)
            return undefined;
        return { id: row.id, name: row.node, ip: row.ip };
    }
    /** The node's own cluster state: cluster UUID, master and members, without asking the master. */
    async localState(pod) {
        const body = await this.get(pod, '_cluster/state/master_node,nodes', {
            local: 'true',
            filter_path: 'cluster_uuid,master_node,nodes.*.name,nodes.*.transport_address'
        });
        return {
            clusterUuid: body.cluster_uuid,
            masterNodeId: body.master_node,
            nodes: body.nodes ?? {}
        };
    }
    /** Raw text of a diagnostic endpoint, for the report directory; never throws. */
    async snapshot(pod, path, query) {
        try {
            const res = await this.transport.request(pod, path, query, REQUEST_TIMEOUT_MS);
            return { status: res.status, body: res.body };
        }
        catch (err) {
            return { status: 0, body: err.message };
        }
    }
}
/** Turns a failed answer into an error naming the engine's exception (master_not_discovered_exception, ...). */
function describeFailure(pod, path, res) {
    let type;
    let reason;
    try {
        const body = JSON.parse(res.body);
        if (typeof body.error === 'object') {
            type = body.error.type;
            reason = body.error.reason ?? undefined;
        }
        else if (res.fromTransport) {
            type = 'unreachable';
            reason = body.message;
        }
    }
    catch {
        reason = res.body.slice(0, 200);
    }
    const what = type ? `${type}${reason ? `: ${reason}` : ''}` : (reason ?? 'no body');
    return new EsRequestError(res.status, type, `${pod}: ${path} answered ${res.status} (${what})`);
}

function isReady(pod) {
    return (!pod.metadata.deletionTimestamp &&
        (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'));
}
/** Finds the most telling reason a pod is not (yet) serving. */
function podReason(pod) {
    const statuses = [
        ...(pod.status?.initContainerStatuses ?? []),
        ...(pod.status?.containerStatuses ?? [])
    ];
    for (const s of statuses) {
        const waiting = s.state?.waiting;
        if (waiting?.reason &&
            waiting.reason !== 'ContainerCreating' &&
            waiting.reason !== 'PodInitializing') {
            return `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
        }
        const terminated = s.state?.terminated;
        if (terminated && terminated.exitCode !== 0)
            return `container ${s.name} exited ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}`;
    }
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False')
        return `${scheduled.reason ?? 'Unschedulable'}: ${scheduled.message ?? ''}`.trim();
    const lastExit = (pod.status?.containerStatuses ?? []).find((s) => s.lastState?.terminated && !s.ready);
    if (lastExit?.lastState?.terminated)
        return `restarted after exit ${lastExit.lastState.terminated.exitCode}`;
    return undefined;
}
function summarizePod(pod) {
    return {
        name: pod.metadata.name,
        uid: pod.metadata.uid,
        phase: pod.status?.phase ?? 'Unknown',
        ready: isReady(pod),
        ip: pod.status?.podIP,
        restarts: (pod.status?.containerStatuses ?? []).reduce((n, s) => n + s.restartCount, 0),
        reason: podReason(pod),
        terminating: !!pod.metadata.deletionTimestamp
    };
}
function describePods(pods) {
    if (pods.length === 0)
        return 'no pods';
    return pods
        .map((p) => {
        const state = p.terminating ? 'Terminating' : p.ready ? 'Ready' : `${p.phase}, not ready`;
        return `${p.name} ${state}${p.restarts ? `, ${p.restarts} restarts` : ''}${p.reason ? ` (${p.reason})` : ''}${p.lastLogLine ? `; its log says: ${p.lastLogLine}` : ''}`;
    })
        .join('; ');
}
function describeHealth(health, expected) {
    if (!health)
        return 'cluster health not known';
    return `cluster ${health.status} with ${health.nodes}/${expected} nodes, ${health.unassigned} unassigned shards`;
}
/** What a log line says about why a node is stuck, most telling first. */
const TELLING_LINES = [
    /bootstrap check failure|^ERROR:|\]\[(ERROR|FATAL) *\]/,
    /ClusterFormationFailureHelper|(master|cluster-manager) not discovered/,
    /\]\[WARN *\]|Exception/
];
/**
 * The line of a log that best says what went wrong: the last line of the most telling kind
 * (an error, then the engine's cluster-formation complaint, then any warning), else the last line.
 * The engine keeps logging after its real complaint, so the last line alone is rarely it.
 */
function tellingLine(log) {
    // Deprecation warnings (loggers o.e.d.* / o.o.d.*) say nothing about why a node is stuck.
    const lines = log
        .trim()
        .split('\n')
        .filter((l) => l && !/\]\[o\.[eo]\.d\.[\w.]* *\]/.test(l));
    for (const pattern of TELLING_LINES) {
        const found = [...lines].reverse().find((l) => pattern.test(l));
        if (found)
            return found;
    }
    return lines[lines.length - 1];
}
/** Adds each pod's most telling recent log line (for the message at a deadline, not for every look). */
async function withLastLogLines(kube, namespace, container, pods) {
    return Promise.all(pods.map(async (p) => {
        const current = await kube
            .podLogs(namespace, p.name, container, false, 50)
            .catch(() => undefined);
        const previous = current?.trim()
            ? undefined
            : await kube.podLogs(namespace, p.name, container, true, 50).catch(() => undefined);
        return { ...p, lastLogLine: tellingLine(current || previous || '') };
    }));
}
/** Asks every given pod for its own view of the elected master, in parallel; errors become strings. */
async function mastersSeenBy(api, pods) {
    const views = await Promise.all(pods.map(async (pod) => {
        try {
            return [pod, await api.localMaster(pod)];
        }
        catch (err) {
            return [pod, `unreachable: ${err.message}`];
        }
    }));
    return new Map(views);
}
/** Maps a node to its pod: by IP first, else by the node name starting with the pod name. */
function podOfNode(node, pods) {
    return (pods.find((p) => p.ip && p.ip === node.ip) ??
        pods.find((p) => node.name === p.name || node.name.startsWith(`${p.name}.`)));
}

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
    try {
        return await waitFor(`the cluster to turn green with ${expectedNodes} nodes`, async () => {
            const pods = (await kube.listPods(namespace, target.selector)).map(summarizePod);
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
            if (ready.length === 0)
                return seen();
            const masters = await mastersSeenBy(api, ready.map((p) => p.name));
            const withMaster = [...masters.entries()].find(([, m]) => m && typeof m !== 'string');
            if (!withMaster)
                return seen();
            const health = await api.health(withMaster[0]);
            lastHealth = health;
            if (health.status === 'green' &&
                health.nodes === expectedNodes &&
                ready.length >= expectedNodes) {
                timeline.record(phase, 'green', `cluster green with ${health.nodes} nodes (asked ${withMaster[0]})`, health);
                return { done: true, value: { health, pods, answeringPod: withMaster[0] } };
            }
            return seen();
        }, {
            timeoutMs,
            intervalMs: target.pollIntervalMs,
            onSeen: (s) => target.logger.debug(s),
            signal: target.signal
        });
    }
    catch (err) {
        if (!(err instanceof VerificationError))
            throw err;
        const pods = await withLastLogLines(kube, namespace, target.container, lastPods);
        const split = await separateClusters(target, pods);
        const message = [
            err.message.split(' Last seen:')[0],
            split ?? '',
            `Pods: ${describePods(pods)}.`,
            `Cluster: ${describeHealth(lastHealth, expectedNodes)}.`
        ]
            .filter(Boolean)
            .join(' ');
        throw new VerificationError(message, { pods, health: lastHealth });
    }
}
/** Names nodes that formed separate clusters (different cluster UUIDs), or undefined. */
async function separateClusters(target, pods) {
    const uuids = new Map();
    await Promise.all(pods
        .filter((p) => p.ready)
        .map(async (p) => {
        const state = await target.api.localState(p.name).catch(() => undefined);
        if (!state?.clusterUuid || state.clusterUuid === '_na_')
            return;
        uuids.set(state.clusterUuid, [...(uuids.get(state.clusterUuid) ?? []), p.name]);
    }));
    if (uuids.size < 2)
        return undefined;
    return `The nodes formed ${uuids.size} separate clusters: ${[...uuids.entries()].map(([u, ps]) => `${ps.join(', ')} in cluster ${u}`).join('; ')}.`;
}

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
            const pods = (await target.kube.listPods(target.namespace, target.selector)).map(summarizePod);
            const pod = podOfNode(view, pods);
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
        onSeen: (s) => target.logger.debug(s),
        signal: target.signal
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
        const nodes = await target.api.nodes(masterPod);
        const row = nodes.find((n) => n.ip === summary.ip || n.name === name || n.name.startsWith(`${name}.`));
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
        onSeen: (s) => target.logger.debug(s),
        signal: target.signal
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
async function notePodReturn(target, phase, round, killedUid) {
    const name = round.masterBefore.pod;
    const pod = await target.kube.getPod(target.namespace, name);
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
        ['persistentvolumeclaims', `/api/v1/namespaces/${namespace}/persistentvolumeclaims`]
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

function xml(text) {
    return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
}
/** JUnit XML with one test case per phase, as CI systems display it. */
function toJUnit(report) {
    const failures = report.phases.filter((p) => p.status === 'failed').length;
    const skipped = report.phases.filter((p) => p.status === 'skipped').length;
    const cases = report.phases.map((p) => {
        const open = `    <testcase classname="es-k8s-verify.${xml(report.statefulset ?? 'run')}" name="${xml(p.title)}" time="${(p.durationMs / 1000).toFixed(3)}"`;
        if (p.status === 'failed')
            return `${open}>\n      <failure message="${xml((p.error ?? '').split('\n')[0].slice(0, 500))}">${xml(p.error ?? '')}</failure>\n    </testcase>`;
        if (p.status === 'skipped')
            return `${open}>\n      <skipped message="${xml(p.reason ?? '')}"/>\n    </testcase>`;
        return `${open}/>`;
    });
    return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        `<testsuites name="es-k8s-verify" tests="${report.phases.length}" failures="${failures}" skipped="${skipped}" time="${(report.durationMs / 1000).toFixed(3)}">`,
        `  <testsuite name="${xml(`${report.provider}/${report.statefulset ?? 'run'}`)}" tests="${report.phases.length}" failures="${failures}" skipped="${skipped}" time="${(report.durationMs / 1000).toFixed(3)}" timestamp="${report.startedAt}">`,
        ...cases,
        '  </testsuite>',
        '</testsuites>',
        ''
    ].join('\n');
}

const NAMESPACE_LABEL = 'es-k8s-verify/run';
/** How long a killed master's log stream may run on once the run is over. */
const LAST_WORDS_GRACE_MS = 2_000;
function runId() {
    return randomBytes(3).toString('hex');
}
function aborted(signal) {
    if (signal?.aborted)
        throw new VerificationError(`Interrupted (${String(signal.reason ?? 'signal')}); collecting logs and cleaning up`);
}
/**
 * Runs the whole scenario: provision, apply, form, then for each round find the elected
 * master, kill its pod, assert a new master and the pod's rejoin; collects logs and reports
 * on every path and removes what the run created. Never throws for a failed verification:
 * the verdict is in the report. Throws UsageError for bad input, before anything is created.
 */
async function verify(options, logger, hooks = {}) {
    const objects = loadManifests(options.manifests);
    const stsObject = selectStatefulSet(objects, options.statefulset);
    const sts = viewStatefulSet(stsObject.object, options.container);
    const expectedNodes = options.expectedNodes ?? sts.replicas;
    const singleNode = sts.env['discovery.type'] === 'single-node' || expectedNodes < 2;
    const id = runId();
    const clusterName = options.clusterName ?? `es-k8s-verify-${id}`;
    const reportDir = options.reportDir ?? mkdtempSync(join(tmpdir(), 'es-k8s-verify-report-'));
    const writer = new ReportWriter(reportDir, [options.password]);
    const workDir = mkdtempSync(join(tmpdir(), 'es-k8s-verify-'));
    chmodSync(workDir, 0o700);
    const timeline = new Timeline();
    const ctx = { logger, workDir };
    const providerKind = await resolveProvider(options.provider, ctx);
    const provider = makeProvider(providerKind, options, clusterName, ctx);
    const startedAt = Date.now();
    const report = {
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
    };
    let kube;
    let namespace = options.namespace;
    let createdNamespace = false;
    let api;
    const collectTarget = () => kube && namespace ? { kube, api, namespace, selector: sts.selector, logger } : undefined;
    const lastWords = [];
    const runner = new PhaseRunner(logger, timeline, [
        async (phase, outcome) => {
            const target = collectTarget();
            if (target && ['form', 'failover', 'rejoin'].some((p) => phase.startsWith(p)))
                await snapshotElasticsearch(target, writer, `${phase}-${outcome}`);
        }
    ]);
    const onSignal = () => logger.warning('Interrupted: collecting logs and cleaning up before exiting');
    hooks.signal?.addEventListener('abort', onSignal);
    try {
        if (options.preflight) {
            await runner.run('lint', 'Preflight: lint the manifests', async () => preflight(objects, logger));
        }
        else {
            runner.skip('lint', 'Preflight: lint the manifests', 'preflight is off');
        }
        const { kubeconfig, context } = await runner.run('provision', `Provision cluster (${providerKind})`, async () => {
            const created = await provider.create();
            hooks.onClusterCreated?.({
                provider: providerKind,
                clusterName: provider.clusterName,
                kubeconfig: created.kubeconfig
            });
            if (options.prepareHost)
                await provider.prepareHost();
            if (options.preloadImages)
                await provider.loadImages(options.image
                    ? [options.image, ...imagesOf(objects).filter((i) => i !== sts.image)]
                    : imagesOf(objects));
            return created;
        });
        aborted(hooks.signal);
        kube = KubeClient.fromFile(kubeconfig, context);
        report.kubernetesVersion = await kube.checkReachable();
        await runner.run('apply', `Apply ${objects.length} objects`, async () => {
            if (!namespace) {
                namespace = `es-k8s-verify-${id}`;
                await kube.createNamespace(namespace, { [NAMESPACE_LABEL]: id });
                createdNamespace = true;
                hooks.onNamespaceCreated?.(namespace);
            }
            else if (!(await kube.namespaceExists(namespace))) {
                await kube.createNamespace(namespace, { [NAMESPACE_LABEL]: id });
                createdNamespace = true;
                hooks.onNamespaceCreated?.(namespace);
            }
            report.namespace = namespace;
            for (const m of objects)
                await applyOne(kube, m, m === stsObject && options.image
                    ? overrideImage(m.object, sts.containerName, options.image)
                    : m.object, namespace, logger);
            timeline.record('apply', 'applied', `applied ${objects.length} objects to namespace ${namespace}`);
        });
        aborted(hooks.signal);
        const transport = options.transport === 'exec' ||
            (options.transport === 'auto' && options.password !== undefined)
            ? ExecCurlTransport.forCluster(kube, namespace, sts.containerName, options.esPort, options.scheme, options.password !== undefined
                ? { username: options.username ?? 'elastic', password: options.password }
                : undefined)
            : new PodProxyTransport(kube, namespace, options.esPort, options.scheme);
        api = new CatApi(transport);
        const target = {
            kube,
            api,
            namespace: namespace,
            selector: sts.selector,
            container: sts.containerName,
            expectedNodes,
            timeline,
            logger,
            pollIntervalMs: options.pollIntervalMs,
            signal: hooks.signal
        };
        const formed = await runner.run('form', `Form: green with ${expectedNodes} nodes`, async () => {
            const result = await waitForGreen(target, 'form', options.formationTimeoutMs);
            const engine = await api.engine(result.answeringPod);
            report.engine = { distribution: engine.distribution, version: engine.version };
            logger.info(`${engine.distribution} ${engine.version}: cluster ${result.health.cluster} green with ${result.health.nodes} nodes`);
            return result;
        });
        report.timeToGreenMs =
            timeline.first('green').at - timeline.entries.find((e) => e.event === 'applied').at;
        if (singleNode) {
            report.failoverSkipped = `single-node cluster (${sts.env['discovery.type'] === 'single-node' ? 'discovery.type=single-node' : `${expectedNodes} node expected`}): there is no other node to elect`;
            runner.skip('failover', 'Kill the elected master', report.failoverSkipped);
        }
        else if (options.rounds === 0) {
            report.failoverSkipped = 'rounds is 0';
            runner.skip('failover', 'Kill the elected master', report.failoverSkipped);
        }
        let askPod = formed.answeringPod;
        for (let round = 1; !singleNode && round <= options.rounds; round++) {
            aborted(hooks.signal);
            const suffix = options.rounds > 1 ? ` (round ${round}/${options.rounds})` : '';
            let killedUid = '';
            let podWatch;
            const state = await runner.run(`failover-${round}`, `Kill the elected master${suffix}`, async () => {
                const { master, nodes } = await findMaster(target, askPod);
                report.nodeIds = Object.fromEntries(nodes.map((n) => [n.name, n.id]));
                logger.info(`Elected master: ${master.node} in pod ${master.pod}`);
                const { killedAt, uid } = await killMaster(target, `failover-${round}`, master, options.killMode, (pod) => lastWords.push(captureLastWords(target, writer, pod, `killed-round-${round}`)));
                const r = {
                    round,
                    killMode: options.killMode,
                    masterBefore: master,
                    killedAt,
                    nodeIdBefore: master.nodeId
                };
                report.rounds.push(r);
                killedUid = uid;
                // Watch for the pod's return from the kill on, across the election and the rejoin.
                podWatch = runner.startMonitor(`pod-watch-${round}`, options.pollIntervalMs, async () => {
                    await notePodReturn(target, `failover-${round}`, r, uid);
                });
                const survivors = formed.pods.map((p) => p.name).filter((n) => n !== master.pod);
                r.masterAfter = await waitForNewMaster(target, `failover-${round}`, r, survivors, options.failoverTimeoutMs);
                logger.info(`New master: ${r.masterAfter.node} after ${formatDuration(r.newMasterMs ?? 0)}${r.masterLostMs !== undefined ? ` (master lost seen after ${formatDuration(r.masterLostMs)})` : ''}`);
                return r;
            });
            await runner.run(`rejoin-${round}`, `Rejoin: ${state.masterBefore.pod} back and green${suffix}`, async () => {
                await waitForRejoin(target, `rejoin-${round}`, state, killedUid, options.rejoinTimeoutMs);
                await podWatch?.stop();
                logger.info(`${state.masterBefore.pod} back after ${formatDuration(state.podBackMs ?? 0)}, rejoined after ${formatDuration(state.rejoinedMs ?? 0)}, green after ${formatDuration(state.greenMs ?? 0)}`);
                if (!state.nodeIdPersisted) {
                    const message = `${state.masterBefore.pod} rejoined with a new node ID (${state.nodeIdAfter}, was ${state.nodeIdBefore}): its data path is not on a persistent volume, so its data and identity were lost`;
                    if (options.requirePersistentIdentity)
                        throw new VerificationError(message);
                    report.warnings.push(message);
                    logger.warning(message, { file: stsObject.file, line: stsObject.line });
                }
            });
            askPod = state.masterAfter.pod;
        }
        const first = report.rounds[0];
        if (first) {
            report.masterBefore = first.masterBefore;
            report.masterAfter = first.masterAfter;
            report.failoverMs = first.newMasterMs;
            report.rejoinMs = first.greenMs;
        }
        report.verdict = 'passed';
    }
    catch (err) {
        if (err instanceof UsageError)
            throw err;
        const failed = runner.results.find((p) => p.status === 'failed');
        report.error = {
            phase: failed?.name,
            message: errorMessage(err),
            lastSeen: err instanceof VerificationError ? err.lastSeen : undefined,
            location: err instanceof ManifestError ? err.location : undefined
        };
        logger.error(errorMessage(err), report.error.location);
    }
    finally {
        hooks.signal?.removeEventListener('abort', onSignal);
        await runner.stopMonitors();
        report.phases = runner.results;
        await logger.group('Collect logs and reports', async () => {
            // A killed master's stream ends when its process does; cut any that outlive the run.
            await Promise.all(lastWords.map((capture) => capture.stop(LAST_WORDS_GRACE_MS)));
            const target = collectTarget();
            if (target)
                await collectKubernetes(target, writer).catch((err) => logger.warning(`Collecting Kubernetes objects and logs failed: ${errorMessage(err)}`));
            await provider
                .exportLogs(join(reportDir, 'provider'))
                .catch((err) => logger.warning(`Exporting ${providerKind} logs failed: ${errorMessage(err)}`));
        });
        await logger.group('Clean up', async () => {
            if (options.keepCluster) {
                logger.info(`Keeping ${provider.created ? `cluster ${provider.clusterName}` : `namespace ${namespace}`} as asked (keep-cluster)`);
                return;
            }
            if (provider.created) {
                await provider.destroy().catch((err) => {
                    report.warnings.push(`Cleanup: ${errorMessage(err)}`);
                    logger.warning(`Deleting the cluster failed (the verdict stands): ${errorMessage(err)}`);
                });
            }
            else if (kube && namespace && createdNamespace) {
                await kube.deleteNamespace(namespace).catch((err) => {
                    report.warnings.push(`Cleanup: ${errorMessage(err)}`);
                    logger.warning(`Deleting namespace ${namespace} failed (the verdict stands): ${errorMessage(err)}`);
                });
            }
            rmSync(workDir, { recursive: true, force: true });
        });
        await kube?.close();
        const endedAt = Date.now();
        report.endedAt = new Date(endedAt).toISOString();
        report.durationMs = endedAt - startedAt;
        report.phases = runner.results;
        writer.write('timeline.json', timeline.entries);
        writer.write('report.json', report);
        writer.write('junit.xml', toJUnit(report));
    }
    return report;
}
/** A problem in the manifests found by the preflight or by the API server, with where it is. */
class ManifestError extends VerificationError {
    location;
    constructor(message, location) {
        super(message);
        this.location = location;
    }
}
/** Lints the manifests before anything is created: errors stop the run, warnings are reported. */
function preflight(objects, logger) {
    const { findings } = lintObjects(objects);
    for (const f of findings) {
        const text = `[${f.ruleId}] ${f.message} Fix: ${f.hint}`;
        const location = { file: f.file, line: f.line, column: f.column };
        if (f.severity === 'error')
            logger.error(text, location);
        else if (f.severity === 'warning')
            logger.warning(text, location);
        else
            logger.info(`${f.file}:${f.line}: ${text}`);
    }
    const errors = findings.filter((f) => f.severity === 'error');
    if (errors.length) {
        const first = errors[0];
        throw new ManifestError(`${errors.length} manifest error(s) found before creating anything; the first: ${first.file}:${first.line}: [${first.ruleId}] ${first.message} (set preflight: false to run anyway)`, { file: first.file, line: first.line });
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

export { ManifestError, NAMESPACE_LABEL, verify };
