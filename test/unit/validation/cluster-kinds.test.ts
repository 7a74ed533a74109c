/** The smaller kinds: RBAC, storage, policy, scheduling, discovery, coordination, events, namespaces and nodes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../../src/api/machinery/object.js';
import { check, fieldsOf, withField } from './fixtures.js';

describe('RBAC', () => {
  const role: KObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader', namespace: 'default' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
  };
  const binding: KObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'read-pods', namespace: 'default' },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }, { kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' }],
    roleRef: { kind: 'Role', name: 'pod-reader', apiGroup: 'rbac.authorization.k8s.io' },
  };

  it('accepts realistic roles and bindings', () => {
    assert.deepEqual(check(role), []);
    assert.deepEqual(check(binding), []);
    const cr = withField(withField(role, 'kind', 'ClusterRole'), 'rules[1]', { nonResourceURLs: ['/healthz'], verbs: ['get'] });
    assert.deepEqual(check(withField(cr, 'metadata.namespace', undefined)), []);
  });

  it('requires verbs, groups and resources', () => {
    assert.deepEqual(check(withField(role, 'rules[0].verbs', [])), [{
      reason: 'FieldValueRequired', message: 'Required value: verbs must contain at least one value', field: 'rules[0].verbs',
    }]);
    assert.deepEqual(fieldsOf(check(withField(role, 'rules[0].apiGroups', undefined))), ['rules[0].apiGroups']);
    assert.deepEqual(fieldsOf(check(withField(role, 'rules[0].nonResourceURLs', ['/metrics']))), ['rules[0].nonResourceURLs', 'rules[0].nonResourceURLs']);
  });

  it('checks roleRef and subjects', () => {
    assert.deepEqual(check(withField(binding, 'roleRef.kind', 'Group')), [{
      reason: 'FieldValueNotSupported', message: 'Unsupported value: "Group": supported values: "ClusterRole", "Role"', field: 'roleRef.kind',
    }]);
    assert.deepEqual(fieldsOf(check(withField(binding, 'subjects[1].kind', 'Robot'))), ['subjects[1].kind']);
    const crb = withField(withField(withField(binding, 'kind', 'ClusterRoleBinding'), 'roleRef.kind', 'ClusterRole'), 'subjects[0].namespace', undefined);
    assert.deepEqual(fieldsOf(check(withField(crb, 'metadata.namespace', undefined))), ['subjects[0].namespace']);
  });

  it('keeps roleRef immutable', () => {
    assert.deepEqual(fieldsOf(check(withField(binding, 'roleRef.name', 'other'), binding)), ['roleRef']);
    assert.equal(check(withField(binding, 'roleRef.name', 'other'), binding)[0]?.message?.endsWith(': cannot change roleRef'), true);
  });
});

describe('storage', () => {
  const pvc: KObject = {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem', storageClassName: 'standard' },
  };

  it('checks claims', () => {
    assert.deepEqual(check(pvc), []);
    assert.deepEqual(check(withField(pvc, 'spec.accessModes', [])), [{
      reason: 'FieldValueRequired', message: 'Required value: at least 1 access mode is required', field: 'spec.accessModes',
    }]);
    assert.deepEqual(fieldsOf(check(withField(pvc, 'spec.accessModes', ['ReadWriteSometimes']))), ['spec.accessModes']);
    assert.deepEqual(check(withField(pvc, 'spec.resources.requests', {})), [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.resources[storage]' }]);
  });

  it('lets only requests change on a claim', () => {
    assert.deepEqual(check(withField(pvc, 'spec.resources.requests.storage', '2Gi'), pvc), []);
    assert.deepEqual(check(withField(pvc, 'spec.volumeName', 'pv-1'), pvc), []);
    const causes = check(withField(pvc, 'spec.storageClassName', 'fast'), pvc);
    assert.deepEqual(causes, [{
      reason: 'FieldValueForbidden', message: 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims', field: 'spec',
    }]);
  });

  it('checks volumes and classes', () => {
    const pv: KObject = {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' },
      spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data/pv-1' }, persistentVolumeReclaimPolicy: 'Retain' },
    };
    assert.deepEqual(check(pv), []);
    assert.deepEqual(fieldsOf(check(withField(pv, 'spec.hostPath', undefined))), ['spec']);
    const sc: KObject = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard' }, provisioner: 'skiff.dev/hostpath', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' };
    assert.deepEqual(check(sc), []);
    assert.deepEqual(check(withField(sc, 'provisioner', undefined)), [{ reason: 'FieldValueRequired', message: 'Required value', field: 'provisioner' }]);
    assert.deepEqual(fieldsOf(check(withField(sc, 'provisioner', 'other.dev/x'), sc)), ['provisioner']);
  });
});

describe('policy and scheduling', () => {
  const pdb: KObject = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } };
  it('PodDisruptionBudget takes one of minAvailable or maxUnavailable', () => {
    assert.deepEqual(check(pdb), []);
    const both = check(withField(pdb, 'spec.maxUnavailable', '50%'));
    assert.deepEqual(fieldsOf(both), ['spec']);
    assert.match(both[0]?.message ?? '', /: minAvailable and maxUnavailable cannot be both set$/);
    assert.deepEqual(fieldsOf(check(withField(pdb, 'spec.minAvailable', '120%'))), ['spec.minAvailable']);
  });

  it('PriorityClass values stay in the user range and never change', () => {
    const pc: KObject = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000, preemptionPolicy: 'PreemptLowerPriority' };
    assert.deepEqual(check(pc), []);
    assert.deepEqual(check(withField(pc, 'value', 2_000_000_000)), [{
      reason: 'FieldValueForbidden', message: 'Forbidden: maximum allowed value of a user defined priority is 1000000000', field: 'value',
    }]);
    assert.deepEqual(fieldsOf(check(withField(pc, 'metadata.name', 'system-special'))), ['metadata.name']);
    assert.deepEqual(fieldsOf(check(withField(pc, 'value', 1), pc)), ['value']);
  });
});

describe('discovery, coordination, events', () => {
  it('EndpointSlice addressType and addresses', () => {
    const slice: KObject = {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'default' }, addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true } }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    };
    assert.deepEqual(check(slice), []);
    assert.deepEqual(check(withField(slice, 'addressType', 'IPv5')), [{
      reason: 'FieldValueNotSupported', message: 'Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"', field: 'addressType',
    }]);
    assert.deepEqual(fieldsOf(check(withField(slice, 'endpoints[0].addresses', ['fe80::1']))), ['endpoints[0].addresses[0]']);
    assert.deepEqual(fieldsOf(check(withField(slice, 'addressType', 'IPv6'), slice)), ['endpoints[0].addresses[0]', 'addressType']);
  });

  it('Lease durations are positive', () => {
    const lease: KObject = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } };
    assert.deepEqual(check(lease), []);
    assert.deepEqual(fieldsOf(check(withField(lease, 'spec.leaseDurationSeconds', 0))), ['spec.leaseDurationSeconds']);
  });

  it('core Events need an involved object in their namespace', () => {
    const ev: KObject = {
      apiVersion: 'v1', kind: 'Event', metadata: { name: 'web-1.17a', namespace: 'default' }, type: 'Normal', reason: 'Scheduled', message: 'ok',
      involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default' },
    };
    assert.deepEqual(check(ev), []);
    assert.deepEqual(fieldsOf(check(withField(ev, 'involvedObject.namespace', 'other'))), ['involvedObject.namespace']);
    // Events about cluster-scoped objects (Nodes) live in "default".
    assert.deepEqual(check(withField(ev, 'involvedObject', { kind: 'Node', name: 'node-1' })), []);
    const elsewhere = withField(withField(ev, 'involvedObject', { kind: 'Node', name: 'node-1' }), 'metadata.namespace', 'team-a');
    assert.deepEqual(fieldsOf(check(elsewhere)), ['involvedObject.namespace']);
    const newStyle = withField(ev, 'eventTime', '2024-01-01T00:00:00.000000Z');
    assert.deepEqual(fieldsOf(check(newStyle)), ['reportingComponent', 'reportingInstance', 'action']);
  });

  it('events.k8s.io Events need their reporting fields', () => {
    const ev: KObject = {
      apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'web-1.17a', namespace: 'default' }, eventTime: '2024-01-01T00:00:00.000000Z',
      reportingController: 'skiff.dev/scheduler', reportingInstance: 'scheduler-1', action: 'Binding', reason: 'Scheduled', type: 'Normal',
      regarding: { kind: 'Pod', name: 'web-1', namespace: 'default' },
    };
    assert.deepEqual(check(ev, undefined, 'events.k8s.io'), []);
    assert.deepEqual(fieldsOf(check(withField(ev, 'action', undefined), undefined, 'events.k8s.io')), ['action']);
    assert.deepEqual(check(withField(ev, 'type', 'Info'), undefined, 'events.k8s.io'), [{
      reason: 'FieldValueInvalid', message: 'Invalid value: "": has invalid value: Info', field: 'type',
    }]);
  });
});

describe('Namespace, Node, ServiceAccount and ObjectMeta', () => {
  it('Namespace names are DNS labels', () => {
    const ns: KObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } }, spec: { finalizers: ['kubernetes'] } };
    assert.deepEqual(check(ns), []);
    const causes = check(withField(ns, 'metadata.name', 'team.a'));
    assert.deepEqual(fieldsOf(causes), ['metadata.name']);
    assert.match(causes[0]?.message ?? '', /^Invalid value: "team\.a": a lowercase RFC 1123 label must consist of/);
  });

  it('Node taints', () => {
    const node: KObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.0.0/24', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } };
    assert.deepEqual(check(node), []);
    assert.deepEqual(fieldsOf(check(withField(node, 'spec.taints[0].effect', 'Never'))), ['spec.taints[0].effect']);
    assert.deepEqual(fieldsOf(check(withField(node, 'spec.podCIDR', '10.244.0.0/33'))), ['spec.podCIDR']);
  });

  it('ServiceAccount and owner references', () => {
    const sa: KObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'default' } };
    assert.deepEqual(check(sa), []);
    const owned = withField(sa, 'metadata.ownerReferences', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x' }]);
    assert.deepEqual(fieldsOf(check(owned)), ['metadata.ownerReferences[0].uid']);
    assert.deepEqual(fieldsOf(check(withField(sa, 'metadata.namespace', 'Bad_NS'))), ['metadata.namespace']);
  });

  it('review kinds need no name', () => {
    const review: KObject = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } };
    assert.deepEqual(check(review, undefined, 'authorization.k8s.io'), []);
    const cm: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} };
    assert.deepEqual(fieldsOf(check(cm)), ['metadata.name']);
  });

  it('identity fields do not change on update', () => {
    const sa: KObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'default', uid: 'a' } };
    assert.deepEqual(fieldsOf(check(withField(sa, 'metadata.uid', 'b'), sa)), ['metadata.uid']);
  });
});
