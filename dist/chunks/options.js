import { readFileSync, existsSync, statSync, lstatSync, accessSync, constants, readdirSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { p as parseDuration, b as distExports } from './availability.js';
import { U as UsageError, K as KIND_SHA256 } from './retry.js';

const PROVIDERS = ['auto', 'kind', 'minikube', 'existing', 'local'];
const KILL_MODES = ['graceful', 'force'];
const TRANSPORTS = ['auto', 'proxy', 'exec'];
const MODES = ['verify', 'lint'];
const SCENARIOS = ['failover', 'restart', 'rolling-upgrade'];
/** No wait is longer than a day; longer values are typos (and overflow Node's timers). */
const MAX_DURATION_MS = 24 * 3_600_000;
/** The options, in the order the help, action.yml and README show them. */
const OPTION_SPECS = [
    {
        name: 'mode',
        key: 'mode',
        kind: 'enum',
        values: MODES,
        default: 'verify',
        description: 'verify runs the whole scenario; lint only checks the manifests.'
    },
    {
        name: 'provider',
        key: 'provider',
        kind: 'enum',
        values: PROVIDERS,
        default: 'auto',
        description: 'Where the cluster comes from. auto: kind when a Docker engine answers, else the local cluster (no Docker).'
    },
    {
        name: 'manifests',
        key: 'manifests',
        kind: 'paths',
        default: 'manifests/elasticsearch',
        description: 'Manifest files or directories (read in name order), comma- or newline-separated.'
    },
    {
        name: 'statefulset',
        key: 'statefulset',
        kind: 'string',
        description: 'Name of the StatefulSet to verify, when the manifests hold more than one.'
    },
    {
        name: 'namespace',
        key: 'namespace',
        kind: 'string',
        description: 'Namespace to apply into. Default: a fresh namespace for the run, deleted at the end.'
    },
    {
        name: 'image',
        key: 'image',
        kind: 'string',
        description: "Overrides the Elasticsearch container's image."
    },
    {
        name: 'container',
        key: 'container',
        kind: 'string',
        description: "Name of the Elasticsearch container. Default: the pod template's first container."
    },
    {
        name: 'expected-nodes',
        key: 'expectedNodes',
        kind: 'int',
        min: 1,
        description: "Node count the cluster must reach. Default: the StatefulSet's replicas."
    },
    {
        name: 'rounds',
        key: 'rounds',
        kind: 'int',
        min: 0,
        max: 100,
        default: '1',
        description: 'How many times to kill the elected master. 0 checks formation only.'
    },
    {
        name: 'scenario',
        key: 'scenarios',
        kind: 'enums',
        values: SCENARIOS,
        default: 'failover',
        description: 'Disruptions to run in order on the same cluster, comma-separated. failover: kill the elected master; restart: delete every pod at once; rolling-upgrade: roll the StatefulSet from base-manifests to the manifests under test.'
    },
    {
        name: 'base-manifests',
        key: 'baseManifests',
        kind: 'string',
        description: 'What a rolling-upgrade starts from: manifest paths, or git:<ref> to read the manifests paths at that ref (e.g. git:origin/main). Default: the manifests under test, rolled by a restart.'
    },
    {
        name: 'upgrade-timeout',
        key: 'upgradeTimeoutMs',
        kind: 'duration',
        default: '15m',
        description: 'How long a rolling upgrade may take until every pod runs the new revision and the cluster is green.'
    },
    {
        name: 'data-checks',
        key: 'dataChecks',
        kind: 'bool',
        default: 'true',
        description: 'Seed a test index before the disruptions, write, read and watch health during each, and read every acknowledged write back after.'
    },
    {
        name: 'write-rate',
        key: 'writeRate',
        kind: 'int',
        min: 1,
        max: 1000,
        default: '20',
        description: 'Single-document writes per second during each disruption.'
    },
    {
        name: 'max-red',
        key: 'maxRedMs',
        kind: 'duration',
        allowZero: true,
        default: '0s',
        description: 'How long the cluster may be red during a disruption (0s: any red fails). A full restart is red while it re-forms; that is reported, not held against this.'
    },
    {
        name: 'seed-documents',
        key: 'seedDocuments',
        kind: 'int',
        min: 1,
        max: 100000,
        default: '200',
        description: 'Documents written to the test index before the first disruption.'
    },
    {
        name: 'seed-shards',
        key: 'seedShards',
        kind: 'int',
        min: 1,
        max: 1024,
        description: 'Primary shards of the test index. Default: the expected node count, so every node holds some.'
    },
    {
        name: 'seed-replicas',
        key: 'seedReplicas',
        kind: 'int',
        min: 0,
        max: 10,
        default: '1',
        description: 'Replicas of the test index.'
    },
    {
        name: 'kill-mode',
        key: 'killMode',
        kind: 'enum',
        values: KILL_MODES,
        default: 'graceful',
        description: "graceful: the pod's own grace period; force: grace period 0."
    },
    {
        name: 'formation-timeout',
        key: 'formationTimeoutMs',
        kind: 'duration',
        default: '10m',
        description: 'How long the cluster may take to turn green with the expected nodes.'
    },
    {
        name: 'failover-timeout',
        key: 'failoverTimeoutMs',
        kind: 'duration',
        default: '2m',
        description: 'How long the survivors may take to agree on a new master.'
    },
    {
        name: 'rejoin-timeout',
        key: 'rejoinTimeoutMs',
        kind: 'duration',
        default: '5m',
        description: 'How long the killed pod may take to return, rejoin and the cluster to turn green.'
    },
    {
        name: 'poll-interval',
        key: 'pollIntervalMs',
        kind: 'duration',
        default: '250ms',
        description: 'How often the cluster is observed while waiting.'
    },
    {
        name: 'require-persistent-identity',
        key: 'requirePersistentIdentity',
        kind: 'bool',
        default: 'false',
        description: 'Fail (not only warn) when a rejoined node comes back with a new node ID.'
    },
    {
        name: 'transport',
        key: 'transport',
        kind: 'enum',
        values: TRANSPORTS,
        default: 'auto',
        description: "How to reach Elasticsearch: proxy (the API server's pod proxy), exec (curl inside the pod). auto: exec when a password is given, else proxy."
    },
    {
        name: 'username',
        key: 'username',
        kind: 'string',
        description: 'User for a cluster with security on (exec transport).'
    },
    {
        name: 'password',
        key: 'password',
        kind: 'string',
        secret: true,
        description: 'Password for that user. Masked; never written to artifacts.'
    },
    {
        name: 'password-file',
        key: 'passwordFile',
        kind: 'path',
        description: 'File holding the password (its first line), so that it never appears in a command line. The CLI also reads ES_K8S_VERIFY_PASSWORD.'
    },
    {
        name: 'scheme',
        key: 'scheme',
        kind: 'enum',
        values: ['auto', 'http', 'https'],
        default: 'auto',
        description: "Scheme of the Elasticsearch HTTP port. auto: https when the StatefulSet's environment turns TLS on for HTTP (xpack.security.http.ssl.enabled or plugins.security.ssl.http.enabled set to true), else http."
    },
    {
        name: 'es-port',
        key: 'esPort',
        kind: 'int',
        min: 1,
        max: 65535,
        default: '9200',
        description: 'Elasticsearch HTTP port in the pod.'
    },
    {
        name: 'report-dir',
        key: 'reportDir',
        kind: 'string',
        description: 'Directory for logs and reports. Default: a fresh directory under the temp dir.'
    },
    {
        name: 'keep-cluster',
        key: 'keepCluster',
        kind: 'bool',
        default: 'false',
        description: 'Leave the cluster (or, on an existing cluster, the namespace) in place.'
    },
    {
        name: 'cluster-name',
        key: 'clusterName',
        kind: 'string',
        description: 'Name of the cluster to create. Default: unique per run.'
    },
    {
        name: 'kind-version',
        key: 'kindVersion',
        kind: 'string',
        default: 'v0.32.0',
        description: 'kind release to use; downloaded and checksum-verified when the one on PATH differs.'
    },
    {
        name: 'kind-unpinned',
        key: 'kindUnpinned',
        kind: 'bool',
        default: 'false',
        description: 'Allow a kind-version whose sha256 es-k8s-verify does not pin; it is then checked only against the .sha256sum published beside it.'
    },
    {
        name: 'kind-node-image',
        key: 'kindNodeImage',
        kind: 'string',
        description: 'kind node image (--image).'
    },
    {
        name: 'kind-config',
        key: 'kindConfig',
        kind: 'path',
        description: 'kind cluster configuration file (--config).'
    },
    {
        name: 'minikube-memory',
        key: 'minikubeMemory',
        kind: 'int',
        min: 1024,
        default: '4096',
        description: 'Memory for the minikube node, in MB.'
    },
    {
        name: 'minikube-cpus',
        key: 'minikubeCpus',
        kind: 'int',
        min: 1,
        default: '2',
        description: 'CPUs for the minikube node.'
    },
    {
        name: 'kubernetes-version',
        key: 'kubernetesVersion',
        kind: 'string',
        description: 'Kubernetes version for minikube (--kubernetes-version).'
    },
    {
        name: 'kubeconfig',
        key: 'kubeconfig',
        kind: 'path',
        description: 'Kubeconfig of an existing cluster (provider existing).'
    },
    {
        name: 'context',
        key: 'context',
        kind: 'string',
        description: 'Context in that kubeconfig. Default: its current context.'
    },
    {
        name: 'quiet',
        key: 'quiet',
        kind: 'bool',
        default: 'false',
        description: 'Print only phase starts and ends, warnings, errors and the verdict (no progress while waiting).'
    },
    {
        name: 'preflight',
        key: 'preflight',
        kind: 'bool',
        default: 'true',
        description: 'Lint the manifests first; a finding of severity error stops the run before any cluster is created.'
    },
    {
        name: 'prepare-host',
        key: 'prepareHost',
        kind: 'bool',
        default: 'true',
        description: 'Raise vm.max_map_count to 262144 where the pods run, if lower.'
    },
    {
        name: 'preload-images',
        key: 'preloadImages',
        kind: 'bool',
        default: 'false',
        description: "docker pull the manifests' images and load them into kind or minikube first."
    }
];
const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Namespaces that hold what the cluster itself needs: never the run's playground. */
const RESERVED_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
/**
 * An image reference as the distribution spec defines it: optional registry (a host with a dot
 * or a port, or localhost),
 * lowercase path components, then a tag and/or a sha256 digest.
 */
const IMAGE_REFERENCE = /^(?:(?:(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|localhost)(?::\d{1,5})?|[a-zA-Z0-9-]+:\d{1,5})\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
function parseValue(spec, value) {
    const bad = (accepted) => {
        throw new UsageError(`Invalid ${spec.name} '${value}'. Expected ${accepted}.`);
    };
    switch (spec.kind) {
        case 'enum':
            if (!spec.values.includes(value))
                bad(`one of: ${spec.values.join(', ')}`);
            return value;
        case 'enums': {
            const items = value.split(',').map((v) => v.trim());
            const unknown = items.find((v) => !spec.values.includes(v));
            if (unknown !== undefined)
                bad(`a comma-separated list of: ${spec.values.join(', ')} ('${unknown}' is not one)`);
            const dup = items.find((v, i) => items.indexOf(v) !== i);
            if (dup)
                bad(`each at most once ('${dup}' is repeated; rounds repeats a failover)`);
            return items;
        }
        case 'duration': {
            const max = spec.max ?? MAX_DURATION_MS;
            const ms = spec.allowZero && /^0+(ms|s|m|h)?$/.test(value) ? 0 : parseDuration(spec.name, value);
            if (ms > max)
                bad(`a duration of at most ${max / 3_600_000}h`);
            return ms;
        }
        case 'int': {
            const range = spec.max !== undefined
                ? ` from ${spec.min ?? 0} to ${spec.max}`
                : spec.min !== undefined
                    ? ` of at least ${spec.min}`
                    : '';
            if (!/^\d+$/.test(value.trim()))
                bad(`a whole number${range}`);
            const n = Number(value);
            if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max))
                bad(`a whole number${range}`);
            return n;
        }
        case 'bool':
            if (/^(true|yes|1)$/i.test(value))
                return true;
            if (/^(false|no|0)$/i.test(value))
                return false;
            return bad('true or false');
        case 'path':
            if (!existsSync(value))
                bad('an existing file');
            if (statSync(value).isDirectory())
                bad('an existing file, not a directory');
            return value;
        case 'paths': {
            const paths = value
                .split(/[,\n]/)
                .map((p) => p.trim())
                .filter(Boolean);
            if (paths.length === 0)
                bad('at least one file or directory');
            for (const p of paths) {
                if (!existsSync(p))
                    throw new UsageError(`Invalid ${spec.name} '${value}'. '${p}' does not exist; expected manifest files or directories.`);
            }
            return paths;
        }
        default:
            return value;
    }
}
/**
 * Reads a kubeconfig's structure before anything uses it. Its content never appears in a
 * message: a parser's error quotes the lines around the fault, and those hold tokens and keys.
 */
