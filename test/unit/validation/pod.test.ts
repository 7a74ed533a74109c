/** Pod validation: containers, ports, env, volumes, resources, probes, tolerations and the update rules. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { causeAt, check, container, fieldsOf, pod, withField } from './fixtures.js';

const C0 = 'spec.containers[0]';

describe('Pod create', () => {
  it('accepts a realistic defaulted pod', () => {
    assert.deepEqual(check(pod), []);
  });

  it('requires an image', () => {
    const causes = check(withField(pod, `${C0}.image`, undefined));
    assert.deepEqual(causes, [{ reason: 'FieldValueRequired', message: 'Required value', field: `${C0}.image` }]);
  });

  it('requires at least one container', () => {
    const causes = check(withField(pod, 'spec.containers', []));
    assert.deepEqual(causeAt(causes, 'spec.containers'), { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' });
  });

  it('checks container names and their uniqueness across init containers', () => {
    let causes = check(withField(pod, `${C0}.name`, 'Web'));
    assert.equal(causeAt(causes, `${C0}.name`)?.reason, 'FieldValueInvalid');
    assert.match(causeAt(causes, `${C0}.name`)?.message ?? '', /^Invalid value: "Web": a lowercase RFC 1123 label/);
    causes = check(withField(pod, 'spec.initContainers', [{ name: 'web', image: 'busybox', imagePullPolicy: 'Always' }]));
    assert.deepEqual(causes, [{ reason: 'FieldValueDuplicate', message: 'Duplicate value: "web"', field: 'spec.initContainers[0].name' }]);
  });

  it('keeps probes and restart policies to where they apply', () => {
    let causes = check(withField(pod, `${C0}.restartPolicy`, 'Always'));
    assert.deepEqual(causes, [{ reason: 'FieldValueForbidden', message: 'Forbidden: may not be set for non-init containers', field: `${C0}.restartPolicy` }]);
    const init = { name: 'setup', image: 'busybox', imagePullPolicy: 'Always', readinessProbe: { exec: { command: ['true'] } } };
    causes = check(withField(pod, 'spec.initContainers', [init]));
    assert.deepEqual(causes, [{
      reason: 'FieldValueForbidden', message: 'Forbidden: may not be set for init containers without restartPolicy=Always', field: 'spec.initContainers[0].readinessProbe',
    }]);
    assert.deepEqual(check(withField(pod, 'spec.initContainers', [{ ...init, restartPolicy: 'Always' }])), []);
  });

  it('checks container ports', () => {
    let causes = check(withField(pod, `${C0}.ports[0].containerPort`, 70000));
    assert.deepEqual(causes, [{
      reason: 'FieldValueInvalid', message: 'Invalid value: 70000: must be between 1 and 65535, inclusive', field: `${C0}.ports[0].containerPort`,
    }]);
    causes = check(withField(pod, `${C0}.ports[0].protocol`, 'HTTP'));
    assert.deepEqual(causes, [{
      reason: 'FieldValueNotSupported', message: 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"', field: `${C0}.ports[0].protocol`,
    }]);
    causes = check(withField(pod, `${C0}.ports[0].name`, 'http_port'));
    assert.equal(causeAt(causes, `${C0}.ports[0].name`)?.message, 'Invalid value: "http_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
    causes = check(withField(pod, `${C0}.ports[0].containerPort`, '80'));
    assert.equal(causeAt(causes, `${C0}.ports[0].containerPort`)?.reason, 'FieldValueTypeInvalid');
  });

  it('checks env names and valueFrom sources', () => {
    let causes = check(withField(pod, `${C0}.env[0].name`, 'A=B'));
    assert.equal(causeAt(causes, `${C0}.env[0].name`)?.message,
      "Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='");
    causes = check(withField(pod, `${C0}.env[1].valueFrom`, {}));
    assert.deepEqual(causes, [{
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      field: `${C0}.env[1].valueFrom`,
    }]);
    causes = check(withField(pod, `${C0}.env[1].valueFrom.configMapKeyRef`, { name: 'c', key: 'k' }));
    assert.equal(causeAt(causes, `${C0}.env[1].valueFrom`)?.message, 'Invalid value: "": may not have more than one field specified at a time');
    causes = check(withField(pod, `${C0}.env[2].value`, 'x'));
    assert.equal(causeAt(causes, `${C0}.env[2].valueFrom`)?.message, 'Invalid value: "": may not be specified when `value` is not empty');
    causes = check(withField(pod, `${C0}.env[2].valueFrom.secretKeyRef.key`, undefined));
    assert.deepEqual(fieldsOf(causes), [`${C0}.env[2].valueFrom.secretKeyRef.key`]);
  });

  it('checks volume mounts against volumes', () => {
    const causes = check(withField(pod, `${C0}.volumeMounts[0].name`, 'data'));
    assert.deepEqual(causes, [{ reason: 'FieldValueNotFound', message: 'Not found: "data"', field: `${C0}.volumeMounts[0].name` }]);
    assert.deepEqual(fieldsOf(check(withField(pod, `${C0}.volumeMounts[1].mountPath`, '/etc/web'))), [`${C0}.volumeMounts[1].mountPath`]);
  });

  it('checks volume names and sources', () => {
    let causes = check(withField(pod, 'spec.volumes[1].name', 'config'));
    assert.deepEqual(causeAt(causes, 'spec.volumes[1].name'), { reason: 'FieldValueDuplicate', message: 'Duplicate value: "config"', field: 'spec.volumes[1].name' });
    causes = check(withField(pod, 'spec.volumes[1]', { name: 'cache' }));
    assert.deepEqual(causes, [{ reason: 'FieldValueRequired', message: 'Required value: must specify a volume type', field: 'spec.volumes[1]' }]);
    // Kubernetes walks sources in a fixed order (hostPath before emptyDir) and blames the later one.
    causes = check(withField(pod, 'spec.volumes[1].hostPath', { path: '/tmp' }));
    assert.deepEqual(causes, [{ reason: 'FieldValueForbidden', message: 'Forbidden: may not specify more than 1 volume type', field: 'spec.volumes[1].emptyDir' }]);
    causes = check(withField(pod, 'spec.volumes[0].configMap.defaultMode', 1000));
    assert.deepEqual(fieldsOf(causes), ['spec.volumes[0].configMap.defaultMode']);
  });

  it('checks policy enums', () => {
    let causes = check(withField(pod, 'spec.restartPolicy', 'Sometimes'));
    assert.deepEqual(causes, [{
      reason: 'FieldValueNotSupported', message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"', field: 'spec.restartPolicy',
    }]);
    causes = check(withField(pod, 'spec.dnsPolicy', 'Cluster'));
    assert.equal(causeAt(causes, 'spec.dnsPolicy')?.reason, 'FieldValueNotSupported');
    causes = check(withField(pod, `${C0}.imagePullPolicy`, 'Sometimes'));
    assert.equal(causeAt(causes, `${C0}.imagePullPolicy`)?.message, 'Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"');
    causes = check(withField(pod, `${C0}.imagePullPolicy`, undefined));
    assert.equal(causeAt(causes, `${C0}.imagePullPolicy`)?.reason, 'FieldValueRequired');
  });

  it('checks resources', () => {
    let causes = check(withField(pod, `${C0}.resources.requests.cpu`, '1'));
    assert.deepEqual(causes, [{
      reason: 'FieldValueInvalid', message: 'Invalid value: "1": must be less than or equal to cpu limit of 500m', field: `${C0}.resources.requests[cpu]`,
    }]);
    causes = check(withField(pod, `${C0}.resources.limits.memory`, '12x'));
    assert.equal(causeAt(causes, `${C0}.resources.limits[memory]`)?.reason, 'FieldValueInvalid');
    causes = check(withField(pod, `${C0}.resources.limits.gpu`, '1'));
    assert.equal(causeAt(causes, `${C0}.resources.limits[gpu]`)?.message, 'Invalid value: "gpu": must be a standard resource for containers');
    causes = check(withField(pod, `${C0}.resources.requests.memory`, '-1'));
    assert.equal(causeAt(causes, `${C0}.resources.requests[memory]`)?.message, 'Invalid value: "-1": must be greater than or equal to 0');
    assert.deepEqual(check(withField(pod, `${C0}.resources.limits`, { 'nvidia.com/gpu': 1 })), []);
  });

  it('checks probes', () => {
    let causes = check(withField(pod, `${C0}.livenessProbe.successThreshold`, 2));
    assert.deepEqual(causes, [{ reason: 'FieldValueInvalid', message: 'Invalid value: 2: must be 1', field: `${C0}.livenessProbe.successThreshold` }]);
    causes = check(withField(pod, `${C0}.livenessProbe.exec`, { command: ['true'] }));
    assert.deepEqual(causes, [{ reason: 'FieldValueForbidden', message: 'Forbidden: may not specify more than 1 handler type', field: `${C0}.livenessProbe.httpGet` }]);
    causes = check(withField(pod, `${C0}.readinessProbe.tcpSocket`, undefined));
    assert.deepEqual(causes, [{ reason: 'FieldValueRequired', message: 'Required value: must specify a handler type', field: `${C0}.readinessProbe` }]);
    causes = check(withField(pod, `${C0}.readinessProbe.periodSeconds`, -1));
    assert.deepEqual(fieldsOf(causes), [`${C0}.readinessProbe.periodSeconds`]);
    causes = check(withField(pod, `${C0}.livenessProbe.httpGet.port`, 'no_such'));
    assert.deepEqual(fieldsOf(causes), [`${C0}.livenessProbe.httpGet.port`]);
  });

  it('checks pod-level fields', () => {
    let causes = check(withField(pod, 'spec.terminationGracePeriodSeconds', -5));
    assert.deepEqual(causes, [{ reason: 'FieldValueInvalid', message: 'Invalid value: -5: must be greater than or equal to 0', field: 'spec.terminationGracePeriodSeconds' }]);
    causes = check(withField(pod, 'spec.nodeSelector', { 'bad key!': 'x' }));
    assert.deepEqual(fieldsOf(causes), ['spec.nodeSelector']);
    causes = check(withField(pod, 'spec.tolerations[0].operator', 'Maybe'));
    assert.equal(causeAt(causes, 'spec.tolerations[0].operator')?.message, 'Unsupported value: "Maybe": supported values: "Equal", "Exists"');
    causes = check(withField(pod, 'spec.tolerations[0]', { key: 'a', operator: 'Exists', effect: 'NoRun' }));
    assert.deepEqual(causes, [{
      reason: 'FieldValueNotSupported', message: 'Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      field: 'spec.tolerations[0].effect',
    }]);
    causes = check(withField(pod, 'spec.tolerations[0]', { operator: 'Equal', value: 'x' }));
    assert.deepEqual(fieldsOf(causes), ['spec.tolerations[0].operator']);
    causes = check(withField(pod, `${C0}.securityContext`, { privileged: true, allowPrivilegeEscalation: false }));
    assert.deepEqual(fieldsOf(causes), [`${C0}.securityContext`]);
    causes = check(withField(pod, 'spec.securityContext', { runAsUser: -1, seccompProfile: { type: 'Custom' } }));
    assert.deepEqual(fieldsOf(causes), ['spec.securityContext.runAsUser', 'spec.securityContext.seccompProfile.type']);
  });

  it('checks metadata', () => {
    let causes = check(withField(pod, 'metadata.name', undefined));
    assert.deepEqual(causes, [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
    assert.deepEqual(check(withField(withField(pod, 'metadata.name', undefined), 'metadata.generateName', 'web-')), []);
    causes = check(withField(pod, 'metadata.generateName', 'Web-'));
    assert.deepEqual(fieldsOf(causes), ['metadata.generateName']);
    causes = check(withField(pod, 'metadata.labels', { app: 'web server' }));
    assert.equal(causeAt(causes, 'metadata.labels')?.message?.startsWith('Invalid value: "web server": a valid label must be'), true);
    causes = check(withField(pod, 'metadata.annotations', { 'a/b/c': 'x' }));
    assert.deepEqual(fieldsOf(causes), ['metadata.annotations']);
    causes = check(withField(pod, 'metadata.annotations', { big: 'x'.repeat(256 * 1024) }));
    assert.deepEqual(causes, [{ reason: 'FieldValueTooLong', message: 'Too long: may not be more than 262144 bytes', field: 'metadata.annotations' }]);
  });

  it('reports several problems in one pass', () => {
    const broken = withField(withField(pod, `${C0}.image`, ''), 'spec.restartPolicy', 'Sometimes');
    assert.deepEqual(fieldsOf(check(broken)), [`${C0}.image`, 'spec.restartPolicy']);
  });
});

describe('Pod update', () => {
  it('allows image, activeDeadlineSeconds and toleration additions', () => {
    let next = withField(pod, `${C0}.image`, 'nginx:1.28');
    next = withField(next, 'spec.activeDeadlineSeconds', 600);
    next = withField(next, 'spec.tolerations[1]', { key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' });
    next = withField(next, 'metadata.labels', { app: 'web', version: 'v2' });
    assert.deepEqual(check(next, pod), []);
  });

  it('forbids other spec changes', () => {
    const causes = check(withField(pod, `${C0}.ports[0].containerPort`, 8080), pod);
    assert.equal(causes.length, 1);
    assert.equal(causes[0]?.field, 'spec');
    assert.equal(causes[0]?.reason, 'FieldValueForbidden');
    assert.match(causes[0]?.message ?? '', /^Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`/);
    assert.equal(check(withField(pod, 'spec.containers[1]', container('sidecar')), pod)[0]?.field, 'spec');
  });

  it('forbids removing tolerations and lengthening the deadline', () => {
    assert.equal(check(withField(pod, 'spec.tolerations', []), pod)[0]?.field, 'spec');
    const withDeadline = withField(pod, 'spec.activeDeadlineSeconds', 100);
    assert.deepEqual(fieldsOf(check(withField(pod, 'spec.activeDeadlineSeconds', 200), withDeadline)), ['spec.activeDeadlineSeconds']);
  });

  it('keeps a scheduled node', () => {
    const bound = withField(pod, 'spec.nodeName', 'node-1');
    assert.deepEqual(check(pod, bound), []);
    assert.equal(check(withField(pod, 'spec.nodeName', 'node-2'), bound)[0]?.field, 'spec');
  });
});
