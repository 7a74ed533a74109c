// End-to-end: the default `standard` StorageClass provisions and binds claims, and reclaims their volumes on deletion.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, removeDataDir, startCluster, type Cluster } from './harness.js';

interface Obj {
  metadata: { name: string; uid: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
  status?: { phase?: string; capacity?: Record<string, string>; accessModes?: string[] };
}

/** One row of a kubectl table as header → cell; columns are separated by two or more spaces. */
function row(table: string, name: string): Record<string, string> {
  const lines = table.trim().split('\n');
  const header = lines[0].split(/\s{2,}/);
  const line = lines.slice(1).find((l) => l.split(/\s{2,}/)[0] === name);
  assert.ok(line, `no row ${name} in:\n${table}`);
  const cells = line.split(/\s{2,}/);
  return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
}

const CLAIMS = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: keep
provisioner: skiff.io/local-volume
reclaimPolicy: Retain
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1024Mi
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: kept
spec:
  storageClassName: keep
  accessModes: [ReadWriteOnce, ReadOnlyMany]
  resources:
    requests:
      storage: 512Mi
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: static-only
spec:
  storageClassName: ""
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
`;

describe('local volume provisioner', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster.stop();
    removeDataDir(cluster);
  });

  const getJson = (args: string[]): Obj => JSON.parse(cluster.k(['get', ...args, '-o', 'json'])) as Obj;

  it('starts with `standard` as the default class', async () => {
    const sc = await eventually(() => {
      const r = cluster.kubectl(['get', 'sc']);
      return r.code === 0 && r.stdout.includes('standard') ? r.stdout : undefined;
    });
    const standard = row(sc, 'standard (default)');
    assert.equal(standard['PROVISIONER'], 'skiff.io/local-volume');
    assert.equal(standard['RECLAIMPOLICY'], 'Delete');
    assert.equal(standard['VOLUMEBINDINGMODE'], 'Immediate');
  });

  it('provisions and binds a claim, and deletes its volume with it', async () => {
    assert.match(cluster.k(['apply', '-f', '-'], { input: CLAIMS }), /persistentvolumeclaim\/data created/);
    const claim = await eventually(() => {
      const c = getJson(['pvc', 'data']);
      return c.status?.phase === 'Bound' ? c : undefined;
    });
    const pvName = `pvc-${claim.metadata.uid}`;
    assert.equal(claim.spec['volumeName'], pvName);
    assert.equal(claim.spec['storageClassName'], 'standard');
    // Stored canonically, as Kubernetes stores quantities.
    assert.deepEqual(claim.spec['resources'], { requests: { storage: '1Gi' } });
    assert.deepEqual(claim.status, { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } });
    assert.equal(claim.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(claim.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'], 'skiff.io/local-volume');

    const pvcRow = row(cluster.k(['get', 'pvc']), 'data');
    assert.deepEqual(
      [pvcRow['STATUS'], pvcRow['VOLUME'], pvcRow['CAPACITY'], pvcRow['ACCESS MODES'], pvcRow['STORAGECLASS']],
      ['Bound', pvName, '1Gi', 'RWO', 'standard'],
    );

    const pv = getJson(['pv', pvName]);
    assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], 'skiff.io/local-volume');
    assert.deepEqual(pv.spec['csi'], { driver: 'skiff.io/local-volume', volumeHandle: `skiff-${cluster.name}-${pvName}` });
    assert.equal((pv.spec['claimRef'] as { uid?: string }).uid, claim.metadata.uid);
    const pvRow = row(cluster.k(['get', 'pv']), pvName);
    assert.deepEqual(
      [pvRow['CAPACITY'], pvRow['ACCESS MODES'], pvRow['RECLAIM POLICY'], pvRow['STATUS'], pvRow['CLAIM'], pvRow['STORAGECLASS']],
      ['1Gi', 'RWO', 'Delete', 'Bound', 'default/data', 'standard'],
    );

    const events = JSON.parse(cluster.k(['get', 'events', '-o', 'json'])) as { items: { reason: string; message: string; involvedObject: { name: string } }[] };
    assert.ok(
      events.items.some((e) => e.involvedObject.name === 'data' && e.reason === 'ProvisioningSucceeded' && e.message === `Successfully provisioned volume ${pvName}`),
      JSON.stringify(events.items.map((e) => [e.involvedObject.name, e.reason, e.message])),
    );

    cluster.k(['delete', 'pvc', 'data']);
    await eventually(() => cluster.kubectl(['get', 'pv', pvName]).stderr.includes('NotFound'));
  });

  it('releases a Retain volume and never provisions for an explicit empty class', async () => {
    const kept = await eventually(() => {
      const c = getJson(['pvc', 'kept']);
      return c.status?.phase === 'Bound' ? c : undefined;
    });
    const pvName = `pvc-${kept.metadata.uid}`;
    const keptRow = row(cluster.k(['get', 'pvc']), 'kept');
    assert.deepEqual([keptRow['CAPACITY'], keptRow['ACCESS MODES'], keptRow['STORAGECLASS']], ['512Mi', 'RWO,ROX', 'keep']);
    // By now the provisioner has passed over the classless claim, which must wait for a matching volume.
    const staticOnly = getJson(['pvc', 'static-only']);
    assert.equal(staticOnly.status?.phase, 'Pending');
    assert.equal(staticOnly.spec['volumeName'], undefined);

    cluster.k(['delete', 'pvc', 'kept', 'static-only']);
    const released = await eventually(() => {
      const pv = getJson(['pv', pvName]);
      return pv.status?.phase === 'Released' ? pv : undefined;
    });
    assert.equal((released.spec['claimRef'] as { name?: string }).name, 'kept');
    assert.equal(row(cluster.k(['get', 'pv']), pvName)['STATUS'], 'Released');
    cluster.k(['delete', 'pv', pvName]);
  });
});