function checkKubeconfig(path, context) {
    const bad = (why) => {
        throw new UsageError(`Invalid kubeconfig '${path}'. ${why}`);
    };
    let doc;
    try {
        doc = distExports.parse(readFileSync(path, 'utf8'), { maxAliasCount: 100 });
    }
    catch (err) {
        const line = err.linePos?.[0]?.line;
        bad(`It is not valid YAML${line ? ` (line ${line})` : ''}; expected a kubeconfig with clusters, users and contexts.`);
    }
    const config = (doc ?? {});
    for (const key of ['clusters', 'users', 'contexts'])
        if (!Array.isArray(config[key]) || config[key].length === 0)
            bad(`It has no ${key}; expected a kubeconfig with clusters, users and contexts.`);
    const name = context ?? config['current-context'];
    if (!name)
        bad('It has no current-context; expected one, or name a context with the context option.');
    const ctx = config.contexts.find((c) => c.name === name);
    if (!ctx)
        bad(`It has no context '${name}'; its contexts are: ${config.contexts.map((c) => c.name).join(', ')}.`);
    const cluster = config.clusters.find((c) => c.name === ctx.context?.cluster);
    if (!cluster?.cluster?.server)
        bad(`Context '${name}' names cluster '${ctx.context?.cluster ?? ''}', which it does not define with a server.`);
    if (!config.users.some((u) => u.name === ctx.context?.user))
        bad(`Context '${name}' names user '${ctx.context?.user ?? ''}', which it does not define.`);
}
/**
 * The report directory becomes an artifact: it must hold only what this run writes. So it is a
 * new or empty directory, never the workspace or a directory holding a git clone (whose
 * .git/config can hold a token), and never reached through a symbolic link.
 */
