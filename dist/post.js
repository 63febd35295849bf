import { a as state, h as shouldUpload, u as uploadReport, i as info, w as warning, c as actionsSystem, C as CoreLogger } from './chunks/artifacts.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K as KubeClient, d as deleteCluster } from './chunks/client.js';
import { e as errorMessage } from './chunks/retry.js';
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
import 'node:crypto';
import 'fs/promises';
import 'constants';
import 'node:url';
import 'node:querystring';

/**
 * The post step: uploads the report if main did not get to it (cancelled, crashed) and deletes
 * a cluster main created but did not remove. Warnings only: post never fails the job.
 */
async function runPost() {
    try {
        if (!state.isPost)
            return;
        const plan = state.artifactPlan;
        const verdict = state.verdict || 'failed';
        if (!state.uploaded &&
            plan.reportDir &&
            existsSync(plan.reportDir) &&
            shouldUpload(plan.when, verdict)) {
            try {
                const id = await uploadReport(plan.name, plan.reportDir, plan.retentionDays);
                info(`Uploaded ${plan.reportDir} as artifact ${plan.name}${id ? ` (id ${id})` : ''}`);
            }
            catch (err) {
                warning(`Uploading the report failed: ${errorMessage(err)}`);
            }
        }
        const cluster = state.cluster;
        const ns = state.namespace;
        if (ns && !state.cleaned) {
            // Main was cancelled on an existing cluster: remove the namespace it created there.
            info(`Main did not finish: deleting namespace ${ns.namespace}`);
            const kube = KubeClient.fromFile(ns.kubeconfig, ns.context);
            await kube
                .deleteNamespace(ns.namespace)
                .catch((err) => warning(`Deleting namespace ${ns.namespace} failed: ${errorMessage(err)}`));
            await kube.close();
        }
        if (cluster.created && !state.cleaned && !cluster.keep) {
            info(`Main did not finish: deleting ${cluster.provider} cluster ${cluster.clusterName}`);
            const workDir = mkdtempSync(join(tmpdir(), 'es-k8s-verify-post-'));
            await deleteCluster(cluster.provider, cluster.clusterName, {
                logger: new CoreLogger(),
                workDir,
                system: actionsSystem
            }).catch((err) => warning(`Deleting cluster ${cluster.clusterName} failed: ${errorMessage(err)}`));
            rmSync(workDir, { recursive: true, force: true });
        }
    }
    catch (err) {
        warning(`es-k8s-verify post: ${errorMessage(err)}`);
    }
}

await runPost();
