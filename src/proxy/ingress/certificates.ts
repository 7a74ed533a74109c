/**
 * TLS for the ingress: which Secret's certificate serves which host (from spec.tls of served
 * Ingresses), the SNI lookup, and the self-signed default certificate used when nothing matches.
 */
import { randomBytes, webcrypto } from 'node:crypto';
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { byAge, wildcardSuffixFor } from './route-table.js';

export interface HostCertificate {
  /** `ns/name` of the Secret, and its resourceVersion so contexts are rebuilt only on change. */
  secret: string;
  version: string;
  certPem: string;
  keyPem: string;
}

export interface CertificateProblem {
  ingress: Ingress;
  message: string;
}

export interface CertificateTable {
  byHost: ReadonlyMap<string, HostCertificate>;
  problems: CertificateProblem[];
}

function decode(v: string | undefined): string {
  return v ? Buffer.from(v, 'base64').toString('utf8') : '';
}

/**
 * Maps each host listed in spec.tls to its Secret's certificate. A TLS entry without hosts covers
 * the Ingress's rule hosts, as controllers commonly read it. The oldest Ingress wins a host.
 */
export function buildCertificateTable(ingresses: readonly Ingress[], secrets: ReadonlyMap<string, Secret>): CertificateTable {
  const byHost = new Map<string, HostCertificate>();
  const problems: CertificateProblem[] = [];
  for (const ing of [...ingresses].sort(byAge)) {
    const ns = ing.metadata?.namespace ?? 'default';
    for (const tls of ing.spec?.tls ?? []) {
      if (!tls.secretName) continue;
      const key = `${ns}/${tls.secretName}`;
      const secret = secrets.get(key);
      const certPem = decode(secret?.data?.['tls.crt']);
      const keyPem = decode(secret?.data?.['tls.key']);
      if (!secret || !certPem || !keyPem) {
        problems.push({ ingress: ing, message: `TLS secret "${key}" ${secret ? 'has no tls.crt and tls.key' : 'does not exist'}; the default certificate is served instead` });
        continue;
      }
      const hosts = tls.hosts?.length ? tls.hosts : (ing.spec?.rules ?? []).map((r) => r.host ?? '').filter(Boolean);
      for (const h of hosts) {
        const host = h.toLowerCase();
        if (!byHost.has(host)) byHost.set(host, { secret: key, version: secret.metadata?.resourceVersion ?? '', certPem, keyPem });
      }
    }
  }
  return { byHost, problems };
}

/** The certificate for an SNI server name: an exact host, then a wildcard covering one label. */
export function certificateFor(table: CertificateTable, servername: string): HostCertificate | undefined {
  const name = servername.toLowerCase();
  const exact = table.byHost.get(name);
  if (exact) return exact;
  const suffix = wildcardSuffixFor(name);
  return suffix === undefined ? undefined : table.byHost.get(`*${suffix}`);
}

/**
 * RSA for the lasting default: Node's SNI switch keeps the server's default certificate alongside
 * the chosen one when their key types differ, and a TLS 1.3 client then gets an ECDSA default in
 * place of an RSA certificate from a Secret. With an RSA default, both RSA and ECDSA Secrets win.
 * ECDSA only stands in while the RSA key is generated on a data dir's first start.
 */
const ALGS = {
  rsa: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
  ecdsa: { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' },
} as const;

/** A fresh self-signed certificate, as ingress controllers serve for hosts without one of their own. */
export async function selfSignedDefault(commonName = 'skiff-ingress-default', keyType: keyof typeof ALGS = 'rsa'): Promise<{ certPem: string; keyPem: string }> {
  const ALG = ALGS[keyType];
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'), name: `CN=${commonName}, O=skiff`,
    notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    keys, signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: commonName }]),
    ],
  });
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return { certPem: `${cert.toString('pem')}\n`, keyPem: `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n` };
}
