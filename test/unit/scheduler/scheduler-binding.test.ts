import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { KObject } from '../../../src/api/machinery/object.js';
import type { KubeClient, ResourceRef } from '../../../src/client/rest-client.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';

interface BindCall {
  pod: string;
  node: string;
  settle(err?: Error): void;
}

/** Lists from fixed objects, watches that stay open and silent, and binding requests the test settles by hand. */
function fakeClient(objects: Record<string, KObject[]>): { client: KubeClient; binds: BindCall[]; waitForBinds(n: number): Promise<void> } {
  const binds: BindCall[] = [];
  const waiters: (() => void)[] = [];
  const client = {
    list: async (ref: ResourceRef) => ({ items: objects[ref.resource] ?? [], metadata: { resourceVersion: '1' } }),
    raw: async () => Object.assign(new PassThrough(), { statusCode: 200 }),
    create: async (_ref: ResourceRef, _ns: string | undefined, obj: KObject) => obj,
    patch: async () => ({}),
    update: async (_ref: ResourceRef, obj: KObject) => obj,
    createSubresource: (_ref: ResourceRef, _ns: string | undefined, name: string, _sub: string, body: { target: { name: string } }) => new Promise((resolve, reject) => {
      binds.push({ pod: name, node: body.target.name, settle: (err) => (err ? reject(err) : resolve({})) });
      for (const w of waiters.splice(0)) w();
    }),
  } as unknown as KubeClient;
  const waitForBinds = async (n: number): Promise<void> => {
    for (let i = 0; i < 200 && binds.length < n; i++) await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 50); });
  };
  return { client, binds, waitForBinds };
}

const node: KObject = {
  apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'node-1', resourceVersion: '1', labels: { 'kubernetes.io/hostname': 'n1' } },
  status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
} as unknown as KObject;

function pod(name: string): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1' }, spec: { containers: [{ name: 'c', image: 'x' }] } } as unknown as KObject;
}

describe('scheduler binding cycle', () => {
  it('places the next pod while an earlier binding is still under way', async () => {
    const { client, binds, waitForBinds } = fakeClient({ pods: [pod('a'), pod('b'), pod('c')], nodes: [node] });
    const s = new Scheduler(client);
    s.start();
    try {
      await waitForBinds(3);
      // No binding has been answered yet, and all three pods have asked for theirs.
      assert.deepEqual(binds.map((b) => b.pod).sort(), ['a', 'b', 'c']);
      assert.ok(binds.every((b) => b.node === 'n1'));
      for (const b of binds) b.settle();
    } finally {
      s.stop();
    }
  });

  it('a binding that fails is retried, not skipped as already placed', async () => {
    const { client, binds, waitForBinds } = fakeClient({ pods: [pod('a')], nodes: [node] });
    const s = new Scheduler(client);
    s.start();
    try {
      await waitForBinds(1);
      binds[0].settle(new Error('connection reset'));
      await waitForBinds(2);
      assert.equal(binds.length, 2);
      assert.equal(binds[1].pod, 'a');
      binds[1].settle();
    } finally {
      s.stop();
    }
  });
});
