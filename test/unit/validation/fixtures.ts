/** Realistic, already-defaulted manifests and small helpers shared by the validation tests. */
import type { StatusCause } from '../../../src/api/machinery/errors.js';
import { deepCopy, isPlainObject, type KObject } from '../../../src/api/machinery/object.js';
import { validateObject } from '../../../src/api/validation/index.js';

const GROUPS: Readonly<Record<string, string>> = {
  Deployment: 'apps', ReplicaSet: 'apps', DaemonSet: 'apps', StatefulSet: 'apps', ControllerRevision: 'apps',
  Job: 'batch', CronJob: 'batch', Ingress: 'networking.k8s.io', IngressClass: 'networking.k8s.io',
  EndpointSlice: 'discovery.k8s.io', Lease: 'coordination.k8s.io', Role: 'rbac.authorization.k8s.io',
  ClusterRole: 'rbac.authorization.k8s.io', RoleBinding: 'rbac.authorization.k8s.io', ClusterRoleBinding: 'rbac.authorization.k8s.io',
  StorageClass: 'storage.k8s.io', PodDisruptionBudget: 'policy', PriorityClass: 'scheduling.k8s.io',
};

/** Validates `obj` as its own kind (core/v1 unless listed above). */
export function check(obj: KObject, old?: KObject, group?: string): StatusCause[] {
  const kind = obj.kind ?? '';
  return validateObject({ group: group ?? GROUPS[kind] ?? '', version: 'v1', kind }, obj, old);
}

export function fieldsOf(causes: StatusCause[]): string[] {
  return causes.map((c) => c.field ?? '');
}

export function causeAt(causes: StatusCause[], field: string): StatusCause | undefined {
  return causes.find((c) => c.field === field);
}

/**
 * Deep copy with one field replaced (or removed when `value` is undefined), so each case starts
 * from a valid object. Paths look like `spec.template.spec.containers[0].image`.
 */
export function withField<T>(obj: T, path: string, value: unknown): T {
  const copy = deepCopy(obj);
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let cur: unknown = copy;
  for (const p of parts.slice(0, -1)) {
    if (!isPlainObject(cur) && !Array.isArray(cur)) throw new Error(`no ${p} in ${path}`);
    const next: unknown = Array.isArray(cur) ? cur[Number(p)] : cur[p];
    if (next === undefined && isPlainObject(cur)) cur[p] = {};
    cur = Array.isArray(cur) ? cur[Number(p)] : (cur as Record<string, unknown>)[p];
  }
  const last = parts[parts.length - 1]!;
  if (Array.isArray(cur)) cur[Number(last)] = value;
  else if (isPlainObject(cur)) {
    if (value === undefined) delete cur[last];
    else cur[last] = value;
  }
  return copy;
}

export function container(name = 'web', image = 'nginx:1.27'): Record<string, unknown> {
  return {
    name, image, imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
    ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
  };
}

export function podSpec(restartPolicy = 'Always'): Record<string, unknown> {
  return {
    containers: [container()], restartPolicy, dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30,
    schedulerName: 'default-scheduler', securityContext: {},
  };
}

export const pod: KObject = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' }, annotations: { 'example.com/owner': 'team-a' } },
  spec: {
    ...podSpec(),
    volumes: [{ name: 'config', configMap: { name: 'web-config', defaultMode: 420 } }, { name: 'cache', emptyDir: {} }],
    containers: [{
      ...container(),
      env: [
        { name: 'MODE', value: 'prod' },
        { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      ],
      volumeMounts: [{ name: 'config', mountPath: '/etc/web' }, { name: 'cache', mountPath: '/cache' }],
      livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
      readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 2, failureThreshold: 3 },
    }],
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    nodeSelector: { 'kubernetes.io/os': 'linux' },
  },
};

export const deployment: KObject = {
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    replicas: 3, revisionHistoryLimit: 10, progressDeadlineSeconds: 600,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: { metadata: { labels: { app: 'web', tier: 'frontend' } }, spec: podSpec() },
  },
};

export const service: KObject = {
  apiVersion: 'v1', kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], sessionAffinity: 'None',
    selector: { app: 'web' },
    ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }, { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' }],
  },
};

export const job: KObject = {
  apiVersion: 'batch/v1', kind: 'Job',
  metadata: { name: 'pi', namespace: 'default' },
  spec: {
    completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false,
    template: { metadata: { labels: { 'job-name': 'pi' } }, spec: { ...podSpec('Never'), containers: [{ name: 'pi', image: 'perl:5.34', imagePullPolicy: 'IfNotPresent' }] } },
  },
};

export const cronJob: KObject = {
  apiVersion: 'batch/v1', kind: 'CronJob',
  metadata: { name: 'hello', namespace: 'default' },
  spec: {
    schedule: '*/5 * * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
    jobTemplate: { spec: { backoffLimit: 6, completionMode: 'NonIndexed', template: { spec: { ...podSpec('OnFailure') } } } },
  },
};