function checkReportDir(dir) {
    const bad = (why) => {
        throw new UsageError(`Invalid report-dir '${dir}'. ${why}`);
    };
    const full = resolve(dir);
    for (const workspace of [process.env.GITHUB_WORKSPACE, process.cwd()])
        if (workspace && full === resolve(workspace))
            bad('It is the workspace, and its files (.git/config among them) would be uploaded; expected a new or empty directory such as reports/es-k8s-verify.');
    let stat;
    try {
        stat = lstatSync(full);
    }
    catch {
        // Does not exist yet: the run creates it, so its nearest existing parent must allow that.
        let parent = dirname(full);
        while (!existsSync(parent))
            parent = dirname(parent);
        if (!statSync(parent).isDirectory())
            bad(`'${parent}' is a file, so no directory can be made under it; expected a new or empty directory.`);
        try {
            accessSync(parent, constants.W_OK);
        }
        catch {
            bad(`'${parent}' is not writable, so the directory cannot be made; expected a writable place.`);
        }
        return;
    }
    if (stat.isSymbolicLink())
        bad('It is a symbolic link; expected a real, new or empty directory.');
    if (!stat.isDirectory())
        bad('Expected a directory (it exists and is a file).');
    try {
        accessSync(full, constants.W_OK);
    }
    catch {
        bad('It is not writable; expected a writable, new or empty directory.');
    }
    const entries = readdirSync(full);
    if (entries.includes('.git'))
        bad('It holds a git clone (.git), whose config can hold a token; expected a new or empty directory.');
    if (entries.length)
        bad(`It already holds ${entries.length} entries (${entries.slice(0, 3).join(', ')}); expected a new or empty directory, so that the artifact holds only what this run wrote.`);
}
/**
 * Validates raw option values (as the CLI and the action read them: strings, absent when not
 * given) into VerifyOptions. Throws UsageError naming the option, the value and what is
 * accepted, before anything is created.
 */
