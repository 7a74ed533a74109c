/** Defaulting of Deployments, Pods and the other pod-template workloads, checked field for field. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../../src/api/defaults/index.js';
import { daemonSet, deployment, gvkOf, podWithProbesAndVolumes, replicaSet, statefulSet } from './fixtures.js';

const defaulted = (obj: ReturnType<typeof deployment>) => applyDefaults(gvkOf(obj), obj);

/** The container defaults every pod spec gets, for an image pinned to a non-latest tag. */
const containerDefaults = {
  imagePullPolicy: 'IfNotPresent',
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  resources: {},
};

const podSpecDefaults = {
  dnsPolicy: 'ClusterFirst',
  restartPolicy: 'Always',
  schedulerName: 'default-scheduler',
  securityContext: {},
  terminationGracePeriodSeconds: 30,
};

test('Deployment gets the apps/v1 defaults and template pod spec defaults', () => {
  assert.deepEqual(defaulted(deployment()), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          ...podSpecDefaults,
          containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }], ...containerDefaults }],
        },
      },
    },
  });
});

test('Deployment templates do not get Pod-only defaults', () => {
  const d = deployment();
  const c = ((d['spec'] as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers)[0]!;
  c['resources'] = { limits: { cpu: '1' } };
  const out = defaulted(d) as unknown as { spec: { template: { spec: Record<string, unknown> & { containers: { resources: unknown }[] } } } };
  assert.equal(out.spec.template.spec['enableServiceLinks'], undefined);
  assert.equal(out.spec.template.spec['priority'], undefined);
  assert.deepEqual(out.spec.template.spec.containers[0]!.resources, { limits: { cpu: '1' } });
});

test('Deployment Recreate strategy gets no rolling-update block', () => {
  const d = deployment();
  (d['spec'] as Record<string, unknown>)['strategy'] = { type: 'Recreate' };
  const out = defaulted(d) as unknown as { spec: { strategy: unknown } };
  assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
});

test('Deployment keeps a partial rolling update and explicit zero replicas', () => {
  const d = deployment();
  const spec = d['spec'] as Record<string, unknown>;
  spec['replicas'] = 0;
  spec['revisionHistoryLimit'] = 0;
  spec['strategy'] = { rollingUpdate: { maxSurge: 1 } };
  const out = defaulted(d) as unknown as { spec: Record<string, unknown> };
  assert.equal(out.spec['replicas'], 0);
  assert.equal(out.spec['revisionHistoryLimit'], 0);
  assert.deepEqual(out.spec['strategy'], { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } });
});

test('Pod with probes and volumes gets exactly the Kubernetes defaults', () => {
  assert.deepEqual(defaulted(podWithProbesAndVolumes()), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'api', namespace: 'default' },
    spec: {
      ...podSpecDefaults,
      enableServiceLinks: true,
      priority: 0,
      preemptionPolicy: 'PreemptLowerPriority',
      containers: [
        {
          name: 'api',
          image: 'registry.local:5000/team/api',
          // No tag means latest, and the registry port is not a tag.
          imagePullPolicy: 'Always',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }],
          resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '500m', memory: '128Mi' } },
          livenessProbe: {
            httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
            timeoutSeconds: 1,
            periodSeconds: 10,
            successThreshold: 1,
            failureThreshold: 3,
          },
          readinessProbe: { tcpSocket: { port: 'http' }, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 3 },
          volumeMounts: [{ name: 'config', mountPath: '/etc/api' }],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'api-config', defaultMode: 420 } },
        { name: 'creds', secret: { secretName: 'api-creds', defaultMode: 420 } },
        { name: 'scratch', emptyDir: {} },
        { name: 'logs', hostPath: { path: '/var/log/api', type: '' } },
        {
          name: 'info',
          downwardAPI: { defaultMode: 420, items: [{ path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } }] },
        },
      ],
    },
  });
});

test('Pod requests are only filled for resources missing from requests', () => {
  const pod = podWithProbesAndVolumes();
  const container = (pod['spec'] as { containers: Record<string, unknown>[] }).containers[0]!;
  container['resources'] = { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '100m' } };
  const out = defaulted(pod) as unknown as { spec: { containers: { resources: unknown }[] } };
  assert.deepEqual(out.spec.containers[0]!.resources, { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '100m', memory: '1Gi' } });
});

test('Pod on the host network gets host ports equal to container ports', () => {
  const pod = podWithProbesAndVolumes();
  (pod['spec'] as Record<string, unknown>)['hostNetwork'] = true;
  const out = defaulted(pod) as unknown as { spec: { containers: { ports: unknown }[] } };
  assert.deepEqual(out.spec.containers[0]!.ports, [{ name: 'http', containerPort: 8080, hostPort: 8080, protocol: 'TCP' }]);
});

