// The delay between a pod's deletion and its stop signal, so Services drop its endpoint first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ENDPOINT_DRAIN_MS, endpointDrainDelay } from '../../../src/agent/endpoint-drain.js';

const deletedAt = Date.parse('2024-05-01T12:00:00Z');

function pod(o: { ready?: boolean; probe?: boolean; grace?: number; deleted?: boolean } = {}): Pod {
  const grace = o.grace ?? 30;
  return {
    metadata: { name: 'p', ...(o.deleted === false ? {} : { deletionTimestamp: new Date(deletedAt + grace * 1000).toISOString(), deletionGracePeriodSeconds: grace }) },
    spec: { containers: [{ name: 'c', image: 'i', ...(o.probe === false ? {} : { readinessProbe: { tcpSocket: { port: 80 } } }) }] },
    status: { conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

test('a Ready, readiness-probed pod waits the drain delay counted from its deletion', () => {
  assert.equal(endpointDrainDelay(pod(), deletedAt), ENDPOINT_DRAIN_MS);
  assert.equal(endpointDrainDelay(pod(), deletedAt + 500), ENDPOINT_DRAIN_MS - 500);
  // A later sync of the same Terminating pod waits no more.
  assert.equal(endpointDrainDelay(pod(), deletedAt + ENDPOINT_DRAIN_MS + 1), 0);
});

test('no delay for pods not deleted, not ready, without a readiness probe; never beyond the grace period', () => {
  assert.equal(endpointDrainDelay(pod({ deleted: false }), deletedAt), 0);
  assert.equal(endpointDrainDelay(pod({ ready: false }), deletedAt), 0);
  assert.equal(endpointDrainDelay(pod({ probe: false }), deletedAt), 0);
  assert.equal(endpointDrainDelay(pod({ grace: 0 }), deletedAt), 0);
  assert.equal(endpointDrainDelay(pod({ grace: 1 }), deletedAt), 1000);
});
