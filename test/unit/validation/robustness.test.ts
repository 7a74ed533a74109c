/** validateObject never throws, whatever shape a client sends, and reports wrong JSON types as causes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../../src/api/machinery/object.js';
import { validateObject } from '../../../src/api/validation/index.js';

const KINDS: Array<[string, string]> = [
  ['', 'Namespace'], ['', 'Pod'], ['', 'Service'], ['', 'Endpoints'], ['', 'ConfigMap'], ['', 'Secret'], ['', 'Node'], ['', 'Event'],
  ['', 'ServiceAccount'], ['', 'PersistentVolumeClaim'], ['', 'PersistentVolume'], ['apps', 'Deployment'], ['apps', 'ReplicaSet'],
  ['apps', 'DaemonSet'], ['apps', 'StatefulSet'], ['apps', 'ControllerRevision'], ['batch', 'Job'], ['batch', 'CronJob'],
  ['networking.k8s.io', 'Ingress'], ['networking.k8s.io', 'IngressClass'], ['discovery.k8s.io', 'EndpointSlice'],
  ['coordination.k8s.io', 'Lease'], ['events.k8s.io', 'Event'], ['rbac.authorization.k8s.io', 'Role'],
  ['rbac.authorization.k8s.io', 'ClusterRole'], ['rbac.authorization.k8s.io', 'RoleBinding'],
  ['rbac.authorization.k8s.io', 'ClusterRoleBinding'], ['storage.k8s.io', 'StorageClass'], ['policy', 'PodDisruptionBudget'],
  ['scheduling.k8s.io', 'PriorityClass'], ['example.com', 'Widget'],
];

const WEIRD: unknown[] = [undefined, null, 'x', 7, [], [1, 'a'], { containers: 'x', selector: [], template: 5 }, { spec: { template: { spec: [] } } }];

describe('robustness', () => {
  it('never throws on odd shapes', () => {
    for (const [group, kind] of KINDS) {
      for (const w of WEIRD) {
        const obj = { kind, metadata: { name: 'x', namespace: 'default' }, spec: w, data: w, rules: w, subsets: w, roleRef: w, subjects: w, endpoints: w } as KObject;
        assert.doesNotThrow(() => validateObject({ group, version: 'v1', kind }, obj), `${kind} ${JSON.stringify(w)}`);
        assert.doesNotThrow(() => validateObject({ group, version: 'v1', kind }, obj, obj), `${kind} update ${JSON.stringify(w)}`);
      }
      const bareMeta = { kind, metadata: { labels: 'x', annotations: 3, name: 5 } } as unknown as KObject;
      assert.doesNotThrow(() => validateObject({ group, version: 'v1', kind }, bareMeta), kind);
    }
  });

  it('reports wrong JSON types with the structural-schema wording', () => {
    const obj = { kind: 'ConfigMap', metadata: { name: 'x', labels: 'app=web' } } as unknown as KObject;
    assert.deepEqual(validateObject({ group: '', version: 'v1', kind: 'ConfigMap' }, obj), [{
      reason: 'FieldValueTypeInvalid', message: 'Invalid value: "string": metadata.labels in body must be of type object: "string"', field: 'metadata.labels',
    }]);
  });

  it('applies only ObjectMeta rules to unknown kinds', () => {
    const widget: KObject = { kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec: { anything: true } };
    assert.deepEqual(validateObject({ group: 'example.com', version: 'v1', kind: 'Widget' }, widget), []);
    const bad: KObject = { kind: 'Widget', metadata: { name: 'W1' } };
    assert.equal(validateObject({ group: 'example.com', version: 'v1', kind: 'Widget' }, bad)[0]?.field, 'metadata.name');
  });
});
