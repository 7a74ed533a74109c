// Decoding rules checked on hand-built bodies: value types, pointer zeros, inline structs, unknown fields and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtobufObject, isProtobufBody } from '../../../src/api/protobuf/index.js';
import { isStatusError } from '../../../src/api/machinery/errors.js';
import { bytes, entry, envelope, fixed64, msg, str, varint } from './wire-writer.js';

const quantity = (fieldNumber: number, key: string, value: string): Uint8Array => msg(fieldNumber, str(1, key), msg(2, str(1, value)));
const intOrStringInt = (fieldNumber: number, v: number): Uint8Array => msg(fieldNumber, varint(1, 0), varint(2, v));
const intOrStringStr = (fieldNumber: number, v: string): Uint8Array => msg(fieldNumber, varint(1, 1), str(3, v));

function assertBadRequest(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isStatusError(err), 'expected a StatusError');
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    assert.match(err.message, pattern);
    return true;
  });
}

test('a pod with resources, probes, env and volumes decodes to its JSON form', () => {
  const container = msg(2,
    str(1, 'app'), str(2, 'nginx:1.27'),
    msg(6, str(1, 'http'), varint(2, 0), varint(3, 8080), str(4, 'TCP'), str(5, '')),
    msg(7, str(1, 'MODE'), str(2, 'prod')),
    msg(7, str(1, 'POD_IP'), str(2, ''), msg(3, msg(1, str(1, 'v1'), str(2, 'status.podIP')))),
    msg(8, quantity(1, 'cpu', '500m'), quantity(1, 'memory', '128Mi'), quantity(2, 'cpu', '100m')),
    msg(9, str(1, 'cache'), varint(2, 0), str(3, '/cache')),
    // livenessProbe: httpGet on a named port; readinessProbe: tcpSocket on a numbered one.
    msg(10, msg(1, msg(2, str(1, '/healthz'), intOrStringStr(2, 'http'))), varint(2, 5), varint(3, 0)),
    msg(11, msg(1, msg(3, intOrStringInt(1, 8080))), varint(4, 10)),
    str(14, 'IfNotPresent'),
    varint(16, 0), varint(17, 0), varint(18, 0),
    msg(15, varint(4, 0), varint(5, 1)),
  );
  const spec = msg(2,
    msg(1, str(1, 'cache'), msg(2, msg(2, str(1, '')))),
    msg(1, str(1, 'conf'), msg(2, msg(19, msg(1, str(1, 'app-config')), varint(3, 420)))),
    container,
    str(3, 'Always'), varint(4, 30), str(6, 'ClusterFirst'), entry(7, 'disk', 'ssd'), varint(11, 0),
  );
  const body = envelope('v1', 'Pod', msg(1, str(1, 'p1'), str(3, 'default'), entry(11, 'app', 'p1'), msg(8)), spec, msg(3));
  assert.deepEqual(decodeProtobufObject(body), {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p1', namespace: 'default', labels: { app: 'p1' } },
    spec: {
      volumes: [{ name: 'cache', emptyDir: {} }, { name: 'conf', configMap: { name: 'app-config', defaultMode: 420 } }],
      containers: [{
        name: 'app', image: 'nginx:1.27',
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env: [{ name: 'MODE', value: 'prod' }, { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } }],
        resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
        volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
        livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 5 },
        readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 10 },
        imagePullPolicy: 'IfNotPresent',
        securityContext: { runAsUser: 0, runAsNonRoot: true },
      }],
      restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', nodeSelector: { disk: 'ssd' },
    },
  });
});

test('timestamps become RFC3339 strings and pointer zeros survive', () => {
  const body = envelope('v1', 'Namespace',
    msg(1, str(1, 'ns'), varint(7, 0), msg(8, varint(1, 1_700_000_000), varint(2, 5)), msg(9, varint(1, 1_700_000_060)), varint(10, 0)));
  assert.deepEqual(decodeProtobufObject(body).metadata, {
    name: 'ns', creationTimestamp: '2023-11-14T22:13:20Z', deletionTimestamp: '2023-11-14T22:14:20Z', deletionGracePeriodSeconds: 0,
  });
});

