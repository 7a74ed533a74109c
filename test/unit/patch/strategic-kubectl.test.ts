/** Strategic merge patch against the exact bodies kubectl 1.32 sends (captured from the wire). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from '../../../src/api/patch/index.js';

const DEPLOYMENT = { group: 'apps', version: 'v1', kind: 'Deployment' };
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The Deployment as `kubectl apply` first created it (last-applied annotation left out for brevity). */
function liveDeployment(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web', namespace: 'default', uid: 'u-web', resourceVersion: '7',
      annotations: { [LAST_APPLIED]: '{"old":true}\n' },
      finalizers: ['a.example/f1', 'a.example/f2'],
      labels: { app: 'web', tier: 'front' },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }, type: 'RollingUpdate' },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
              image: 'nginx:1.25', name: 'nginx',
              ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP' }],
              volumeMounts: [{ mountPath: '/data', name: 'data' }],
            },
            { args: ['sleep', '3600'], image: 'busybox', name: 'sidecar' },
          ],
          volumes: [{ emptyDir: {}, name: 'data' }],
          restartPolicy: 'Always',
        },
      },
    },
    status: { observedGeneration: 1, conditions: [{ type: 'Available', status: 'True' }] },
  };
}

type Deploy = ReturnType<typeof liveDeployment> & {
  metadata: { finalizers: string[]; labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    replicas?: number; paused?: boolean;
    strategy: Record<string, unknown>;
    template: {
      metadata: { annotations?: Record<string, string> };
      spec: { containers: { name: string; image: string; env?: { name: string; value?: string }[]; ports?: { containerPort: number }[] }[]; volumes: Record<string, unknown>[] };
    };
  };
};

function patchDeployment(original: unknown, patch: unknown): Deploy {
  return applyStrategicMergePatch(original, patch, DEPLOYMENT) as Deploy;
}

test('kubectl set image replaces only the image of the named container', () => {
  const live = liveDeployment();
  const result = patchDeployment(live, {
    spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }], containers: [{ image: 'nginx:2', name: 'nginx' }] } } },
  });
  const [nginx, sidecar] = result.spec.template.spec.containers;
  assert.equal(nginx?.image, 'nginx:2');
  assert.deepEqual(nginx?.env, [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
  assert.equal(sidecar?.name, 'sidecar');
  assert.equal(sidecar?.image, 'busybox');
  assert.equal((live.spec as Deploy['spec']).template.spec.containers[0]?.image, 'nginx:1.25', 'live object untouched');
});

test('kubectl set image: the literal single-container body', () => {
  const live = liveDeployment();
  const result = patchDeployment(live, {
    spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ image: 'nginx:2', name: 'nginx' }] } } },
  });
  // The sidecar is not named in $setElementOrder, but it is not deleted either: it keeps its place after nginx.
  assert.deepEqual(result.spec.template.spec.containers.map((c) => [c.name, c.image]), [['nginx', 'nginx:2'], ['sidecar', 'busybox']]);
  assert.ok(!JSON.stringify(result).includes('$setElementOrder'), 'directives are never stored');
});

test('client-side kubectl apply update: the captured three-way patch', () => {
  const newLastApplied = '{"apiVersion":"apps/v1","kind":"Deployment"}\n';
  // Verbatim from `kubectl apply` of a manifest that drops the sidecar, env B, port 443, replicas, the tier label
  // and finalizer f1, adds f3, env C and port 8443, switches to Recreate and swaps emptyDir for hostPath.
  const patch = {
    metadata: {
      '$deleteFromPrimitiveList/finalizers': ['a.example/f1'],
      '$setElementOrder/finalizers': ['a.example/f2', 'a.example/f3'],
      annotations: { [LAST_APPLIED]: newLastApplied },
      finalizers: ['a.example/f3'],
      labels: { tier: null },
    },
    spec: {
      replicas: null,
      strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' },
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'nginx' }],
          '$setElementOrder/volumes': [{ name: 'data' }],
          containers: [
            {
              '$setElementOrder/env': [{ name: 'C' }, { name: 'A' }],
              '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 8443 }],
              env: [{ name: 'C', value: '3' }, { $patch: 'delete', name: 'B' }],
              image: 'nginx:1.26',
              name: 'nginx',
              ports: [{ containerPort: 8443 }, { $patch: 'delete', containerPort: 443 }],
            },
            { $patch: 'delete', name: 'sidecar' },
          ],
          volumes: [{ $retainKeys: ['hostPath', 'name'], emptyDir: null, hostPath: { path: '/tmp/x' }, name: 'data' }],
        },
      },
    },
  };
  const result = patchDeployment(liveDeployment(), patch);
  assert.deepEqual(result.metadata, {
    name: 'web', namespace: 'default', uid: 'u-web', resourceVersion: '7',
    annotations: { [LAST_APPLIED]: newLastApplied },
    finalizers: ['a.example/f2', 'a.example/f3'],
    labels: { app: 'web' },
  });
  assert.deepEqual(result.spec, {
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'Recreate' },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{
          env: [{ name: 'C', value: '3' }, { name: 'A', value: '1' }],
          image: 'nginx:1.26', name: 'nginx',
          ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 8443 }],
          volumeMounts: [{ mountPath: '/data', name: 'data' }],
        }],
        volumes: [{ name: 'data', hostPath: { path: '/tmp/x' } }],
        restartPolicy: 'Always',
      },
    },
  });
  assert.deepEqual(result.status, liveDeployment().status, 'status untouched');
});

