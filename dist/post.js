import { i as info, w as warning, d as deleteCluster } from './chunks/index3.js';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { s as state, a as shouldUpload, u as uploadReport, C as CoreLogger } from './chunks/artifacts.js';
import { e as errorMessage } from './chunks/errors.js';
import 'string_decoder';
import 'os';
import 'events';
import 'child_process';
import 'path';
import 'assert';
import 'fs';
import 'timers';
import 'node:crypto';
import 'crypto';
import 'http';
import 'https';
import 'net';
import 'tls';
import 'util';
import './chunks/index2.js';
import 'node:module';
import 'tty';
import 'stream';
import 'node:url';
import 'node:stream';
import 'buffer';
import 'node:util';
import 'node:process';
import 'node:http';
import 'node:https';
import 'node:zlib';
import 'node:buffer';
import 'url';
import 'fs/promises';
import 'constants';
import 'zlib';

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
        if (cluster.created && !state.cleaned && !cluster.keep) {
            info(`Main did not finish: deleting ${cluster.provider} cluster ${cluster.clusterName}`);
            const workDir = mkdtempSync(join(tmpdir(), 'es-k8s-verify-post-'));
            await deleteCluster(cluster.provider, cluster.clusterName, {
                logger: new CoreLogger(),
                workDir
            }).catch((err) => warning(`Deleting cluster ${cluster.clusterName} failed: ${errorMessage(err)}`));
        }
    }
    catch (err) {
        warning(`es-k8s-verify post: ${errorMessage(err)}`);
    }
}

await runPost();
