// Decodes request bodies captured from real kubectl 1.32 and 1.33 and checks the JSON a JSON client would have sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProtobufObject, isProtobufBody } from '../../../src/api/protobuf/index.js';
import type { KObject } from '../../../src/api/machinery/object.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/protobuf');
const versions = ['1.32', '1.33'];

function load(version: string, name: string): KObject {
  const body = readFileSync(join(fixtures, version, `${name}.pb`));
  assert.ok(isProtobufBody(body), `${version}/${name} should be a protobuf body`);
  return decodeProtobufObject(body);
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

const podTemplate = (labels: Record<string, string> | undefined, spec: Record<string, unknown>): Record<string, unknown> =>
  labels ? { metadata: { labels }, spec } : { spec };

const expected: Record<string, unknown> = {
  namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1' } },
  configmap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1' }, data: { a: '1', b: 'two' } },
  'configmap-binary': { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm2' }, binaryData: { blob: b64(Buffer.from([0, 1, 2, 0xfe, 0xff])) } },
  'secret-generic': { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' }, data: { user: b64('admin'), pass: b64('s3cr3t') } },
  serviceaccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa1' } },
  deployment: {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 3, selector: { matchLabels: { app: 'web' } },
      template: podTemplate({ app: 'web' }, { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] }),
    },
  },
  'deployment-zero': {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'zero', labels: { app: 'zero' } },
    spec: {
      replicas: 0, selector: { matchLabels: { app: 'zero' } },
      template: podTemplate({ app: 'zero' }, { containers: [{ name: 'busybox', image: 'busybox', command: ['sleep', '3600'] }] }),
    },
  },
  job: {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j1' },
    spec: { template: podTemplate(undefined, { containers: [{ name: 'j1', image: 'busybox', command: ['echo', 'hi'] }], restartPolicy: 'Never' }) },
  },
  cronjob: {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj1' },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: {
        metadata: { name: 'cj1' },
        spec: { template: podTemplate(undefined, { containers: [{ name: 'cj1', image: 'busybox', command: ['date'] }], restartPolicy: 'OnFailure' }) },
      },
    },
  },
  'service-clusterip': {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc1', labels: { app: 'svc1' } },
    spec: {
      ports: [
        { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: '443-https', protocol: 'TCP', port: 443, targetPort: 'https' },
      ],
      selector: { app: 'svc1' }, type: 'ClusterIP',
    },
  },
  'service-headless': {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'headless', labels: { app: 'headless' } },
    spec: { selector: { app: 'headless' }, clusterIP: 'None', type: 'ClusterIP' },
  },
  'service-nodeport': {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'np1', labels: { app: 'np1' } },
    spec: { ports: [{ name: '80-http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080 }], selector: { app: 'np1' }, type: 'NodePort' },
  },
  'service-loadbalancer': {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb1', labels: { app: 'lb1' } },
    spec: { ports: [{ name: '443-8443', protocol: 'TCP', port: 443, targetPort: 8443 }], selector: { app: 'lb1' }, type: 'LoadBalancer' },
  },
  'service-externalname': {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext1', labels: { app: 'ext1' } },
    spec: { selector: { app: 'ext1' }, type: 'ExternalName', externalName: 'example.com' },
  },
  ingress: {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'ing1', annotations: { team: 'web' } },
    spec: {
      ingressClassName: 'nginx',
      defaultBackend: { service: { name: 'defsvc', port: { number: 80 } } },
      tls: [{ hosts: ['bar.com'], secretName: 'my-cert' }],
      rules: [
        { host: 'foo.com', http: { paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { number: 8080 } } } }] } },
        { host: 'bar.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'svc2', port: { name: 'http' } } } }] } },
      ],
    },
  },
  role: {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r1' },
    rules: [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'], resourceNames: ['web'] },
      { verbs: ['get', 'list'], apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'] },
    ],
  },
  rolebinding: {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'rb1' },
    subjects: [
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' },
      { kind: 'ServiceAccount', name: 'sa1', namespace: 'default' },
    ],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r1' },
  },
  clusterrole: {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cr1' },
    rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez'] }],
  },
  'clusterrole-aggregated': {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cr2' },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate': 'true' } }] },
  },
  clusterrolebinding: {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'crb1' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cr1' },
  },
  'pdb-min-available': {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'pdb1' },
    spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } },
  },
  'pdb-max-unavailable': {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'pdb2' },
    spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } },
  },
  priorityclass: {
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' },
    value: 1000, description: 'important', preemptionPolicy: 'Never',
  },
  quota: {
    apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q1' },
    spec: { hard: { cpu: '1', memory: '1G', pods: '2' }, scopes: ['BestEffort'] },
  },
  token: {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {},
    spec: { audiences: ['api'], expirationSeconds: 600 },
  },
  autoscale: {
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
  },
  'can-i-resource': {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {},
    spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } },
  },
  'can-i-subresource': {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {},
    spec: { resourceAttributes: { namespace: 'kube-system', verb: 'get', group: 'apps', resource: 'deployments', subresource: 'scale' } },
  },
  'can-i-nonresource': {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {},
    spec: { nonResourceAttributes: { path: '/healthz', verb: 'get' } },
  },
  'can-i-list': {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', metadata: {}, spec: { namespace: 'default' },
  },
};

for (const version of versions) {
  for (const [name, want] of Object.entries(expected)) {
    test(`kubectl ${version} ${name} decodes to the JSON object`, () => {
      assert.deepEqual(load(version, name), want);
    });
  }

  test(`kubectl ${version} secret tls carries the certificate and key as base64`, () => {
    const secret = load(version, 'secret-tls');
    assert.equal(secret.type, 'kubernetes.io/tls');
    assert.deepEqual(secret.data, {
      'tls.crt': b64(readFileSync(join(fixtures, 'tls.crt'))),
      'tls.key': b64(readFileSync(join(fixtures, 'tls.key'))),
    });
  });

  test(`kubectl ${version} secret docker-registry holds a decodable .dockerconfigjson`, () => {
    const secret = load(version, 'secret-docker-registry');
    assert.equal(secret.type, 'kubernetes.io/dockerconfigjson');
    const data = secret.data as Record<string, string>;
    const config = JSON.parse(Buffer.from(data['.dockerconfigjson'] ?? '', 'base64').toString('utf8')) as unknown;
    assert.deepEqual(config, {
      auths: { 'registry.example.com': { username: 'u', password: 'p', email: 'u@example.com', auth: b64('u:p') } },
    });
  });

  test(`every protobuf body kubectl ${version} sent decodes`, () => {
    const files = readdirSync(join(fixtures, version)).filter((f) => f.endsWith('.pb'));
    assert.ok(files.length >= 30, `expected the full capture set, found ${files.length}`);
    for (const f of files) {
      const obj = decodeProtobufObject(readFileSync(join(fixtures, version, f)));
      assert.ok(obj.apiVersion && obj.kind, f);
      assert.equal('creationTimestamp' in obj.metadata, false, `${f} leaks a zero creationTimestamp`);
    }
  });
}

test('kubectl run and expose send JSON, not protobuf, so they need no decoder', () => {
  for (const version of versions) {
    for (const name of ['run', 'expose']) {
      const body = readFileSync(join(fixtures, version, `${name}.json`));
      assert.equal(isProtobufBody(body), false);
      assert.equal((JSON.parse(body.toString('utf8')) as { kind: string }).kind, name === 'run' ? 'Pod' : 'Service');
    }
  }
});
