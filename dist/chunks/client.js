import { createHash } from 'node:crypto';
import { readFileSync, chmodSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { arch } from 'node:os';
import { K as KIND_SHA256, a as withRetry, V as VerificationError, e as errorMessage } from './retry.js';
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
/**
 * Deletes a kind cluster and checks that kind no longer lists it: on a busy Docker engine a
 * delete can end without removing every node (seen once under load in the tests), and a cluster
 * left behind keeps running on the user's machine. Retried twice, logged.
 */
async function deleteKindCluster(kind, clusterName, log) {
    await withRetry(`Deleting kind cluster ${clusterName}`, async () => {
        await kind.run(`Deleting kind cluster ${clusterName}`, [
            'delete',
            'cluster',
            '--name',
            clusterName
        ]);
        const listed = await kind.run('Listing kind clusters', ['get', 'clusters']);
        if (listed.stdout.split('\n').includes(clusterName))
            throw new Error(`kind still lists cluster ${clusterName} after deleting it`);
    }, { attempts: 3, minDelayMs: 2000, log });
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
    /**
     * Loads the images into every node with one `kind load docker-image`. An image the Docker
     * engine already has is not pulled again: what was built or loaded locally is what runs.
     */
    async loadImages(images) {
        if (!images.length)
            return;
        const docker = await Tool.find('docker', this.ctx, 'Image preloading needs the Docker CLI.');
        for (const image of images) {
            const local = await docker.run(`Looking up ${image}`, ['image', 'inspect', image], {
                allowFailure: true
            });
            if (local.exitCode === 0)
                this.ctx.logger.info(`${image} is in the Docker engine already`);
            else
                await docker.run(`Pulling ${image}`, ['pull', image]);
        }
        await this.kind.run(`Loading ${images.length} image(s) into kind`, [
            'load',
            'docker-image',
            ...images,
            '--name',
            this.clusterName
        ]);
    }
    async exportLogs(dir) {
        if (!this.kind || !this.created)
            return;
        await this.kind.run('Exporting kind logs', ['export', 'logs', dir, '--name', this.clusterName]);
    }
    async destroy() {
        if (!this.kind || !this.created)
            return;
        await deleteKindCluster(this.kind, this.clusterName, this.ctx.logger);
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
 * The local cluster of this repository: the upstream control plane and node (kubelet on
 * containerd) running images of real engines built here, no Docker. See local-cluster/README.md.
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
            await deleteKindCluster(kind, clusterName, ctx.logger);
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

export { ApiError as A, KubeClient as K, deleteCluster as d, makeProvider as m, resolveProvider as r };
