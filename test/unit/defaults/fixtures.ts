/** Realistic manifests, as users apply them, shared by the defaulting tests. */
import type { GroupVersionKind, KObject } from '../../../src/api/machinery/object.js';
import { parseApiVersion } from '../../../src/api/machinery/object.js';

export function gvkOf(obj: KObject): GroupVersionKind {
  return { ...parseApiVersion(obj.apiVersion ?? ''), kind: obj.kind ?? '' };
}

/** Freezes every nested object so any write to the input throws in strict mode. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export const deployment = (): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }],
      },
    },
  },
});

export const podWithProbesAndVolumes = (): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'api', namespace: 'default' },
  spec: {
    containers: [
      {
        name: 'api',
        image: 'registry.local:5000/team/api',
        ports: [{ name: 'http', containerPort: 8080 }],
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        resources: { limits: { cpu: '500m', memory: '128Mi' } },
        livenessProbe: { httpGet: { port: 8080 } },
        readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 5 },
        volumeMounts: [{ name: 'config', mountPath: '/etc/api' }],
      },
    ],
    volumes: [
      { name: 'config', configMap: { name: 'api-config' } },
      { name: 'creds', secret: { secretName: 'api-creds' } },
      { name: 'scratch' },
      { name: 'logs', hostPath: { path: '/var/log/api' } },
      { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
    ],
  },
});

export const job = (): KObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi', namespace: 'default' },
  spec: {
    template: {
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] }],
      },
    },
  },
});

export const cronJob = (): KObject => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'hello', namespace: 'default' },
  spec: {
    schedule: '* * * * *',
    jobTemplate: {
      spec: {
        template: {
          spec: {
            restartPolicy: 'OnFailure',
            containers: [{ name: 'hello', image: 'busybox:1.28', command: ['date'] }],
          },
        },
      },
    },
  },
});

export const nodePortService = (): KObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] },
});

export const clusterIpService = (): KObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'db', namespace: 'default' },
  spec: { selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] },
});

export const daemonSet = (): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent', namespace: 'kube-system' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'agent@sha256:abcd' }] } },
  },
});

export const statefulSet = (): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'default' },
  spec: {
    serviceName: 'db',
    selector: { matchLabels: { app: 'db' } },
    template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'pg', image: 'postgres:16' }] } },
    volumeClaimTemplates: [
      { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    ],
  },
});

export const replicaSet = (): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'web-abc', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
  },
});

export const namespace = (): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
export const secret = (): KObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, stringData: { k: 'v' } });
export const configMap = (): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' }, data: { k: 'v' } });

export const persistentVolume = (): KObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'pv1' },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data/pv1' } },
});

export const persistentVolumeClaim = (): KObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'claim', namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
});

export const endpoints = (): KObject => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name: 'ext', namespace: 'default' },
  subsets: [{ addresses: [{ ip: '10.0.0.5' }], ports: [{ port: 5432 }] }],
});

export const endpointSlice = (): KObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'ext-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'ext' } },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.0.0.5'] }],
  ports: [{ port: 5432 }],
});

export const roleBinding = (): KObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'read', namespace: 'default' },
  subjects: [
    { kind: 'User', name: 'jane' },
    { kind: 'Group', name: 'devs' },
    { kind: 'ServiceAccount', name: 'builder', namespace: 'default' },
  ],
  roleRef: { kind: 'Role', name: 'reader' },
});

export const storageClass = (): KObject => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'local' },
  provisioner: 'rancher.io/local-path',
});

export const priorityClass = (): KObject => ({
  apiVersion: 'scheduling.k8s.io/v1',
  kind: 'PriorityClass',
  metadata: { name: 'high' },
  value: 1000000,
});

export const ingress = (): KObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    rules: [
      { host: 'web.local', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
    ],
  },
});

export const networkPolicy = (): KObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'db', namespace: 'default' },
  spec: {
    podSelector: { matchLabels: { app: 'db' } },
    ingress: [{ ports: [{ port: 5432 }] }],
    egress: [{ to: [{ podSelector: {} }] }],
  },
});

export const lease = (): KObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'node-1', namespace: 'kube-node-lease' },
  spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 },
});

/** One manifest per supported kind family, for the property tests. */
export const allFixtures = (): KObject[] => [
  deployment(), podWithProbesAndVolumes(), job(), cronJob(), nodePortService(), clusterIpService(), daemonSet(),
  statefulSet(), replicaSet(), namespace(), secret(), configMap(), persistentVolume(), persistentVolumeClaim(),
  endpoints(), endpointSlice(), roleBinding(), storageClass(), priorityClass(), ingress(), networkPolicy(), lease(),
];
