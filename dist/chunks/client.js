import { createHash } from 'node:crypto';
import { readFileSync, chmodSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { arch } from 'node:os';
import { K as KIND_SHA256, V as VerificationError, e as errorMessage } from './errors.js';
import { fileURLToPath } from 'node:url';
import { K as KubeConfig, u as undiciExports } from './index.js';
import 'url';
import 'node:querystring';
import 'node:stream';

/**
 * One external program, run with argument arrays (never a shell string). Each call logs its
 * full command line at debug level and turns a non-zero exit into an Error that says what was
 * being done and ends with the program's stderr.
 */
class Tool {
    path;
    leadingArgs;
    logger;
    system;
    constructor(path, ctx, 
    /** Arguments that go before every call's own (a script for `node`, for example). */
    leadingArgs = []) {
        this.path = path;
        this.leadingArgs = leadingArgs;
        this.logger = ctx.logger;
        this.system = ctx.system;
    }
    /** Finds a program on PATH once; a clear, actionable error when it is missing. */
    static async find(name, ctx, hint) {
        const path = await ctx.system.which(name);
        if (!path)
            throw new Error(`${name} was not found on PATH. ${hint}`);
        return new Tool(path, ctx);
    }
    async run(what, args, opts = {}) {
        const all = [...this.leadingArgs, ...args];
        this.logger.debug(`$ ${[this.path, ...all].join(' ')}`);
        const result = await this.system.exec(this.path, all, {
            // Always explicit: a child must see this process's environment as it is now.
            env: { ...process.env, ...opts.env },
            input: opts.input
        });
        if (result.exitCode !== 0 && !opts.allowFailure) {
            const tail = (result.stderr || result.stdout).trim().split('\n').slice(-15).join('\n');
            throw new Error(`${what} failed: ${[this.path, ...all].join(' ')} exited ${result.exitCode}${tail ? `:\n${tail}` : ''}`);
        }
        return result;
    }
}

const MAX_MAP_COUNT = 262144;

/** Raises this machine's vm.max_map_count when lower than required (kind nodes share this kernel). */
async function prepareLocalHost(ctx, required, procFile = '/proc/sys/vm/max_map_count') {
    const { logger } = ctx;
    const current = Number(readFileSync(procFile, 'utf8').trim());
    if (current >= required) {
        logger.info(`vm.max_map_count is already ${current} (at least ${required} needed)`);
        return;
    }
    logger.info(`vm.max_map_count is ${current}; raising it to ${required}`);
    const asRoot = process.getuid?.() === 0;
    const tool = await Tool.find(asRoot ? 'sysctl' : 'sudo', ctx, 'Raising vm.max_map_count needs sysctl (as root) or sudo; or pass prepare-host: false and prepare the host yourself.');
    await tool.run('Raising vm.max_map_count', asRoot
        ? ['-w', `vm.max_map_count=${required}`]
        : ['sysctl', '-w', `vm.max_map_count=${required}`]);
}

const KIND_RELEASES = 'https://github.com/kubernetes-sigs/kind/releases/download';
/** The sha256 from a `.sha256sum` file ("<hex>  <name>"). */
function parseSha256Sum(text) {
    const hex = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    if (!/^[0-9a-f]{64}$/.test(hex))
        throw new Error(`not a sha256sum file: '${text.slice(0, 80)}'`);
    return hex;
}
function sha256File(path) {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
}
/**
 * Finds kind at the requested version: the one on PATH when it matches, else the tool cache,
 * else the release binary, verified against its published sha256 before it is ever run.
 */
async function ensureKind(version, ctx, opts = {}) {
    const releases = opts.releases ?? KIND_RELEASES;
    const onPath = await ctx.system.which('kind');
    if (onPath) {
        const out = await new Tool(onPath, ctx).run('kind version', ['version'], {
            allowFailure: true
        });
        const found = /kind (v\d+\.\d+\.\d+)/.exec(out.stdout)?.[1];
        if (found === version) {
            ctx.logger.info(`Using kind ${found} from ${onPath}`);
            return new Tool(onPath, ctx);
        }
        ctx.logger.info(`kind on PATH is ${found ?? 'of unknown version'}; ${version} was asked for`);
    }
    const platformArch = arch() === 'arm64' ? 'arm64' : 'amd64';
    const cached = ctx.system.findCached('kind', version.replace(/^v/, ''), platformArch);
    if (cached)
        return new Tool(join(cached, 'kind'), ctx);
    const url = `${releases}/${version}/kind-linux-${platformArch}`;
    ctx.logger.info(`Downloading ${url}`);
    const pinned = KIND_SHA256[version]?.[platformArch];
    if (!pinned && !opts.allowUnpinned)
        throw new Error(`kind ${version} has no checksum pinned in es-k8s-verify (pinned: ${Object.keys(KIND_SHA256).join(', ')}); set kind-unpinned: true to trust the .sha256sum published beside the binary.`);
    const binary = await ctx.system.download(url, join(ctx.workDir, `kind-${version}`));
    let expected = pinned;
    let source = 'pinned in es-k8s-verify';
    if (!expected) {
        const sumFile = await ctx.system.download(`${url}.sha256sum`, join(ctx.workDir, `kind-${version}.sha256sum`));
        expected = parseSha256Sum(readFileSync(sumFile, 'utf8'));
        source = `from ${url}.sha256sum, as kind-unpinned allows`;
        ctx.logger.warning(`kind ${version} is checked only against ${url}.sha256sum (kind-unpinned)`);
    }
    const actual = sha256File(binary);
    if (actual !== expected) {
        throw new Error(`Checksum mismatch for ${url}: expected sha256 ${expected} (${source}), got ${actual}. The binary was not run.`);
    }
    ctx.logger.info(`kind ${version} verified: sha256 ${actual}`);
    chmodSync(binary, 0o755);
    const dir = await ctx.system.cache(binary, 'kind', 'kind', version.replace(/^v/, ''), platformArch);
    return new Tool(join(dir, 'kind'), ctx);
}
class KindProvider {
    clusterName;
    opts;
    ctx;
    name = 'kind';
    created = false;
    kind;
    kubeconfig;
    constructor(clusterName, opts, ctx) {
        this.clusterName = clusterName;
        this.opts = opts;
        this.ctx = ctx;
        this.kubeconfig = join(ctx.workDir, 'kubeconfig');
    }
    async create() {
        this.kind = await ensureKind(this.opts.version, this.ctx, {
            allowUnpinned: this.opts.allowUnpinned
        });
        const args = [
            'create',
            'cluster',
            '--name',
            this.clusterName,
            '--wait',
            '5m',
            '--kubeconfig',
            this.kubeconfig
        ];
        if (this.opts.nodeImage)
            args.push('--image', this.opts.nodeImage);
        if (this.opts.config)
            args.push('--config', this.opts.config);
        this.created = true;
        await this.kind.run(`Creating kind cluster ${this.clusterName}`, args);
        chmodSync(this.kubeconfig, 0o600);
        return { kubeconfig: this.kubeconfig };
    }
    /** kind nodes are containers on the host's kernel: the host's own setting is the one that counts. */
    async prepareHost() {
        await prepareLocalHost(this.ctx, MAX_MAP_COUNT);
    }
    async loadImages(images) {
        const docker = await Tool.find('docker', this.ctx, 'Image preloading needs the Docker CLI.');
        for (const image of images) {
            await docker.run(`Pulling ${image}`, ['pull', image]);
            await this.kind.run(`Loading ${image} into kind`, [
                'load',
                'docker-image',
                image,
                '--name',
                this.clusterName
            ]);
        }
    }
    async exportLogs(dir) {
        if (!this.kind || !this.created)
            return;
        await this.kind.run('Exporting kind logs', ['export', 'logs', dir, '--name', this.clusterName]);
    }
    async destroy() {
        if (!this.kind || !this.created)
            return;
        await this.kind.run(`Deleting kind cluster ${this.clusterName}`, [
            'delete',
            'cluster',
            '--name',
            this.clusterName
        ]);
        this.created = false;
    }
}

class MinikubeProvider {
    clusterName;
    opts;
    ctx;
    name = 'minikube';
    created = false;
    minikube;
    kubeconfig;
    constructor(clusterName, opts, ctx) {
        this.clusterName = clusterName;
        this.opts = opts;
        this.ctx = ctx;
        this.kubeconfig = join(ctx.workDir, 'kubeconfig');
    }
    /** minikube writes its context into $KUBECONFIG: point it at the run's private file. */
    get env() {
        return { KUBECONFIG: this.kubeconfig };
    }
    async create() {
        this.minikube = await Tool.find('minikube', this.ctx, 'Install minikube (ubuntu-latest runners ship it) or choose provider kind.');
        writeFileSync(this.kubeconfig, '', { mode: 0o600 });
        const args = [
            'start',
            '-p',
            this.clusterName,
            '--driver=docker',
            `--memory=${this.opts.memoryMb}`,
            `--cpus=${this.opts.cpus}`,
            '--wait=all'
        ];
        if (this.opts.kubernetesVersion)
            args.push(`--kubernetes-version=${this.opts.kubernetesVersion}`);
        this.created = true;
        await this.minikube.run(`Starting minikube profile ${this.clusterName}`, args, {
            env: this.env
        });
        chmodSync(this.kubeconfig, 0o600);
        return { kubeconfig: this.kubeconfig, context: this.clusterName };
    }
    /** The minikube node has its own kernel settings: raise them inside it, as the article had to. */
    async prepareHost() {
        const read = await this.minikube.run('Reading vm.max_map_count in the minikube node', ['ssh', '-p', this.clusterName, '--', 'sysctl', '-n', 'vm.max_map_count'], { env: this.env });
        const current = Number(read.stdout.trim());
        if (current >= MAX_MAP_COUNT) {
            this.ctx.logger.info(`vm.max_map_count in the minikube node is already ${current}`);
            return;
        }
        this.ctx.logger.info(`vm.max_map_count in the minikube node is ${current}; raising it to ${MAX_MAP_COUNT}`);
        await this.minikube.run('Raising vm.max_map_count in the minikube node', [
            'ssh',
            '-p',
            this.clusterName,
            '--',
            'sudo',
            'sysctl',
            '-w',
            `vm.max_map_count=${MAX_MAP_COUNT}`
        ], { env: this.env });
    }
    async loadImages(images) {
        for (const image of images) {
            await this.minikube.run(`Loading ${image} into minikube`, ['image', 'load', image, '-p', this.clusterName], { env: this.env });
        }
    }
    async exportLogs(dir) {
        if (!this.minikube || !this.created)
            return;
        await this.minikube.run('Exporting minikube logs', ['logs', '-p', this.clusterName, `--file=${join(dir, 'minikube.log')}`], { env: this.env });
    }
    async destroy() {
        if (!this.minikube || !this.created)
            return;
        await this.minikube.run(`Deleting minikube profile ${this.clusterName}`, ['delete', '-p', this.clusterName], { env: this.env });
        this.created = false;
    }
}

/** A cluster the user already has: nothing is created here, and nothing but the run's namespace is removed. */
class ExistingProvider {
    kubeconfig;
    context;
    ctx;
    name = 'existing';
    created = false;
    constructor(kubeconfig, context, ctx) {
        this.kubeconfig = kubeconfig;
        this.context = context;
        this.ctx = ctx;
    }
    get clusterName() {
        return this.context ?? 'current-context';
    }
    async create() {
        return { kubeconfig: this.kubeconfig, context: this.context };
    }
    async prepareHost() {
        this.ctx.logger.info('Existing cluster: its nodes are not ours to change; make sure vm.max_map_count is at least 262144 on them (or set node.store.allow_mmap: false).');
    }
    async loadImages() {
        this.ctx.logger.info('Existing cluster: images are pulled by its nodes; nothing to preload.');
    }
    async exportLogs() { }
    async destroy() { }
}

/** Finds the local cluster's entry point: bundled next to this file, or compiled under lib/. */
function localClusterScript(from = dirname(fileURLToPath(import.meta.url))) {
    if (process.env.ES_K8S_VERIFY_LOCAL_CLUSTER)
        return process.env.ES_K8S_VERIFY_LOCAL_CLUSTER;
    let dir = from;
    for (let i = 0; i < 6; i++) {
        for (const candidate of [
            join(dir, 'dist', 'local-cluster.js'),
            join(dir, 'local-cluster.js'),
            join(dir, 'lib', 'local-cluster', 'agent', 'main.js')
        ]) {
            if (existsSync(candidate))
                return candidate;
        }
        dir = resolve(dir, '..');
    }
    throw new Error('The local cluster (dist/local-cluster.js) was not found next to es-k8s-verify; set ES_K8S_VERIFY_LOCAL_CLUSTER to its path.');
}
/**
 * The local cluster of this repository: upstream control plane, our node agent and real
 * engines as local processes, no Docker. See local-cluster/README.md.
 */
class LocalProvider {
    clusterName;
    ctx;
    name = 'local';
    created = false;
    tool;
    kubeconfig;
    constructor(clusterName, ctx) {
        this.clusterName = clusterName;
        this.ctx = ctx;
        this.tool = new Tool(process.execPath, ctx, [localClusterScript()]);
        this.kubeconfig = join(ctx.workDir, 'kubeconfig');
    }
    async create() {
        this.created = true;
        await this.tool.run(`Starting local cluster ${this.clusterName}`, [
            'up',
            '--name',
            this.clusterName,
            '--detach',
            '--kubeconfig',
            this.kubeconfig
        ]);
        return { kubeconfig: this.kubeconfig };
    }
    /** Each local node keeps its own vm.max_map_count, as a minikube VM does. */
    async prepareHost() {
        const read = await this.tool.run('Reading vm.max_map_count of the local node', [
            'sysctl',
            '--name',
            this.clusterName
        ]);
        const current = Number(/(\d+)/.exec(read.stdout)?.[1] ?? 0);
        if (current >= MAX_MAP_COUNT) {
            this.ctx.logger.info(`vm.max_map_count on the local node is already ${current}`);
            return;
        }
        this.ctx.logger.info(`vm.max_map_count on the local node is ${current}; raising it to ${MAX_MAP_COUNT}`);
        await this.tool.run('Raising vm.max_map_count on the local node', [
            'sysctl',
            '--name',
            this.clusterName,
            `vm.max_map_count=${MAX_MAP_COUNT}`
        ]);
    }
    async loadImages(images) {
        this.ctx.logger.info(`The local cluster maps images to engines built from Maven Central; nothing to load for ${images.join(', ')}`);
    }
    async exportLogs(dir) {
        if (!this.created)
            return;
        await this.tool.run('Exporting local cluster logs', [
            'logs',
            '--name',
            this.clusterName,
            '--dir',
            dir
        ]);
    }
    /** Stops the cluster of this name whether or not this object started it. */
    async destroyByName() {
        await this.tool.run(`Stopping local cluster ${this.clusterName}`, [
            'down',
            '--name',
            this.clusterName
        ]);
    }
    async destroy() {
        if (!this.created)
            return;
        await this.tool.run(`Stopping local cluster ${this.clusterName}`, [
            'down',
            '--name',
            this.clusterName
        ]);
        this.created = false;
    }
}

/** auto: kind when a Docker engine answers, else the local cluster. */
async function resolveProvider(provider, ctx) {
    if (provider !== 'auto')
        return provider;
    try {
        const docker = await Tool.find('docker', ctx, '');
        const info = await docker.run('docker info', ['info', '--format', '{{.ServerVersion}}'], {
            allowFailure: true
        });
        if (info.exitCode === 0 && info.stdout.trim()) {
            ctx.logger.info(`provider auto: a Docker engine (${info.stdout.trim()}) answers; using kind`);
            return 'kind';
        }
    }
    catch {
        // No docker CLI at all.
    }
    ctx.logger.info('provider auto: no Docker engine answers; using the local cluster');
    return 'local';
}
function makeProvider(kind, options, clusterName, ctx) {
    switch (kind) {
        case 'kind':
            return new KindProvider(clusterName, {
                version: options.kindVersion,
                allowUnpinned: options.kindUnpinned,
                nodeImage: options.kindNodeImage,
                config: options.kindConfig
            }, ctx);
        case 'minikube':
            return new MinikubeProvider(clusterName, {
                memoryMb: options.minikubeMemory,
                cpus: options.minikubeCpus,
                kubernetesVersion: options.kubernetesVersion
            }, ctx);
        case 'existing':
            return new ExistingProvider(options.kubeconfig, options.context, ctx);
        case 'local':
            return new LocalProvider(clusterName, ctx);
    }
}
/**
 * Deletes a cluster by provider and name, for a cleanup that runs without the provider object
 * (the action's post step after main was cancelled).
 */
async function deleteCluster(provider, clusterName, ctx) {
    switch (provider) {
        case 'kind': {
            const kind = await Tool.find('kind', ctx, 'Cannot delete the kind cluster.');
            await kind.run(`Deleting kind cluster ${clusterName}`, [
                'delete',
                'cluster',
                '--name',
                clusterName
            ]);
            return;
        }
        case 'minikube': {
            const minikube = await Tool.find('minikube', ctx, 'Cannot delete the minikube profile.');
            await minikube.run(`Deleting minikube profile ${clusterName}`, ['delete', '-p', clusterName]);
            return;
        }
        case 'local':
            await new LocalProvider(clusterName, ctx).destroyByName();
            return;
        default:
            return;
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
/** A wait that sees no change still says what it awaits this often (silence looks like a hang). */
const PROGRESS_EVERY_MS = 10_000;
/** Thrown inside a check to stop waiting at once (the cluster can no longer get there). */
class GiveUp extends Error {
}
/** Re-looks after a wake that did not yet show the awaited state: a log line can precede the API's view by a few ms. */
const AFTER_WAKE_MS = [40, 120];
/**
 * Observes until `check` reports done or the deadline passes: every `intervalMs`, and at once
 * when `wake` resolves (a watched change). At the deadline it throws VerificationError saying
 * what was awaited and what was last seen, never a bare timeout. An exception thrown by
 * `check` counts as a look that saw that error; GiveUp ends the wait with its cause.
 */
async function waitFor(what, check, opts) {
    const started = Date.now();
    let last = {
        seen: undefined,
        summary: 'nothing observed yet'
    };
    let toldAt = started;
    let told = '';
    let quickLooks = [];
    for (;;) {
        if (opts.signal?.aborted)
            throw new VerificationError(`Interrupted while waiting for ${what}. Last seen: ${last.summary}`, last.seen);
        let observation;
        try {
            observation = await check();
        }
        catch (err) {
            if (err instanceof GiveUp)
                // The cause first: it is what the reader needs, the wait is context.
                throw new VerificationError(`${err.message}\nGave up waiting for ${what} after ${((Date.now() - started) / 1000).toFixed(1)}s: this cannot heal by itself.`, last.seen);
            observation = { done: false, seen: { error: errorMessage(err) }, summary: errorMessage(err) };
        }
        if (observation.done)
            return observation.value;
        last = observation;
        const now = Date.now();
        if (observation.summary !== told || now - toldAt >= PROGRESS_EVERY_MS) {
            opts.onProgress?.(`waiting ${((now - started) / 1000).toFixed(0)}s for ${what}: ${observation.summary}`);
            told = observation.summary;
            toldAt = now;
        }
        const left = opts.timeoutMs - (now - started);
        if (left <= 0)
            throw new VerificationError(`Timed out after ${((now - started) / 1000).toFixed(1)}s waiting for ${what}. Last seen: ${observation.summary}`, observation.seen);
        const pause = Math.min(quickLooks.shift() ?? opts.intervalMs, left);
        if (await pauseOrWake(pause, opts.signal, opts.wake))
            quickLooks = [...AFTER_WAKE_MS];
    }
}
/** Sleeps `ms` unless `wake` resolves or `signal` aborts first; true when woken by a change. */
async function pauseOrWake(ms, signal, wake) {
    const stop = new AbortController();
    const sleep = sleepFor(ms, signal ? AbortSignal.any([signal, stop.signal]) : stop.signal).then(() => false);
    const woken = wake ? wake().then(() => true) : new Promise(() => undefined);
    const result = await Promise.race([sleep, woken]);
    stop.abort();
    return result;
}
/** Sleeps `ms`, or less when `signal` aborts first; never rejects. */
function sleepFor(ms, signal) {
    return new Promise((resolve) => {
        if (signal.aborted)
            return resolve();
        const timer = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
        }, { once: true });
    });
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
    /** A StatefulSet's spec and rollout status, or undefined when it does not exist. */
    async getStatefulSet(namespace, name) {
        const res = await this.raw('GET', `/apis/apps/v1/namespaces/${namespace}/statefulsets/${encodeURIComponent(name)}`, { timeoutMs: 10_000 });
        if (res.status === 404)
            return undefined;
        if (res.status !== 200)
            throw new ApiError(res.status, apiMessage(res));
        return JSON.parse(res.body);
    }
    async listPods(namespace, selector) {
        return (await this.listPodsForWatch(namespace, selector)).pods;
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
    /**
     * Streams a followed response line by line to `onLine` until the server ends it or `signal`
     * aborts; resolves either way, with the reason it ended when that was not the abort.
     */
    async streamLines(path, query, signal, onLine) {
        try {
            const res = await this.send('GET', path, { query }, { signal });
            if (res.statusCode !== 200) {
                const why = `HTTP ${res.statusCode} ${(await res.body.text()).slice(0, 300)}`;
                return why;
            }
            let rest = '';
            for await (const chunk of res.body) {
                const lines = (rest + chunk.toString('utf8')).split('\n');
                rest = lines.pop() ?? '';
                for (const line of lines)
                    if (line)
                        onLine(line);
            }
            if (rest)
                onLine(rest);
            return 'the server ended the stream';
        }
        catch (err) {
            return signal.aborted ? undefined : errorMessage(err);
        }
    }
    /**
     * Watches the pods a selector matches from `resourceVersion` on: each ADDED, MODIFIED or
     * DELETED object goes to `onEvent` as the API server sends it. Resolves when the watch ends
     * (server timeout, error, abort) with why, so that the caller can list and watch again.
     */
    async watchPods(namespace, selector, resourceVersion, signal, onEvent) {
        const labelSelector = labelSelectorOf(selector);
        return this.streamLines(`/api/v1/namespaces/${namespace}/pods`, { labelSelector, watch: true, resourceVersion, allowWatchBookmarks: false }, signal, (line) => {
            const event = JSON.parse(line);
            onEvent(event.type, event.object);
        });
    }
    /** Lists the pods a selector matches, with the list's resourceVersion to watch from. */
    async listPodsForWatch(namespace, selector) {
        const labelSelector = labelSelectorOf(selector);
        const list = await this.json('GET', `/api/v1/namespaces/${namespace}/pods`, { query: { labelSelector }, timeoutMs: 10_000 });
        return { pods: list.items, resourceVersion: list.metadata.resourceVersion };
    }
    /** Follows a container's log from now on (tailLines=0), line by line, until it ends or `signal` aborts. */
    async followPodLogLines(namespace, pod, container, signal, onLine) {
        return this.streamLines(`/api/v1/namespaces/${namespace}/pods/${pod}/log`, { container, follow: true, tailLines: 0 }, signal, onLine);
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
/** `k=v,k2=v2`: the API's form of an equality selector. */
function labelSelectorOf(selector) {
    return Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
}

export { ApiError as A, GiveUp as G, KubeClient as K, deleteCluster as d, makeProvider as m, resolveProvider as r, sleepFor as s, waitFor as w };
