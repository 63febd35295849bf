import { existsSync, statSync } from 'node:fs';
import { p as parseDuration, l as loadManifests } from './manifests.js';
import { U as UsageError } from './errors.js';
import { relative } from 'node:path';

const PROVIDERS = ['auto', 'kind', 'minikube', 'existing', 'local'];
const KILL_MODES = ['graceful', 'force'];
const TRANSPORTS = ['auto', 'proxy', 'exec'];
const MODES = ['verify', 'lint'];
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
        default: '1',
        description: 'How many times to kill the elected master. 0 checks formation only.'
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
        name: 'scheme',
        key: 'scheme',
        kind: 'enum',
        values: ['http', 'https'],
        default: 'http',
        description: 'Scheme of the Elasticsearch HTTP port.'
    },
    {
        name: 'es-port',
        key: 'esPort',
        kind: 'int',
        min: 1,
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
function parseValue(spec, value) {
    const bad = (accepted) => {
        throw new UsageError(`Invalid ${spec.name} '${value}'. Expected ${accepted}.`);
    };
    switch (spec.kind) {
        case 'enum':
            if (!spec.values.includes(value))
                bad(`one of: ${spec.values.join(', ')}`);
            return value;
        case 'duration':
            return parseDuration(spec.name, value);
        case 'int': {
            if (!/^\d+$/.test(value.trim()))
                bad(`a whole number${spec.min !== undefined ? ` of at least ${spec.min}` : ''}`);
            const n = Number(value);
            if (spec.min !== undefined && n < spec.min)
                bad(`a whole number of at least ${spec.min}`);
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
        const value = given === undefined || given.trim() === '' ? spec.default : given.trim();
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
    if (options.provider === 'existing' && !options.kubeconfig) {
        throw new UsageError(`Invalid provider 'existing' without kubeconfig. Expected kubeconfig to name the cluster's kubeconfig file.`);
    }
    if (options.kubeconfig && options.provider !== 'existing' && options.provider !== 'auto') {
        throw new UsageError(`Invalid kubeconfig '${options.kubeconfig}' with provider '${options.provider}'. Expected provider existing when a kubeconfig is given.`);
    }
    if (options.password !== undefined && options.transport === 'proxy') {
        throw new UsageError(`Invalid transport 'proxy' with a password. The API server drops the Authorization header; expected transport exec or auto.`);
    }
    if (options.reportDir !== undefined &&
        existsSync(options.reportDir) &&
        !statSync(options.reportDir).isDirectory()) {
        throw new UsageError(`Invalid report-dir '${options.reportDir}'. Expected a directory (it exists and is a file).`);
    }
    if (options.kubeconfig && options.provider === 'auto')
        options.provider = 'existing';
    return options;
}

/** Tells the engine and version from an image reference. */
function engineOfImage(image) {
    if (!image)
        return { engine: 'unknown' };
    const tag = /:([^/:]+)$/.exec(image)?.[1];
    const version = tag && /^(\d+)\.(\d+)/.exec(tag);
    const v = version
        ? [Number(version[1]), Number(version[2])]
        : undefined;
    if (/opensearch/.test(image))
        return { engine: 'opensearch', version: v, tag };
    if (/elasticsearch/.test(image))
        return { engine: 'elasticsearch', version: v, tag };
    return { engine: 'unknown', version: v, tag };
}
/** Resolves a container's env for one pod, as the kubelet would: fieldRef metadata.name and $(VAR). */
function resolveEnvFor(container, podName, namespace = 'default') {
    const env = {};
    for (const v of container?.env ?? []) {
        if (v.valueFrom?.fieldRef) {
            const field = v.valueFrom.fieldRef.fieldPath;
            env[v.name] =
                field === 'metadata.name' ? podName : field === 'metadata.namespace' ? namespace : '';
        }
        else {
            env[v.name] = (v.value ?? '').replace(/\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, n) => (n in env ? env[n] : whole));
        }
    }
    return env;
}
function buildContext(objects) {
    const statefulSets = objects
        .filter((o) => o.object.kind === 'StatefulSet')
        .map((manifest) => {
        const spec = (manifest.object.spec ?? {});
        const containers = spec.template?.spec?.containers ?? [];
        let containerIndex = containers.findIndex((c) => engineOfImage(c.image).engine !== 'unknown');
        if (containerIndex < 0)
            containerIndex = 0;
        const container = containers[containerIndex];
        const { engine, version } = engineOfImage(container?.image);
        const containerPath = ['spec', 'template', 'spec', 'containers', containerIndex];
        return {
            manifest,
            name: manifest.object.metadata.name,
            spec,
            replicas: spec.replicas ?? 1,
            container,
            containerIndex,
            engine,
            version,
            containerPath,
            envFor: (podName) => resolveEnvFor(container, podName),
            envAt: (name) => {
                const i = (container?.env ?? []).findIndex((e) => e.name === name);
                return i < 0
                    ? undefined
                    : { value: container.env[i].value, path: [...containerPath, 'env', i, 'value'] };
            }
        };
    });
    return { objects, statefulSets, services: objects.filter((o) => o.object.kind === 'Service') };
}
/** Pod names a StatefulSet will have. */
function podNames(sts) {
    return Array.from({ length: sts.replicas }, (_, i) => `${sts.name}-${i}`);
}
/** The engine's setting under either name (OpenSearch renamed master to cluster_manager). */
function settingOf(env, names) {
    for (const n of names)
        if (env[n] !== undefined)
            return { name: n, value: env[n] };
    return undefined;
}
const INITIAL_MASTERS = [
    'cluster.initial_master_nodes',
    'cluster.initial_cluster_manager_nodes'
];

/** Builds a finding at a path inside a manifest object. */
function findingAt(rule, manifest, path, message, hint, severity = rule.severity) {
    const { line, column } = manifest.locate(path);
    return { ruleId: rule.id, severity, message, hint, file: manifest.file, line, column };
}

/** serviceName must name a headless Service of the manifests that selects the pods: it gives them their DNS names. */
const headlessService = {
    id: 'headless-service',
    severity: 'error',
    summary: "The StatefulSet's serviceName names a headless Service that selects its pods.",
    check(ctx) {
        const findings = [];
        for (const sts of ctx.statefulSets) {
            const name = sts.spec.serviceName;
            if (!name) {
                findings.push(findingAt(this, sts.manifest, ['spec'], `StatefulSet ${sts.name} has no serviceName, so its pods get no <pod>.<service> DNS names to find each other by.`, 'Set spec.serviceName to a headless Service (clusterIP: None) that selects the pods.'));
                continue;
            }
            const svc = ctx.services.find((s) => s.object.metadata.name === name);
            if (!svc) {
                findings.push(findingAt(this, sts.manifest, ['spec', 'serviceName'], `serviceName '${name}' names no Service in these manifests.`, `Add a headless Service named ${name} (clusterIP: None) selecting the pods' labels.`));
                continue;
            }
            const spec = (svc.object.spec ?? {});
            if (spec.clusterIP !== 'None') {
                findings.push(findingAt(this, svc, ['spec', 'clusterIP'], `Service ${name} is not headless, so the pods' names ${sts.name}-0.${name} do not resolve.`, 'Set spec.clusterIP: None.'));
            }
            const labels = sts.spec.template?.metadata?.labels ?? {};
            const selector = spec.selector ?? {};
            if (Object.keys(selector).length === 0 ||
                !Object.entries(selector).every(([k, v]) => labels[k] === v)) {
                findings.push(findingAt(this, svc, ['spec', 'selector'], `Service ${name}'s selector ${JSON.stringify(selector)} does not select the pods of ${sts.name} (labels ${JSON.stringify(labels)}).`, 'Make the Service selector a subset of the pod template labels.'));
            }
        }
        return findings;
    }
};

/** The API server refuses a StatefulSet whose selector does not match its template's labels. */
const selectorLabels = {
    id: 'selector-labels',
    severity: 'error',
    summary: "The StatefulSet's selector matches its pod template's labels.",
    check(ctx) {
        const findings = [];
        for (const sts of ctx.statefulSets) {
            const selector = sts.spec.selector?.matchLabels ?? {};
            const labels = sts.spec.template?.metadata?.labels ?? {};
            const mismatched = Object.entries(selector).filter(([k, v]) => labels[k] !== v);
            if (Object.keys(selector).length === 0 || mismatched.length) {
                findings.push(findingAt(this, sts.manifest, ['spec', 'selector'], `StatefulSet ${sts.name}: selector ${JSON.stringify(selector)} does not match the pod template labels ${JSON.stringify(labels)}; the API server will refuse it.`, 'Use the same key/value pairs in spec.selector.matchLabels and spec.template.metadata.labels.'));
            }
        }
        return findings;
    }
};

/**
 * node.name, discovery.seed_hosts and cluster.initial_master_nodes must agree with the pod
 * names and the service subdomain (the article's main lesson): an initial master that no pod
 * is called keeps the cluster from ever bootstrapping.
 */
const discoveryNames = {
    id: 'discovery-names',
    severity: 'error',
    summary: 'node.name, seed hosts and initial master nodes agree with the pod names, the service and the replica count.',
    check(ctx) {
        const findings = [];
        for (const sts of ctx.statefulSets) {
            if (sts.engine === 'unknown' || sts.replicas < 2)
                continue;
            const pods = podNames(sts);
            const envs = pods.map((p) => sts.envFor(p));
            if (envs[0]['discovery.type'] === 'single-node')
                continue;
            const nodeNames = pods.map((p, i) => envs[i]['node.name'] ?? p);
            const initial = settingOf(envs[0], INITIAL_MASTERS);
            if (!initial) {
                findings.push(findingAt(this, sts.manifest, [...sts.containerPath, 'env'], `StatefulSet ${sts.name} sets no ${INITIAL_MASTERS[sts.engine === 'opensearch' ? 1 : 0]}: a new multi-node cluster cannot bootstrap.`, `List the node names of the master-eligible pods, e.g. ${nodeNames.join(',')}.`));
            }
            else {
                const at = sts.envAt(initial.name);
                for (const n of initial.value
                    .split(',')
                    .map((s) => s.trim())
                    .filter(Boolean)) {
                    if (!nodeNames.includes(n)) {
                        findings.push(findingAt(this, sts.manifest, at?.path ?? sts.containerPath, `${initial.name} lists '${n}', which is no node's node.name (the nodes are ${nodeNames.join(', ')}): the cluster will never form.`, `Use exactly the node names: ${nodeNames.join(',')}.`));
                    }
                }
            }
            const seeds = settingOf(envs[0], ['discovery.seed_hosts', 'discovery.zen.ping.unicast.hosts']);
            if (seeds) {
                const at = sts.envAt(seeds.name);
                const service = sts.spec.serviceName;
                for (const host of seeds.value
                    .split(',')
                    .map((s) => s.trim().replace(/:\d+$/, ''))
                    .filter(Boolean)) {
                    const resolves = host === service ||
                        pods.some((p) => host === `${p}.${service}` || host.startsWith(`${p}.${service}.`));
                    if (!resolves) {
                        findings.push(findingAt(this, sts.manifest, at?.path ?? sts.containerPath, `discovery.seed_hosts entry '${host}' is not a pod of ${sts.name} under its Service (${pods.map((p) => `${p}.${service}`).join(', ')}).`, `Use <pod>.<serviceName> names: ${pods.map((p) => `${p}.${service}`).join(',')}.`, 'warning'));
                    }
                }
            }
            else {
                findings.push(findingAt(this, sts.manifest, [...sts.containerPath, 'env'], `StatefulSet ${sts.name} sets no discovery.seed_hosts: the nodes look only on localhost and will not find each other.`, `Set discovery.seed_hosts to ${pods.map((p) => `${p}.${sts.spec.serviceName}`).join(',')}.`));
            }
        }
        return findings;
    }
};

/** discovery.type=single-node with several replicas gives several one-node clusters, not one cluster. */
const singleNodeReplicas = {
    id: 'single-node-replicas',
    severity: 'error',
    summary: 'discovery.type single-node is not combined with more than one replica.',
    check(ctx) {
        const findings = [];
        for (const sts of ctx.statefulSets) {
            const at = sts.envAt('discovery.type');
            if (at?.value === 'single-node' && sts.replicas > 1) {
                findings.push(findingAt(this, sts.manifest, at.path, `discovery.type is single-node with ${sts.replicas} replicas: each pod forms its own one-node cluster.`, 'Remove discovery.type and set discovery.seed_hosts and cluster.initial_master_nodes, or use one replica.'));
            }
        }
        return findings;
    }
};

const DATA_PATHS = {
    elasticsearch: '/usr/share/elasticsearch/data',
    opensearch: '/usr/share/opensearch/data'
};
/** A claim mounted anywhere but the engine's data path keeps nothing: data and node identity go with the pod. */
const dataPath = {
    id: 'data-path',
    severity: 'warning',
    summary: "A volume claim is mounted at the image's data path (or path.data points at it).",
    check(ctx) {
        const findings = [];
        for (const sts of ctx.statefulSets) {
            if (sts.engine === 'unknown')
                continue;
            const claims = new Set((sts.spec.volumeClaimTemplates ?? []).map((c) => c.metadata?.name));
            const dataPath = sts.envFor(`${sts.name}-0`)['path.data'] ?? DATA_PATHS[sts.engine];
            const mounts = sts.container?.volumeMounts ?? [];
            const onClaim = mounts.findIndex((m) => claims.has(m.name) &&
                (dataPath === m.mountPath || dataPath.startsWith(`${m.mountPath.replace(/\/$/, '')}/`)));
            if (onClaim >= 0)
                continue;
            const claimMount = mounts.findIndex((m) => claims.has(m.name));
            const path = claimMount >= 0
                ? [...sts.containerPath, 'volumeMounts', claimMount, 'mountPath']
                : [...sts.containerPath];
            const where = claimMount >= 0
                ? `The claim is mounted at ${mounts[claimMount].mountPath}, but ${sts.engine} keeps its data in ${dataPath}`
                : `No volume claim holds ${dataPath}`;
            findings.push(findingAt(this, sts.manifest, path, `${where}: a recreated pod loses its data and comes back with a new node ID.`, `Mount the claim at ${dataPath} (or set path.data to a path on the claim).`));
        }
        return findings;
    }
};

const UNITS = {
    k: 2 ** 10,
    m: 2 ** 20,
    g: 2 ** 30,
    K: 2 ** 10,
    M: 2 ** 20,
    G: 2 ** 30
};
/** Bytes of a JVM size (512m, 1g). */
function jvmBytes(text) {
    const m = /^(\d+)([kmgKMG]?)$/.exec(text);
    return m ? Number(m[1]) * (UNITS[m[2]] ?? 1) : NaN;
}
/** Bytes of a Kubernetes quantity (1Gi, 512Mi, 1G). */
function quantityBytes(text) {
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text);
    if (!m)
        return NaN;
    const f = {
        Ki: 2 ** 10,
        Mi: 2 ** 20,
        Gi: 2 ** 30,
        Ti: 2 ** 40,
        k: 1e3,
        M: 1e6,
        G: 1e9,
        T: 1e12
    };
    return Number(m[1]) * (m[2] ? f[m[2]] : 1);
}
/** Xms must equal Xmx; the heap should be at most half the memory limit; a limit should exist. */
const heap = {
    id: 'heap',
    severity: 'warning',
    summary: 'Heap: -Xms equals -Xmx, at most half the memory limit, and a memory limit is set.',
    check(ctx) {
        const findings = [];
        for (const sts of ctx.statefulSets) {
            if (sts.engine === 'unknown' || !sts.container)
                continue;
            const optsName = sts.engine === 'opensearch' ? 'OPENSEARCH_JAVA_OPTS' : 'ES_JAVA_OPTS';
            const at = sts.envAt(optsName);
            const opts = at?.value ?? '';
            const xms = /-Xms(\S+)/.exec(opts)?.[1];
            const xmx = /-Xmx(\S+)/.exec(opts)?.[1];
            const limit = sts.container.resources?.limits?.memory;
            if (xms && xmx && jvmBytes(xms) !== jvmBytes(xmx)) {
                findings.push(findingAt(this, sts.manifest, at.path, `${optsName} sets -Xms${xms} and -Xmx${xmx}: the engine refuses to start unless they are equal.`, `Use the same size for both, e.g. -Xms${xmx} -Xmx${xmx}.`, 'error'));
            }
            if (!limit) {
                findings.push(findingAt(this, sts.manifest, sts.containerPath, `Container ${sts.container.name} has no memory limit: the heap is sized from the node's memory and pods may be evicted.`, 'Set resources.limits.memory to twice the heap (1Gi for a 512m heap).'));
            }
            else if (xmx && jvmBytes(xmx) > quantityBytes(limit) / 2) {
                findings.push(findingAt(this, sts.manifest, at.path, `Heap -Xmx${xmx} is more than half of the memory limit ${limit}: off-heap memory will not fit and the container may be OOM-killed.`, `Lower the heap to at most half of ${limit}, or raise the limit.`));
            }
        }
        return findings;
    }
};

/** The bootstrap check needs vm.max_map_count >= 262144 on the node; say so when nothing in the manifests handles it. */
const maxMapCount = {
    id: 'max-map-count',
    severity: 'info',
    summary: 'vm.max_map_count is handled (privileged init container or node.store.allow_mmap: false), or the host must be prepared.',
    check(ctx) {
        const findings = [];
        for (const sts of ctx.statefulSets) {
            if (sts.engine === 'unknown')
                continue;
            const env = sts.envFor(`${sts.name}-0`);
            if (env['discovery.type'] === 'single-node' || env['node.store.allow_mmap'] === 'false')
                continue;
            const inits = sts.spec.template?.spec?.initContainers ?? [];
            const handled = inits.some((c) => c.securityContext?.privileged &&
                /vm\.max_map_count/.test([...(c.command ?? []), ...(c.args ?? [])].join(' ')));
            if (!handled) {
                findings.push(findingAt(this, sts.manifest, sts.containerPath, `Nothing in ${sts.name} raises vm.max_map_count: nodes need at least 262144 or the bootstrap check stops ${sts.engine}.`, 'Prepare the hosts (es-k8s-verify does with prepare-host), add a privileged init container running sysctl -w vm.max_map_count=262144, or set node.store.allow_mmap: false.'));
            }
        }
        return findings;
    }
};

/**
 * Elasticsearch 8+ turns security on at first start, and a multi-node cluster without transport
 * TLS fails a bootstrap check. OpenSearch 2.12+ needs the security plugin off or an admin password.
 */
const security = {
    id: 'security',
    severity: 'error',
    summary: 'Security settings let the cluster start: ES 8+ multi-node has security off or transport TLS; OpenSearch 2.12+ has the plugin off or an admin password.',
    check(ctx) {
        const findings = [];
        for (const sts of ctx.statefulSets) {
            const env = sts.envFor(`${sts.name}-0`);
            const multi = sts.replicas > 1 && env['discovery.type'] !== 'single-node';
            if (sts.engine === 'elasticsearch' && sts.version && sts.version[0] >= 8 && multi) {
                const off = env['xpack.security.enabled'] === 'false';
                const tls = env['xpack.security.transport.ssl.enabled'] === 'true';
                if (!off && !tls) {
                    findings.push(findingAt(this, sts.manifest, [...sts.containerPath, 'env'], `Elasticsearch ${sts.version.join('.')} with ${sts.replicas} nodes: security is on by default and there is no transport TLS, so the bootstrap check fails.`, 'For a test cluster set xpack.security.enabled: "false"; otherwise configure xpack.security.transport.ssl.'));
                }
            }
            if (sts.engine === 'opensearch' &&
                sts.version &&
                (sts.version[0] > 2 || (sts.version[0] === 2 && sts.version[1] >= 12))) {
                if (env.DISABLE_SECURITY_PLUGIN !== 'true' &&
                    !env.OPENSEARCH_INITIAL_ADMIN_PASSWORD &&
                    env['plugins.security.disabled'] !== 'true') {
                    findings.push(findingAt(this, sts.manifest, [...sts.containerPath, 'env'], `OpenSearch ${sts.version.join('.')} installs its demo security configuration, which since 2.12 refuses to start without OPENSEARCH_INITIAL_ADMIN_PASSWORD.`, 'For a plain-HTTP test cluster set DISABLE_SECURITY_PLUGIN and DISABLE_INSTALL_DEMO_CONFIG to "true"; otherwise set OPENSEARCH_INITIAL_ADMIN_PASSWORD from a Secret.'));
                }
            }
        }
        return findings;
    }
};

/**
 * With OrderedReady, pod 1 starts only when pod 0 is Ready. If readiness waits for cluster
 * health and DNS lists only Ready pods, pod 0 can never become Ready: the cluster never forms.
 */
const orderedReady = {
    id: 'ordered-ready',
    severity: 'error',
    summary: 'OrderedReady is not combined with a readiness probe that waits for cluster health and a Service without publishNotReadyAddresses.',
    check(ctx) {
        const findings = [];
        for (const sts of ctx.statefulSets) {
            if (sts.replicas < 2 || (sts.spec.podManagementPolicy ?? 'OrderedReady') !== 'OrderedReady')
                continue;
            const probe = sts.container?.readinessProbe;
            const text = probe
                ? [probe.httpGet?.path ?? '', ...(probe.exec?.command ?? [])].join(' ')
                : '';
            if (!/_cluster\/health|_cat\/health/.test(text))
                continue;
            const svc = ctx.services.find((s) => s.object.metadata.name === sts.spec.serviceName);
            if (svc?.object.spec
                ?.publishNotReadyAddresses)
                continue;
            findings.push(findingAt(this, sts.manifest, ['spec'], `StatefulSet ${sts.name} starts pods one at a time (OrderedReady) and each becomes Ready only when the cluster is healthy, which needs the next pods: the cluster can never bootstrap.`, 'Set podManagementPolicy: Parallel and publishNotReadyAddresses: true on the headless Service.'));
        }
        return findings;
    }
};

/** An even number of master-eligible nodes tolerates no more failures than one fewer node. */
const evenMasters = {
    id: 'even-masters',
    severity: 'warning',
    summary: 'The number of master-eligible nodes is odd.',
    check(ctx) {
        const findings = [];
        for (const sts of ctx.statefulSets) {
            if (sts.engine === 'unknown')
                continue;
            const env = sts.envFor(`${sts.name}-0`);
            const roles = env['node.roles'];
            const masterEligible = roles === undefined || /master|cluster_manager/.test(roles);
            if (masterEligible && sts.replicas > 1 && sts.replicas % 2 === 0) {
                findings.push(findingAt(this, sts.manifest, ['spec', 'replicas'], `${sts.replicas} master-eligible nodes: losing ${sts.replicas / 2} leaves no majority, the same as with ${sts.replicas - 1} nodes.`, `Use an odd number of master-eligible nodes (${sts.replicas - 1} or ${sts.replicas + 1}).`));
            }
        }
        return findings;
    }
};

/** `latest` or no tag makes every run test a different version. */
const imageTag = {
    id: 'image-tag',
    severity: 'warning',
    summary: 'Images name a version: not latest, not untagged.',
    check(ctx) {
        const findings = [];
        for (const sts of ctx.statefulSets) {
            const containers = sts.spec.template?.spec?.containers ?? [];
            containers.forEach((c, i) => {
                const image = c.image ?? '';
                const tag = /:([^/:@]+)$/.exec(image)?.[1];
                if (!image.includes('@') && (!tag || tag === 'latest')) {
                    findings.push(findingAt(this, sts.manifest, ['spec', 'template', 'spec', 'containers', i, 'image'], `Image '${image}' has ${tag ? 'the tag latest' : 'no tag'}: each run may test a different version.`, 'Pin a version, e.g. docker.elastic.co/elasticsearch/elasticsearch:9.1.0.'));
                }
            });
        }
        return findings;
    }
};

/** Every rule; adding a rule means adding its file and a line here. */
const RULES = [
    headlessService,
    selectorLabels,
    discoveryNames,
    singleNodeReplicas,
    dataPath,
    heap,
    maxMapCount,
    security,
    orderedReady,
    evenMasters,
    imageTag
];

const ORDER = { error: 0, warning: 1, info: 2 };
/** Runs every rule over the manifests at `paths`. Bad input throws UsageError (file:line). */
function lint(paths, rules = RULES) {
    const objects = loadManifests(paths);
    const ctx = buildContext(objects);
    const findings = rules.flatMap((r) => r.check(ctx));
    findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || ORDER[a.severity] - ORDER[b.severity]);
    return { findings, files: [...new Set(objects.map((o) => o.file))] };
}
/** SARIF 2.1.0, as GitHub code scanning reads it. */
function toSarif(result, rules = RULES) {
    const level = { error: 'error', warning: 'warning', info: 'note' };
    return {
        $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
        version: '2.1.0',
        runs: [
            {
                tool: {
                    driver: {
                        name: 'es-k8s-verify',
                        informationUri: 'https://github.com/org/es-k8s-verify',
                        rules: rules.map((r) => ({
                            id: r.id,
                            shortDescription: { text: r.summary },
                            defaultConfiguration: { level: level[r.severity] }
                        }))
                    }
                },
                results: result.findings.map((f) => ({
                    ruleId: f.ruleId,
                    level: level[f.severity],
                    message: { text: `${f.message} Fix: ${f.hint}` },
                    locations: [
                        {
                            physicalLocation: {
                                artifactLocation: { uri: relative(process.cwd(), f.file) },
                                region: { startLine: f.line, startColumn: f.column }
                            }
                        }
                    ]
                }))
            }
        ]
    };
}
function formatFindings(result, format) {
    if (format === 'json')
        return JSON.stringify(result, null, 2);
    if (format === 'sarif')
        return JSON.stringify(toSarif(result), null, 2);
    if (result.findings.length === 0)
        return `No findings in ${result.files.length} file(s).`;
    const lines = result.findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.severity} [${f.ruleId}] ${f.message}\n    fix: ${f.hint}`);
    const count = (s) => result.findings.filter((f) => f.severity === s).length;
    lines.push(`${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info in ${result.files.length} file(s).`);
    return lines.join('\n');
}

export { OPTION_SPECS as O, formatFindings as f, lint as l, parseOptions as p, toSarif as t };
