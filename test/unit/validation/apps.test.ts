/** apps/v1 workloads: selectors, templates, strategies and immutable fields. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../../src/api/machinery/object.js';
import { causeAt, check, deployment, fieldsOf, podSpec, withField } from './fixtures.js';

const replicaSet = withField(deployment, 'kind', 'ReplicaSet');
const daemonSet: KObject = withField(
  withField(withField(deployment, 'kind', 'DaemonSet'), 'spec.strategy', undefined),
  'spec.updateStrategy', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
);
const statefulSet: KObject = {
  apiVersion: 'apps/v1', kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'default' },
  spec: {
    replicas: 3, serviceName: 'db', podManagementPolicy: 'OrderedReady', revisionHistoryLimit: 10,
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    selector: { matchLabels: { app: 'db' } },
    template: { metadata: { labels: { app: 'db' } }, spec: podSpec() },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' } }],
  },
};

describe('Deployment', () => {
  it('accepts a realistic deployment', () => {
    assert.deepEqual(check(deployment), []);
  });

  it('requires template labels to match the selector', () => {
    const causes = check(withField(deployment, 'spec.template.metadata.labels', { app: 'api' }));
    assert.deepEqual(causes, [{
      reason: 'FieldValueInvalid', message: 'Invalid value: {"app":"api"}: `selector` does not match template `labels`', field: 'spec.template.metadata.labels',
    }]);
  });

  it('matches matchExpressions too', () => {
    const sel = { matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'backend'] }] };
    assert.deepEqual(check(withField(deployment, 'spec.selector', sel)), []);
    const bad = withField(deployment, 'spec.selector', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['frontend'] }] });
    assert.deepEqual(fieldsOf(check(bad)), ['spec.template.metadata.labels']);
    const op = withField(deployment, 'spec.selector', { matchExpressions: [{ key: 'tier', operator: 'Near', values: ['x'] }] });
    assert.deepEqual(fieldsOf(check(op)), ['spec.selector.matchExpressions[0].operator']);
  });

  it('requires a non-empty selector', () => {
    assert.deepEqual(check(withField(deployment, 'spec.selector', undefined)), [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' }]);
    assert.deepEqual(check(withField(deployment, 'spec.selector', {})), [{
      reason: 'FieldValueInvalid', message: 'Invalid value: {}: empty selector is invalid for deployment', field: 'spec.selector',
    }]);
  });

  it('requires restartPolicy Always in the template', () => {
    const causes = check(withField(deployment, 'spec.template.spec.restartPolicy', 'Never'));
    assert.deepEqual(causes, [{
      reason: 'FieldValueNotSupported', message: 'Unsupported value: "Never": supported values: "Always"', field: 'spec.template.spec.restartPolicy',
    }]);
  });

  it('validates the pod template with template paths', () => {
    const causes = check(withField(deployment, 'spec.template.spec.containers[0].ports[0].containerPort', 0));
    assert.deepEqual(fieldsOf(causes), ['spec.template.spec.containers[0].ports[0].containerPort']);
    assert.deepEqual(fieldsOf(check(withField(deployment, 'spec.template.spec.containers[0].image', ''))), ['spec.template.spec.containers[0].image']);
    assert.deepEqual(fieldsOf(check(withField(deployment, 'spec.template.metadata.labels', { app: 'web', 'x y': 'z' }))), ['spec.template.labels']);
  });

  it('checks counts', () => {
    assert.deepEqual(check(withField(deployment, 'spec.replicas', -1)), [{
      reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas',
    }]);
    assert.deepEqual(fieldsOf(check(withField(deployment, 'spec.revisionHistoryLimit', -1))), ['spec.revisionHistoryLimit']);
    const slow = withField(deployment, 'spec.minReadySeconds', 600);
    assert.deepEqual(check(slow)[0]?.message, 'Invalid value: 600: must be greater than minReadySeconds');
    assert.deepEqual(fieldsOf(check(withField(deployment, 'spec.replicas', 'three'))), ['spec.replicas']);
    assert.equal(check(withField(deployment, 'spec.replicas', 'three'))[0]?.reason, 'FieldValueTypeInvalid');
  });

  it('checks the rollout strategy', () => {
    let causes = check(withField(deployment, 'spec.strategy.rollingUpdate', { maxSurge: 0, maxUnavailable: 0 }));
    assert.deepEqual(causes, [{
      reason: 'FieldValueInvalid', message: 'Invalid value: 0: may not be 0 when `maxSurge` is 0', field: 'spec.strategy.rollingUpdate.maxUnavailable',
    }]);
    causes = check(withField(deployment, 'spec.strategy.type', 'Recreate'));
    assert.deepEqual(causes, [{
      reason: 'FieldValueForbidden', message: "Forbidden: may not be specified when strategy `type` is 'Recreate'", field: 'spec.strategy.rollingUpdate',
    }]);
    assert.deepEqual(check(withField(deployment, 'spec.strategy', { type: 'Recreate' })), []);
    causes = check(withField(deployment, 'spec.strategy.rollingUpdate.maxSurge', 'lots'));
    assert.equal(causeAt(causes, 'spec.strategy.rollingUpdate.maxSurge')?.message,
      "Invalid value: \"lots\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%', or '93%', regex used for validation is '[0-9]+%')");
    causes = check(withField(deployment, 'spec.strategy.rollingUpdate.maxUnavailable', '150%'));
    assert.equal(causeAt(causes, 'spec.strategy.rollingUpdate.maxUnavailable')?.message, 'Invalid value: "150%": must not be greater than 100%');
    causes = check(withField(deployment, 'spec.strategy', { type: 'BlueGreen' }));
    assert.deepEqual(causes, [{
      reason: 'FieldValueNotSupported', message: 'Unsupported value: {"type":"BlueGreen"}: supported values: "Recreate", "RollingUpdate"', field: 'spec.strategy',
    }]);
    causes = check(withField(deployment, 'spec.template.spec.activeDeadlineSeconds', 30));
    assert.deepEqual(causes, [{
      reason: 'FieldValueForbidden', message: 'Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported', field: 'spec.template.spec.activeDeadlineSeconds',
    }]);
  });

  it('keeps the selector immutable on update', () => {
    const next = withField(withField(deployment, 'spec.selector', { matchLabels: { app: 'web', tier: 'frontend' } }), 'spec.replicas', 5);
    assert.deepEqual(check(next, deployment), [{
      reason: 'FieldValueInvalid', message: 'Invalid value: {"matchLabels":{"app":"web","tier":"frontend"}}: field is immutable', field: 'spec.selector',
    }]);
    assert.deepEqual(check(withField(deployment, 'spec.template.spec.containers[0].image', 'nginx:2'), deployment), []);
  });
});

describe('ReplicaSet and DaemonSet', () => {
  it('accept realistic objects', () => {
    assert.deepEqual(check(replicaSet), []);
    assert.deepEqual(check(daemonSet), []);
  });

  it('check the DaemonSet update strategy', () => {
    assert.deepEqual(fieldsOf(check(withField(daemonSet, 'spec.updateStrategy.type', 'Recreate'))), ['spec.updateStrategy']);
    const both = withField(daemonSet, 'spec.updateStrategy.rollingUpdate', { maxUnavailable: 1, maxSurge: 1 });
    assert.deepEqual(fieldsOf(check(both)), ['spec.updateStrategy.rollingUpdate.maxSurge']);
    const neither = withField(daemonSet, 'spec.updateStrategy.rollingUpdate', { maxUnavailable: 0, maxSurge: 0 });
    assert.deepEqual(check(neither), [{
      reason: 'FieldValueRequired', message: 'Required value: cannot be 0 when maxSurge is 0', field: 'spec.updateStrategy.rollingUpdate.maxUnavailable',
    }]);
    assert.deepEqual(check(withField(daemonSet, 'spec.updateStrategy', { type: 'OnDelete' })), []);
  });

  it('keep the selector immutable', () => {
    const next = withField(replicaSet, 'spec.selector.matchLabels', { app: 'web', tier: 'frontend' });
    assert.deepEqual(fieldsOf(check(next, replicaSet)), ['spec.selector']);
  });
});

describe('StatefulSet', () => {
  it('accepts a realistic statefulset, with or without serviceName', () => {
    assert.deepEqual(check(statefulSet), []);
    assert.deepEqual(check(withField(statefulSet, 'spec.serviceName', undefined)), []);
  });

  it('checks policies and claim templates', () => {
    assert.deepEqual(check(withField(statefulSet, 'spec.podManagementPolicy', 'Random')), [{
      reason: 'FieldValueInvalid', message: "Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'", field: 'spec.podManagementPolicy',
    }]);
    assert.deepEqual(fieldsOf(check(withField(statefulSet, 'spec.volumeClaimTemplates[0].spec.accessModes', []))), ['spec.volumeClaimTemplates[0].spec.accessModes']);
  });

  it('lets containers mount claim templates by name', () => {
    const mounted = withField(statefulSet, 'spec.template.spec.containers[0].volumeMounts', [{ name: 'data', mountPath: '/var/lib/data' }]);
    assert.deepEqual(check(mounted), []);
    assert.deepEqual(fieldsOf(check(withField(mounted, 'spec.template.spec.containers[0].volumeMounts[0].name', 'logs'))),
      ['spec.template.spec.containers[0].volumeMounts[0].name']);
  });

  it('forbids spec changes other than the mutable fields', () => {
    assert.deepEqual(fieldsOf(check(withField(statefulSet, 'spec.selector.matchLabels', { app: 'db', x: 'y' }), statefulSet)),
      ['spec.template.metadata.labels', 'spec']);
    assert.deepEqual(check(withField(withField(statefulSet, 'spec.replicas', 5), 'spec.template.spec.containers[0].image', 'pg:17'), statefulSet), []);
    const causes = check(withField(statefulSet, 'spec.podManagementPolicy', 'Parallel'), statefulSet);
    assert.equal(causes.length, 1);
    assert.equal(causes[0]?.field, 'spec');
    assert.match(causes[0]?.message ?? '', /^Forbidden: updates to statefulset spec for fields other than 'replicas'/);
  });
});