test("Go's year-one zero time is dropped like an empty one", () => {
  const body = envelope('v1', 'Namespace', msg(1, str(1, 'ns'), msg(8, varint(1, -62135596800))));
  assert.deepEqual(decodeProtobufObject(body).metadata, { name: 'ns' });
});

test('PriorityClass value 0 is kept because Go sends it without omitempty', () => {
  const body = envelope('scheduling.k8s.io/v1', 'PriorityClass', msg(1, str(1, 'low')), varint(2, 0), varint(3, 0));
  assert.deepEqual(decodeProtobufObject(body), { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'low' }, value: 0 });
});

test('unknown fields of every wire type are skipped', () => {
  const body = envelope('v1', 'ConfigMap',
    msg(1, str(1, 'cm'), str(99, 'future'), varint(98, 7)),
    entry(2, 'k', 'v'), fixed64(50, 1.5), varint(51, 3), bytes(52, Buffer.from([1, 2, 3])));
  assert.deepEqual(decodeProtobufObject(body), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { k: 'v' } });
});

test('packed repeated integers are accepted', () => {
  // SupplementalGroups (PodSecurityContext field 4) as one packed run instead of one tag per value.
  const packed = bytes(4, Buffer.from([1, 2, 0xe8, 0x07]));
  const body = envelope('v1', 'Pod', msg(1, str(1, 'p')), msg(2, msg(14, packed), msg(2, str(1, 'c'))));
  const spec = decodeProtobufObject(body).spec as Record<string, unknown>;
  assert.deepEqual(spec.securityContext, { supplementalGroups: [1, 2, 1000] });
});

test('secret data and config map binaryData are base64 in JSON', () => {
  const body = envelope('v1', 'Secret', msg(1, str(1, 's')), msg(2, str(1, 'bin'), bytes(2, Buffer.from([0xff, 0, 0x10]))), str(3, 'Opaque'));
  assert.deepEqual(decodeProtobufObject(body), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { bin: '/wAQ' }, type: 'Opaque' });
});

test('autoscaling/v1 Scale decodes', () => {
  const body = envelope('autoscaling/v1', 'Scale', msg(1, str(1, 'web'), str(3, 'default')), msg(2, varint(1, 4)));
  assert.deepEqual(decodeProtobufObject(body).spec, { replicas: 4 });
});

test('isProtobufBody looks only at the k8s\\0 prefix', () => {
  assert.equal(isProtobufBody(envelope('v1', 'Namespace')), true);
  assert.equal(isProtobufBody(Buffer.from('{"kind":"Namespace"}')), false);
  assert.equal(isProtobufBody(Buffer.from('k8s')), false);
  assert.equal(isProtobufBody(Buffer.alloc(0)), false);
});

test('a kind without a schema is a BadRequest naming the kind', () => {
  assertBadRequest(() => decodeProtobufObject(envelope('apps/v1', 'StatefulSet', msg(1, str(1, 'x')))), /StatefulSet/);
});

test('malformed bodies are BadRequest, never a crash', () => {
  assertBadRequest(() => decodeProtobufObject(Buffer.from('{"kind":"Namespace"}')), /k8s/);
  assertBadRequest(() => decodeProtobufObject(envelope('v1', 'Namespace', msg(1, str(1, 'x'))).subarray(0, 20)), /malformed/);
  assertBadRequest(() => decodeProtobufObject(Buffer.concat([Buffer.from('k8s\0', 'latin1'), bytes(2, Buffer.from([1]))])), /apiVersion\/kind/);
  // metadata.name sent as a varint instead of a string.
  assertBadRequest(() => decodeProtobufObject(envelope('v1', 'Namespace', msg(1, varint(1, 5)))), /wire type/);
  // A field number of 0 can only come from corrupt input.
  assertBadRequest(() => decodeProtobufObject(envelope('v1', 'Namespace', Buffer.from([0x02, 0x00]))), /field number 0/);
});
