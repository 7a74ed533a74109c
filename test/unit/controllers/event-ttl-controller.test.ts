/** The event TTL controller's sweep against a fake client: expired Events go, with their version as a precondition. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newConflict, newNotFound } from '../../../src/api/machinery/errors.js';
import type { KubeClient } from '../../../src/client/rest-client.js';
import { EventTtlController } from '../../../src/controllers/eventttl/event-ttl-controller.js';

const now = Date.parse('2026-11-22T12:00:00Z');
const ago = (min: number): string => new Date(now - min * 60_000).toISOString();

function fakeClient(items: object[], failures: Record<string, Error> = {}): { client: KubeClient; deletes: { name: string; rv?: string }[] } {
  const deletes: { name: string; rv?: string }[] = [];
  const client = {
    list: async () => ({ items }),
    delete: async (_ref: unknown, _ns: string, name: string, opts: { preconditions?: { resourceVersion?: string } }) => {
      if (failures[name]) throw failures[name];
      deletes.push({ name, rv: opts.preconditions?.resourceVersion });
      return {};
    },
  } as unknown as KubeClient;
  return { client, deletes };
}

describe('EventTtlController.sweep', () => {
  it('deletes only Events last seen more than the TTL ago, guarded by their resourceVersion', async () => {
    const { client, deletes } = fakeClient([
      { metadata: { namespace: 'default', name: 'old', resourceVersion: '7' }, lastTimestamp: ago(90) },
      { metadata: { namespace: 'default', name: 'new', resourceVersion: '8' }, lastTimestamp: ago(5) },
    ]);
    const c = new EventTtlController(client);
    c.start();
    try {
      assert.equal(await c.sweep(now), 1);
    } finally {
      c.stop();
    }
    assert.deepEqual(deletes, [{ name: 'old', rv: '7' }]);
  });

  it('passes over Events that are already gone or were repeated meanwhile', async () => {
    const { client, deletes } = fakeClient([
      { metadata: { namespace: 'a', name: 'gone', resourceVersion: '1' }, lastTimestamp: ago(61) },
      { metadata: { namespace: 'a', name: 'repeated', resourceVersion: '2' }, lastTimestamp: ago(61) },
      { metadata: { namespace: 'a', name: 'expired', resourceVersion: '3' }, lastTimestamp: ago(61) },
    ], { gone: newNotFound({ group: '', resource: 'events' }, 'gone'), repeated: newConflict({ group: '', resource: 'events' }, 'repeated', 'the object has been modified') });
    const c = new EventTtlController(client, { ttlMs: 60 * 60_000 });
    c.start();
    try {
      assert.equal(await c.sweep(now), 1);
    } finally {
      c.stop();
    }
    assert.deepEqual(deletes.map((d) => d.name), ['expired']);
  });
});
