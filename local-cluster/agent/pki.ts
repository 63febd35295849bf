import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Paths of the certificates and keys a local cluster needs, all under one private directory. */
export interface Pki {
  dir: string
  caCert: string
  caKey: string
  apiserverCert: string
  apiserverKey: string
  adminCert: string
  adminKey: string
  kubeletCert: string
  kubeletKey: string
  /** The kubelet's client identity, system:node:<node name> in group system:nodes. */
  nodeCert: string
  nodeKey: string
  serviceAccountKey: string
  serviceAccountPub: string
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

function signedCert(
  pki: { dir: string; caCert: string; caKey: string },
  name: string,
  subject: string,
  extensions: string
): [string, string] {
  const key = join(pki.dir, `${name}.key`)
  const csr = join(pki.dir, `${name}.csr`)
  const cert = join(pki.dir, `${name}.crt`)
  const ext = join(pki.dir, `${name}.ext`)
  writeFileSync(ext, extensions)
  openssl(['genrsa', '-out', key, '2048'])
  openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr])
  // BSD-style `-CAcreateserial` writes next to the CA; the serial is random instead.
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    pki.caCert,
    '-CAkey',
    pki.caKey,
    '-set_serial',
    `0x${Date.now().toString(16)}${name.length}`,
    '-days',
    '30',
    '-out',
    cert,
    '-extfile',
    ext
  ])
  return [cert, key]
}

/** Generates a CA, serving and client certificates and the service-account key pair (once per directory). */
export function ensurePki(dir: string, hostAddresses: string[], nodeName = 'node'): Pki {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const caCert = join(dir, 'ca.crt')
  const caKey = join(dir, 'ca.key')
  const pki: Pki = {
    dir,
    caCert,
    caKey,
    apiserverCert: join(dir, 'apiserver.crt'),
    apiserverKey: join(dir, 'apiserver.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    kubeletCert: join(dir, 'kubelet.crt'),
    kubeletKey: join(dir, 'kubelet.key'),
    nodeCert: join(dir, 'node.crt'),
    nodeKey: join(dir, 'node.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub')
  }
  if (existsSync(pki.serviceAccountPub)) return pki
  openssl(['genrsa', '-out', caKey, '2048'])
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-subj',
    '/CN=es-k8s-verify-local-ca',
    '-days',
    '30',
    '-out',
    caCert
  ])
  const sans = [
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
    'IP:10.96.0.1',
    ...hostAddresses.map((a) => `IP:${a}`)
  ].join(',')
  signedCert(
    pki,
    'apiserver',
    '/CN=kube-apiserver',
    `subjectAltName=${sans}\nextendedKeyUsage=serverAuth,clientAuth\n`
  )
  signedCert(pki, 'admin', '/O=system:masters/CN=kubernetes-admin', 'extendedKeyUsage=clientAuth\n')
  signedCert(
    pki,
    'kubelet',
    '/CN=es-k8s-verify-kubelet',
    `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\n`
  )
  signedCert(
    pki,
    'node',
    `/O=system:nodes/CN=system:node:${nodeName}`,
    'extendedKeyUsage=clientAuth\n'
  )
  openssl(['genrsa', '-out', pki.serviceAccountKey, '2048'])
  openssl(['rsa', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub])
  return pki
}