function parseOptions(raw) {
    const known = new Set(OPTION_SPECS.map((s) => s.name));
    for (const name of Object.keys(raw)) {
        if (!known.has(name))
            throw new UsageError(`Unknown option '${name}'. Known options: ${[...known].join(', ')}.`);
    }
    const out = {};
    for (const spec of OPTION_SPECS) {
        const given = raw[spec.name];
        // Given but empty (`--rounds=`) is a mistake, not a request for the default.
        if (given !== undefined && given.trim() === '')
            throw new UsageError(`Invalid ${spec.name} ''. Expected a value${spec.default !== undefined ? `; leave the option out for its default (${spec.default})` : ''}.`);
        const value = given === undefined ? spec.default : given.trim();
        if (value === undefined)
            continue;
        out[spec.key] = parseValue(spec, value);
    }
    const options = out;
    for (const [flag, v] of [
        ['namespace', options.namespace],
        ['cluster-name', options.clusterName],
        ['statefulset', options.statefulset]
    ]) {
        if (v !== undefined && (!NAME_PATTERN.test(v) || v.length > 63)) {
            throw new UsageError(`Invalid ${flag} '${v}'. Expected a DNS label: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit.`);
        }
    }
    if (options.namespace !== undefined && RESERVED_NAMESPACES.includes(options.namespace)) {
        throw new UsageError(`Invalid namespace '${options.namespace}'. The run applies, kills and deletes pods there, and ${options.namespace} holds objects it did not create; expected a namespace of its own (or none, for a fresh one per run).`);
    }
    if (options.image !== undefined && !IMAGE_REFERENCE.test(options.image)) {
        throw new UsageError(`Invalid image '${options.image}'. Expected an image reference such as docker.elastic.co/elasticsearch/elasticsearch:8.19.0 or name@sha256:<64 hex>.`);
    }
    if (options.provider === 'existing' && !options.kubeconfig) {
        throw new UsageError(`Invalid provider 'existing' without kubeconfig. Expected kubeconfig to name the cluster's kubeconfig file.`);
    }
    if (options.kubeconfig && options.provider !== 'existing' && options.provider !== 'auto') {
        throw new UsageError(`Invalid kubeconfig '${options.kubeconfig}' with provider '${options.provider}'. Expected provider existing when a kubeconfig is given.`);
    }
    if (options.passwordFile !== undefined) {
        if (options.password !== undefined)
            throw new UsageError(`Invalid password-file '${options.passwordFile}' together with password. Expected one of them.`);
        options.password = readFileSync(options.passwordFile, 'utf8').split(/\r?\n/)[0];
        if (!options.password)
            throw new UsageError(`Invalid password-file '${options.passwordFile}'. Expected a password on its first line; it is empty.`);
    }
    if (options.username !== undefined && options.password === undefined) {
        throw new UsageError(`Invalid username '${options.username}' without a password. Expected password, password-file or ES_K8S_VERIFY_PASSWORD as well.`);
    }
    if (options.password !== undefined && options.transport === 'proxy') {
        throw new UsageError(`Invalid transport 'proxy' with a password. The API server drops the Authorization header; expected transport exec or auto.`);
    }
    if (options.reportDir !== undefined)
        checkReportDir(options.reportDir);
    if (options.kubeconfig !== undefined)
        checkKubeconfig(options.kubeconfig, options.context);
    if (!/^v\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(options.kindVersion))
        throw new UsageError(`Invalid kind-version '${options.kindVersion}'. Expected a release tag such as v0.32.0.`);
    if (!(options.kindVersion in KIND_SHA256) && !options.kindUnpinned && options.provider === 'kind')
        throw new UsageError(`Invalid kind-version '${options.kindVersion}'. Its sha256 is not pinned in es-k8s-verify (pinned: ${Object.keys(KIND_SHA256).join(', ')}); expected one of those, or kind-unpinned: true to trust the .sha256sum published beside the binary.`);
    if (options.baseManifests !== undefined && !options.scenarios.includes('rolling-upgrade')) {
        throw new UsageError(`Invalid base-manifests '${options.baseManifests}' without the rolling-upgrade scenario. Expected scenario to include rolling-upgrade, or no base-manifests.`);
    }
    if (options.baseManifests !== undefined && !options.baseManifests.startsWith('git:')) {
        for (const p of options.baseManifests
            .split(/[,\n]/)
            .map((x) => x.trim())
            .filter(Boolean))
            if (!existsSync(p))
                throw new UsageError(`Invalid base-manifests '${options.baseManifests}'. '${p}' does not exist; expected manifest files or directories, or git:<ref>.`);
    }
    if (options.kubeconfig && options.provider === 'auto')
        options.provider = 'existing';
    return options;
}

export { OPTION_SPECS as O, parseOptions as p };