test('kubectl rollout restart adds the restartedAt template annotation', () => {
  const result = patchDeployment(liveDeployment(), {
    spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-22T02:21:55Z' } } } },
  });
  assert.deepEqual(result.spec.template.metadata, {
    labels: { app: 'web' },
    annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-22T02:21:55Z' },
  });
  assert.equal(result.spec.template.spec.containers.length, 2);
});

test('kubectl rollout pause and resume', () => {
  const paused = patchDeployment(liveDeployment(), { spec: { paused: true } });
  assert.equal(paused.spec.paused, true);
  const resumed = patchDeployment(paused, { spec: { paused: null } });
  assert.equal('paused' in resumed.spec, false);
  assert.deepEqual(resumed, liveDeployment());
});

test('kubectl label / annotate bodies (also accepted as strategic merge patches)', () => {
  const labeled = patchDeployment(liveDeployment(), { metadata: { labels: { env: 'prod' }, annotations: { note: 'hi' } } });
  assert.deepEqual(labeled.metadata.labels, { app: 'web', tier: 'front', env: 'prod' });
  assert.equal(labeled.metadata.annotations.note, 'hi');
  const unlabeled = patchDeployment(labeled, { metadata: { labels: { env: null } } });
  assert.deepEqual(unlabeled.metadata.labels, { app: 'web', tier: 'front' });
});

test('kubectl set env D=4 appends by name, ordered by $setElementOrder', () => {
  const result = patchDeployment(liveDeployment(), {
    spec: { template: { spec: {
      '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
      containers: [{ '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }, { name: 'D' }], env: [{ name: 'D', value: '4' }], name: 'nginx' }],
    } } },
  });
  const nginx = result.spec.template.spec.containers[0];
  assert.deepEqual(nginx?.env, [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'D', value: '4' }]);
  assert.equal(nginx?.image, 'nginx:1.25');
});

test('kubectl set env A- deletes one variable by name', () => {
  const result = patchDeployment(liveDeployment(), {
    spec: { template: { spec: {
      '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
      containers: [{ '$setElementOrder/env': [{ name: 'B' }], env: [{ $patch: 'delete', name: 'A' }], name: 'nginx' }],
    } } },
  });
  assert.deepEqual(result.spec.template.spec.containers[0]?.env, [{ name: 'B', value: '2' }]);
});

test('container ports merge by containerPort, a changed value only touches its port', () => {
  const result = patchDeployment(liveDeployment(), {
    spec: { template: { spec: { containers: [{ name: 'nginx', ports: [{ containerPort: 443, name: 'https' }, { containerPort: 9090 }] }] } } },
  });
  assert.deepEqual(result.spec.template.spec.containers[0]?.ports, [
    { containerPort: 80, protocol: 'TCP' },
    { containerPort: 443, protocol: 'TCP', name: 'https' },
    { containerPort: 9090 },
  ]);
});

test('strategy switch Recreate -> RollingUpdate keeps only the retained keys', () => {
  const recreate = patchDeployment(liveDeployment(), { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } });
  assert.deepEqual(recreate.spec.strategy, { type: 'Recreate' });
  const back = patchDeployment(recreate, {
    spec: { strategy: { $retainKeys: ['rollingUpdate', 'type'], rollingUpdate: { maxSurge: '25%' }, type: 'RollingUpdate' } },
  });
  assert.deepEqual(back.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } });
});

test('without $retainKeys the old union member would survive (why kubectl sends it)', () => {
  const result = patchDeployment(liveDeployment(), { spec: { strategy: { type: 'Recreate' } } });
  assert.deepEqual(result.spec.strategy, { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }, type: 'Recreate' });
});