test('Pod naming a priority class is left for the server to resolve', () => {
  const pod = podWithProbesAndVolumes();
  (pod['spec'] as Record<string, unknown>)['priorityClassName'] = 'high';
  const out = defaulted(pod) as unknown as { spec: Record<string, unknown> };
  assert.equal(out.spec['priority'], undefined);
  assert.equal(out.spec['preemptionPolicy'], undefined);
});

test('Pod init, ephemeral containers, lifecycle hooks, gRPC probes and projected volumes are defaulted', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      serviceAccount: 'legacy',
      initContainers: [{ name: 'init', image: 'busybox:latest', resources: { limits: { cpu: '1' } } }],
      ephemeralContainers: [{ name: 'debug', image: 'busybox' }],
      containers: [
        {
          name: 'c',
          image: 'app@sha256:0123',
          lifecycle: { preStop: { httpGet: { port: 80 } } },
          startupProbe: { grpc: { port: 9000 }, failureThreshold: 30 },
        },
      ],
      volumes: [
        {
          name: 'token',
          projected: { sources: [{ serviceAccountToken: { path: 'token' } }, { downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name' } }] } }] },
        },
        { name: 'eph', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'] } } } },
      ],
    },
  };
  const out = defaulted(pod) as unknown as { spec: Record<string, unknown> & Record<string, Record<string, unknown>[]> };
  assert.equal(out.spec['serviceAccountName'], 'legacy');
  assert.equal(out.spec['serviceAccount'], 'legacy');
  const init = out.spec['initContainers']![0]!;
  assert.equal(init['imagePullPolicy'], 'Always');
  assert.deepEqual(init['resources'], { limits: { cpu: '1' }, requests: { cpu: '1' } });
  const debug = out.spec['ephemeralContainers']![0]!;
  assert.equal(debug['imagePullPolicy'], 'Always');
  assert.deepEqual(debug['resources'], {});
  const c = out.spec['containers']![0]!;
  assert.equal(c['imagePullPolicy'], 'IfNotPresent', 'a digest without a tag is not latest');
  assert.deepEqual(c['lifecycle'], { preStop: { httpGet: { port: 80, path: '/', scheme: 'HTTP' } } });
  assert.deepEqual(c['startupProbe'], { grpc: { port: 9000, service: '' }, failureThreshold: 30, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1 });
  assert.deepEqual(out.spec['volumes'], [
    {
      name: 'token',
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
          { downwardAPI: { items: [{ path: 'n', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }] } },
        ],
      },
    },
    { name: 'eph', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' } } } },
  ]);
});

test('ReplicaSet gets one replica and a defaulted template', () => {
  const out = defaulted(replicaSet()) as unknown as { spec: { replicas: number; template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } } };
  assert.equal(out.spec.replicas, 1);
  assert.equal(out.spec.template.spec['dnsPolicy'], 'ClusterFirst');
  assert.equal(out.spec.template.spec.containers[0]!['imagePullPolicy'], 'Always');
});

test('DaemonSet gets a one-at-a-time rolling update without surge', () => {
  const out = defaulted(daemonSet()) as unknown as { spec: Record<string, unknown> & { template: { spec: { containers: Record<string, unknown>[] } } } };
  assert.deepEqual(out.spec['updateStrategy'], { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(out.spec['revisionHistoryLimit'], 10);
  assert.equal(out.spec.template.spec.containers[0]!['imagePullPolicy'], 'IfNotPresent');
});

test('DaemonSet OnDelete strategy is left alone', () => {
  const ds = daemonSet();
  (ds['spec'] as Record<string, unknown>)['updateStrategy'] = { type: 'OnDelete' };
  const out = defaulted(ds) as unknown as { spec: Record<string, unknown> };
  assert.deepEqual(out.spec['updateStrategy'], { type: 'OnDelete' });
});

test('StatefulSet gets ordered pods, partition 0, retention policy and full claim templates', () => {
  const out = defaulted(statefulSet()) as unknown as { spec: Record<string, unknown> };
  assert.equal(out.spec['replicas'], 1);
  assert.equal(out.spec['podManagementPolicy'], 'OrderedReady');
  assert.equal(out.spec['revisionHistoryLimit'], 10);
  assert.deepEqual(out.spec['updateStrategy'], { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(out.spec['persistentVolumeClaimRetentionPolicy'], { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.deepEqual(out.spec['volumeClaimTemplates'], [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    },
  ]);
});

test('StatefulSet with an explicit RollingUpdate type and no block gets no block', () => {
  const sts = statefulSet();
  (sts['spec'] as Record<string, unknown>)['updateStrategy'] = { type: 'RollingUpdate' };
  const out = defaulted(sts) as unknown as { spec: Record<string, unknown> };
  assert.deepEqual(out.spec['updateStrategy'], { type: 'RollingUpdate' });
});
