/**
 * The action's artifact upload, proven against storage rather than a mock of the library: the
 * real @actions/artifact client talks to a local stand-in for the runner's results service (the
 * two Twirp calls it makes, answered as the service answers) and uploads the zip to Azurite, an
 * Azure-Blob-compatible server from npm. The test then reads the archive back from storage.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { mkdirSync, rmSync, symlinkSync, mkdtempSync, writeFileSync } from 'node:fs'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  BlobServiceClient,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  BlobSASPermissions
} from '@azure/storage-blob'
import { uploadReport } from '../src/action/artifacts.js'

const ACCOUNT = 'devstoreaccount1'
// Azurite's published development account key (not a secret).
const KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
const CONTAINER = 'actions-results'

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

function unsignedJwt(payload: object): string {
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.sig`
}

describe('artifact upload to a local results service and Azurite', () => {
  let azurite: ChildProcess
  let location: string
  let results: Server
  let blobPort: number
  const calls: { method: string; body: Record<string, unknown>; auth?: string }[] = []
  const env = { ...process.env }

  beforeAll(async () => {
    blobPort = await freePort()
    location = mkdtempSync(join(tmpdir(), 'azurite-'))
    azurite = spawn(
      process.execPath,
      [
        'node_modules/azurite/dist/src/blob/main.js',
        '--blobHost',
        '127.0.0.1',
        '--blobPort',
        String(blobPort),
        '--location',
        location,
        '--silent',
        '--skipApiVersionCheck',
        '--loose',
        // Azurite reports usage to Azure Monitor by default: traffic beyond loopback, and files
        // it writes to the temp dir after it is told to stop.
        '--disableTelemetry'
      ],
      { stdio: 'ignore' }
    )
    const credential = new StorageSharedKeyCredential(ACCOUNT, KEY)
    const service = new BlobServiceClient(`http://127.0.0.1:${blobPort}/${ACCOUNT}`, credential)
    for (let i = 0; ; i++) {
      try {
        await service.getContainerClient(CONTAINER).createIfNotExists()
        break
      } catch (err) {
        if (i > 100) throw err
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    results = createServer((req, res) => {
      let text = ''
      req.on('data', (c) => (text += c))
      req.on('end', () => {
        const method = req.url!.split('/').pop()!
        const body = JSON.parse(text) as Record<string, unknown>
        calls.push({ method, body, auth: req.headers.authorization })
        res.setHeader('Content-Type', 'application/json')
        if (method === 'CreateArtifact') {
          const blobName = `${body.workflow_run_backend_id}/${body.name}.zip`
          const sas = generateBlobSASQueryParameters(
            {
              containerName: CONTAINER,
              blobName,
              permissions: BlobSASPermissions.parse('cw'),
              expiresOn: new Date(Date.now() + 3600_000)
            },
            credential
          )
          res.end(
            JSON.stringify({
              ok: true,
              signed_upload_url: `http://127.0.0.1:${blobPort}/${ACCOUNT}/${CONTAINER}/${blobName}?${sas.toString()}`
            })
          )
        } else if (method === 'FinalizeArtifact') {
          res.end(JSON.stringify({ ok: true, artifact_id: '4242' }))
        } else {
          res.statusCode = 404
          res.end(JSON.stringify({ code: 'bad_route', msg: `no handler for ${method}` }))
        }
      })
    })
    const port = await freePort()
    await new Promise<void>((r) => results.listen(port, '127.0.0.1', () => r()))
    process.env.ACTIONS_RESULTS_URL = `http://127.0.0.1:${port}/`
    process.env.ACTIONS_RUNTIME_TOKEN = unsignedJwt({
      scp: 'Actions.ExampleScope Actions.Results:run-backend-1:job-backend-7'
    })
    delete process.env.GITHUB_SERVER_URL
  }, 60_000)

  afterAll(async () => {
    Object.assign(process.env, env)
    if (azurite && azurite.exitCode === null) {
      const exited = new Promise((r) => azurite.once('exit', r))
      azurite.kill()
      await exited
    }
    if (location) rmSync(location, { recursive: true, force: true })
    results?.closeAllConnections()
    await new Promise<void>((r) => (results ? results.close(() => r()) : r()))
  })

  it('uploads every file of the report directory as one zip, and returns the artifact ID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-'))
    mkdirSync(join(dir, 'pods', 'es-cluster-0'), { recursive: true })
    writeFileSync(join(dir, 'report.json'), '{"verdict":"passed"}')
    writeFileSync(join(dir, 'junit.xml'), '<testsuites/>')
    writeFileSync(join(dir, 'pods', 'es-cluster-0', 'es.log'), 'started\n')
    const id = await uploadReport('es-k8s-verify-e2e-1', dir, 3)
    expect(id).toBe(4242)
    expect(calls.map((c) => c.method)).toEqual(['CreateArtifact', 'FinalizeArtifact'])
    expect(calls[0].auth).toBe(`Bearer ${process.env.ACTIONS_RUNTIME_TOKEN}`)
    expect(calls[0].body).toMatchObject({
      workflow_run_backend_id: 'run-backend-1',
      workflow_job_run_backend_id: 'job-backend-7',
      name: 'es-k8s-verify-e2e-1'
    })
    expect(calls[0].body.expires_at).toBeDefined()
    const blob = new BlobServiceClient(
      `http://127.0.0.1:${blobPort}/${ACCOUNT}`,
      new StorageSharedKeyCredential(ACCOUNT, KEY)
    )
      .getContainerClient(CONTAINER)
      .getBlobClient('run-backend-1/es-k8s-verify-e2e-1.zip')
    const zip = join(mkdtempSync(join(tmpdir(), 'zip-')), 'a.zip')
    await blob.downloadToFile(zip)
    const listing = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .sort()
    expect(listing).toEqual(['junit.xml', 'pods/es-cluster-0/es.log', 'report.json'])
    expect(execFileSync('unzip', ['-p', zip, 'report.json'], { encoding: 'utf8' })).toBe(
      '{"verdict":"passed"}'
    )
  }, 60_000)

  it('takes no planted link: a symlink to a secret outside, or to a directory, never reaches the zip', async () => {
    const root = mkdtempSync(join(tmpdir(), 'planted-'))
    const dir = join(root, 'report')
    mkdirSync(join(dir, 'pods'), { recursive: true })
    mkdirSync(join(root, 'outside', '.git'), { recursive: true })
    writeFileSync(
      join(root, 'outside', '.git', 'config'),
      'extraheader = AUTHORIZATION: basic PLANTED-TOKEN\n'
    )
    writeFileSync(join(dir, 'report.json'), '{"verdict":"failed"}')
    symlinkSync(join(root, 'outside', '.git', 'config'), join(dir, 'config'))
    symlinkSync(join(root, 'outside'), join(dir, 'pods', 'outside'))
    await uploadReport('es-k8s-verify-e2e-2', dir, 1)
    const blob = new BlobServiceClient(
      `http://127.0.0.1:${blobPort}/${ACCOUNT}`,
      new StorageSharedKeyCredential(ACCOUNT, KEY)
    )
      .getContainerClient(CONTAINER)
      .getBlobClient('run-backend-1/es-k8s-verify-e2e-2.zip')
    const zip = join(root, 'a.zip')
    await blob.downloadToFile(zip)
    const listing = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n')
    expect(listing).toEqual(['report.json'])
    for (const entry of listing)
      expect(execFileSync('unzip', ['-p', zip, entry], { encoding: 'utf8' })).not.toContain(
        'PLANTED-TOKEN'
      )
    rmSync(root, { recursive: true, force: true })
  }, 60_000)
})
