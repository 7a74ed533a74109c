/**
 * The cluster's certificates: a CA, the API server's serving certificate and the admin client
 * certificate, made on first start and kept in the data dir. ECDSA P-256 keeps first start fast.
 */
import { webcrypto, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  certPem: string;
  keyPem: string;
}

export interface ClusterPki {
  ca: KeyPair;
  server: KeyPair;
  admin: KeyPair;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

function serial(): string {
  // A positive serial: clear the top bit.
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
}

async function issue(): Promise<ClusterPki> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const subtle = webcrypto.subtle;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000);

  const caKeys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name: 'CN=skiff-ca', notBefore, notAfter, keys: caKeys, signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const leaf = async (subject: string, usage: 'server' | 'client', sans: { type: 'dns' | 'ip'; value: string }[]): Promise<KeyPair> => {
    const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const exts: InstanceType<typeof x509.Extension>[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth], false),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ];
    if (sans.length) exts.push(new x509.SubjectAlternativeNameExtension(sans));
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(), subject, issuer: caCert.subject, notBefore, notAfter,
      signingKey: caKeys.privateKey, publicKey: keys.publicKey, signingAlgorithm: ALG, extensions: exts,
    });
    return { certPem: cert.toString('pem') + '\n', keyPem: pemKey(await subtle.exportKey('pkcs8', keys.privateKey)) };
  };

  const server = await leaf('CN=kube-apiserver', 'server', [
    { type: 'dns', value: 'localhost' }, { type: 'dns', value: 'kubernetes' }, { type: 'dns', value: 'kubernetes.default' },
    { type: 'dns', value: 'kubernetes.default.svc' }, { type: 'dns', value: 'kubernetes.default.svc.cluster.local' },
    { type: 'dns', value: hostname() }, { type: 'ip', value: '127.0.0.1' }, { type: 'ip', value: '::1' },
  ]);
  const admin = await leaf('CN=kubernetes-admin, O=system:masters', 'client', []);
  return {
    ca: { certPem: caCert.toString('pem') + '\n', keyPem: pemKey(await subtle.exportKey('pkcs8', caKeys.privateKey)) },
    server,
    admin,
  };
}

const FILES = {
  'ca.crt': (p: ClusterPki) => p.ca.certPem, 'ca.key': (p: ClusterPki) => p.ca.keyPem,
  'apiserver.crt': (p: ClusterPki) => p.server.certPem, 'apiserver.key': (p: ClusterPki) => p.server.keyPem,
  'admin.crt': (p: ClusterPki) => p.admin.certPem, 'admin.key': (p: ClusterPki) => p.admin.keyPem,
};

/** Loads the PKI from DIR/pki, creating it on first start. */
export async function loadOrCreatePki(dataDir: string): Promise<ClusterPki> {
  const dir = join(dataDir, 'pki');
  const names = Object.keys(FILES) as (keyof typeof FILES)[];
  if (names.every((n) => existsSync(join(dir, n)))) {
    const r = (n: string): string => readFileSync(join(dir, n), 'utf8');
    return {
      ca: { certPem: r('ca.crt'), keyPem: r('ca.key') },
      server: { certPem: r('apiserver.crt'), keyPem: r('apiserver.key') },
      admin: { certPem: r('admin.crt'), keyPem: r('admin.key') },
    };
  }
  const pki = await issue();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const n of names) writeFileSync(join(dir, n), FILES[n](pki), { mode: n.endsWith('.key') ? 0o600 : 0o644 });
  return pki;
}

/** The user a verified client certificate names: CN is the user, each O a group. */
export function userFromCertificate(der: Buffer): { name: string; groups: string[] } {
  const cert = new X509Certificate(der);
  const parts = cert.subject.split('\n');
  const name = parts.find((p) => p.startsWith('CN='))?.slice(3) ?? '';
  const groups = parts.filter((p) => p.startsWith('O=')).map((p) => p.slice(2));
  return { name, groups };
}
