// The Job controller's pure plan: counts, parallelism, backoff, deadlines, indexes, failure policy, suspension, and the TTL decision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { newJobPod, planJob, remainingBackoff } from '../../../src/controllers/job/plan.js';
import { formatIndexes, parseIndexes } from '../../../src/controllers/job/indexes.js';
import { matchPodFailurePolicy } from '../../../src/controllers/job/pod-failure-policy.js';
import { planTtl } from '../../../src/controllers/ttlafterfinished/plan.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function job(spec: Partial<NonNullable<Job['spec']>> = {}, status: Job['status'] = {}): Job {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ns', uid: 'u1' },
    spec: { parallelism: 1, completions: 1, backoffLimit: 6, completionMode: 'NonIndexed', template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } }, ...spec },
    status,
  };
}

let seq = 0;
function pod(phase: string, opts: { index?: number; exitCode?: number; finishedAt?: number; ready?: boolean; conditions?: { type: string; status: string }[]; restarts?: number; untracked?: boolean } = {}): Pod {
  seq++;
  return {
    metadata: {
      name: `p${seq}`, namespace: 'ns', uid: `pu${seq}`, creationTimestamp: iso(NOW - 60_000 + seq),
      ...(opts.untracked ? {} : { finalizers: ['batch.kubernetes.io/job-tracking'] }),
      ...(opts.index !== undefined ? { annotations: { 'batch.kubernetes.io/job-completion-index': String(opts.index) } } : {}),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'u1', controller: true }],
    },
    spec: { containers: [{ name: 'c', image: 'i' }] },
    status: {
      phase,
      conditions: [...(opts.ready ? [{ type: 'Ready', status: 'True' }] : []), ...(opts.conditions ?? [])],
      containerStatuses: [{
        name: 'c', image: 'i', imageID: '', ready: !!opts.ready, restartCount: opts.restarts ?? 0,
        state: opts.exitCode !== undefined ? { terminated: { exitCode: opts.exitCode, finishedAt: iso(opts.finishedAt ?? NOW - 30_000) } } : { running: {} },
      }],
    },
  };
}

test('a new Job starts its clock and creates up to parallelism pods, never more than the remaining completions', () => {
  const p = planJob(job({ completions: 3, parallelism: 2 }), [], NOW);
  assert.deepEqual(p.create, [undefined, undefined]);
  assert.equal(p.status.startTime, iso(NOW));
  assert.equal(p.status.active, 2);
  const later = planJob(job({ completions: 3, parallelism: 2 }, { startTime: iso(NOW - 5000) }), [pod('Succeeded', { exitCode: 0 }), pod('Succeeded', { exitCode: 0 }), pod('Running', { ready: true })], NOW);
  assert.deepEqual(later.create, []);
  assert.equal(later.status.succeeded, 2);
  assert.equal(later.status.ready, 1);
});

test('reaching completions adds SuccessCriteriaMet and Complete, a completion time and a Completed event', () => {
  const p = planJob(job({ completions: 2, parallelism: 2 }, { startTime: iso(NOW - 5000) }), [pod('Succeeded', { exitCode: 0 }), pod('Succeeded', { exitCode: 0 })], NOW);
  assert.deepEqual(p.status.conditions?.map((c) => [c.type, c.status, c.reason]), [['SuccessCriteriaMet', 'True', 'CompletionsReached'], ['Complete', 'True', 'CompletionsReached']]);
  assert.equal(p.status.completionTime, iso(NOW));
  assert.deepEqual(p.events, [{ type: 'Normal', reason: 'Completed', message: 'Job completed' }]);
  // A finished Job is left alone.
  assert.deepEqual(planJob({ ...job(), status: p.status }, [], NOW + 1000).create, []);
});

test('a work-queue Job (no completions) completes once a pod succeeded and none is active', () => {
  const spec = { completions: undefined, parallelism: 2 };
  const running = planJob(job(spec, { startTime: iso(NOW) }), [pod('Succeeded', { exitCode: 0 }), pod('Running')], NOW);
  assert.deepEqual(running.create, []);
  assert.equal(running.status.conditions, undefined);
  const done = planJob(job(spec, { startTime: iso(NOW) }), [pod('Succeeded', { exitCode: 0 }), pod('Succeeded', { exitCode: 0 })], NOW);
  assert.equal(done.status.conditions?.find((c) => c.type === 'Complete')?.status, 'True');
});

test('failed pods are replaced after a backoff of 10 s doubling per failure, capped at 6 minutes', () => {
  const f1 = pod('Failed', { exitCode: 1, finishedAt: NOW - 4000 });
  const p = planJob(job({}, { startTime: iso(NOW - 60_000) }), [f1], NOW);
  assert.deepEqual(p.create, []);
  assert.equal(p.requeueAfterMs, 6000);
  assert.equal(p.status.failed, 1);
  assert.deepEqual(planJob(job({}, { startTime: iso(NOW - 60_000) }), [f1], NOW + 6000).create, [undefined]);
  const many = Array.from({ length: 12 }, () => pod('Failed', { exitCode: 1, finishedAt: NOW }));
  assert.equal(remainingBackoff(many, [], NOW), 6 * 60_000);
  assert.equal(remainingBackoff([pod('Failed', { exitCode: 1, finishedAt: NOW - 1000 })], [pod('Succeeded', { exitCode: 0, finishedAt: NOW })], NOW), 0);
});

test('more failures than backoffLimit fail the Job with BackoffLimitExceeded and stop its active pods', () => {
  const active = pod('Running');
  const p = planJob(job({ backoffLimit: 1, parallelism: 2, completions: 4 }, { startTime: iso(NOW - 60_000) }), [pod('Failed', { exitCode: 1 }), pod('Failed', { exitCode: 1 }), active], NOW);
  assert.equal(p.status.conditions?.find((c) => c.type === 'Failed')?.reason, 'BackoffLimitExceeded');
  assert.equal(p.status.conditions?.find((c) => c.type === 'FailureTarget')?.status, 'True');
  assert.deepEqual(p.delete, [active]);
  assert.equal(p.status.active, 0);
  assert.equal(p.status.completionTime, undefined);
  assert.deepEqual(p.events, [{ type: 'Warning', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }]);
});

test('with restartPolicy OnFailure, container restarts count toward the backoff limit', () => {
  const j = job({ backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'i' }] } } }, { startTime: iso(NOW) });
  assert.equal(planJob(j, [pod('Running', { restarts: 1 })], NOW).status.conditions, undefined);
  assert.equal(planJob(j, [pod('Running', { restarts: 2 })], NOW).status.conditions?.find((c) => c.type === 'Failed')?.reason, 'BackoffLimitExceeded');
});

test('activeDeadlineSeconds: a requeue while time remains, DeadlineExceeded after', () => {
  const running = pod('Running');
  const early = planJob(job({ activeDeadlineSeconds: 10 }, { startTime: iso(NOW - 4000) }), [running], NOW);
  assert.equal(early.requeueAfterMs, 6000);
  const late = planJob(job({ activeDeadlineSeconds: 10 }, { startTime: iso(NOW - 10_000) }), [running], NOW);
  const failed = late.status.conditions?.find((c) => c.type === 'Failed');
  assert.deepEqual([failed?.reason, failed?.message], ['DeadlineExceeded', 'Job was active longer than specified deadline']);
  assert.deepEqual(late.delete, [running]);
});

test('Indexed: the lowest pending indexes are created; completed, duplicate and surplus indexes are not kept', () => {
  const spec = { completionMode: 'Indexed' as const, completions: 5, parallelism: 2 };
  const first = planJob(job(spec), [], NOW);
  assert.deepEqual(first.create, [0, 1]);
  assert.equal(first.status.completedIndexes, '');
  const dup = pod('Running', { index: 1 });
  const p = planJob(job(spec, { startTime: iso(NOW) }), [pod('Succeeded', { index: 0, exitCode: 0 }), pod('Running', { index: 1 }), dup, pod('Succeeded', { index: 3, exitCode: 0 })], NOW);
  assert.equal(p.status.completedIndexes, '0,3');
  assert.equal(p.delete.length, 1);
  assert.deepEqual(p.create, [2]);
  const done = planJob(job({ ...spec, completions: 3 }, { startTime: iso(NOW), completedIndexes: '0-1', succeeded: 2 }), [pod('Succeeded', { index: 2, exitCode: 0 })], NOW);
  assert.equal(done.status.completedIndexes, '0-2');
  assert.equal(done.status.succeeded, 3);
  assert.equal(done.status.conditions?.find((c) => c.type === 'Complete')?.status, 'True');
});

test('an Indexed pod carries its index as annotation, label, hostname and JOB_COMPLETION_INDEX', () => {
  const p = newJobPod(job({ completionMode: 'Indexed', completions: 3 }), 2);
  assert.equal(p.metadata?.generateName, 'j-2-');
  assert.equal(p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'], '2');
  assert.equal(p.metadata?.labels?.['batch.kubernetes.io/job-completion-index'], '2');
  assert.equal(p.spec?.hostname, 'j-2');
  assert.deepEqual(p.spec?.containers[0]?.env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);
  assert.deepEqual(p.metadata?.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
  assert.equal(newJobPod(job(), undefined).metadata?.generateName, 'j-');
});

test('completedIndexes round-trip as Kubernetes writes them', () => {
  assert.equal(formatIndexes([5, 0, 1, 2, 7, 8]), '0-2,5,7-8');
  assert.deepEqual([...parseIndexes('0-2,5,7-8', 8)].sort(), [0, 1, 2, 5, 7]);
});

test('podFailurePolicy: FailJob on an exit code fails the Job; Ignore does not count; conditions match DisruptionTarget', () => {
  const policy = {
    rules: [
      { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'Count', onExitCodes: { operator: 'NotIn', values: [42] } },
    ],
  };
  const j = job({ podFailurePolicy: policy, backoffLimit: 0 }, { startTime: iso(NOW) });
  const fatal = pod('Failed', { exitCode: 42 });
  assert.equal(matchPodFailurePolicy(policy, fatal)?.action, 'FailJob');
  const failed = planJob(j, [fatal], NOW).status.conditions?.find((c) => c.type === 'Failed');
  assert.equal(failed?.reason, 'PodFailurePolicy');
  assert.match(failed?.message ?? '', /Container c for pod ns\/p\d+ failed with exit code 42 matching FailJob rule at index 0/);
  const evicted = pod('Failed', { exitCode: 137, conditions: [{ type: 'DisruptionTarget', status: 'True' }] });
  const ignored = planJob(j, [evicted], NOW);
  assert.equal(ignored.status.failed, 0);
  assert.equal(ignored.status.conditions, undefined);
  assert.deepEqual(ignored.create, [undefined]);
  assert.equal(planJob(j, [pod('Failed', { exitCode: 1 })], NOW).status.conditions?.find((c) => c.type === 'Failed')?.reason, 'BackoffLimitExceeded');
});

test('suspend deletes active pods and sets Suspended; resume restarts the clock', () => {
  const running = pod('Running');
  const s = planJob(job({ suspend: true }, { startTime: iso(NOW - 60_000) }), [running], NOW);
  assert.deepEqual(s.delete, [running]);
  assert.deepEqual(s.create, []);
  assert.equal(s.status.conditions?.find((c) => c.type === 'Suspended')?.status, 'True');
  assert.deepEqual(s.events.map((e) => e.reason), ['Suspended']);
  const r = planJob(job({ suspend: false, activeDeadlineSeconds: 5 }, { startTime: iso(NOW - 60_000), conditions: s.status.conditions }), [], NOW);
  assert.equal(r.status.startTime, iso(NOW));
  assert.equal(r.status.conditions?.find((c) => c.type === 'Suspended')?.reason, 'JobResumed');
  assert.deepEqual(r.create, [undefined]);
  // A Job created suspended has not started.
  assert.equal(planJob(job({ suspend: true }), [], NOW).status.startTime, undefined);
});

test('pods are neither created nor deleted while expectations are pending', () => {
  const p = planJob(job({ parallelism: 2, completions: 2 }), [], NOW, { mayManagePods: false });
  assert.deepEqual(p.create, []);
  assert.equal(p.status.active, 0);
});

test('a terminated pod is counted once: listed as uncounted with its finalizer, then released and forgotten', () => {
  const done = pod('Succeeded', { exitCode: 0 });
  const running = pod('Running');
  const j = job({ completions: 3, parallelism: 1 }, { startTime: iso(NOW) });
  const first = planJob(j, [done], NOW);
  assert.equal(first.status.succeeded, 1);
  assert.deepEqual(first.status.uncountedTerminatedPods, { succeeded: [done.metadata?.uid] });
  assert.deepEqual(first.removeFinalizers, [done]);
  // The same pod seen again before its finalizer is gone is not counted twice.
  const again = planJob({ ...j, status: first.status }, [done, running], NOW);
  assert.equal(again.status.succeeded, 1);
  // Released: it leaves the uncounted list, and a deleted pod does not lower the count.
  const released = { ...done, metadata: { ...done.metadata, finalizers: [] } };
  const after = planJob({ ...j, status: first.status }, [released, running], NOW);
  assert.deepEqual(after.status.uncountedTerminatedPods, {});
  assert.equal(after.status.succeeded, 1);
  assert.equal(planJob({ ...j, status: after.status }, [running], NOW).status.succeeded, 1);
  // Every created pod carries the finalizer; a finished Job releases all of its pods.
  assert.deepEqual(newJobPod(j, undefined).metadata?.finalizers, ['batch.kubernetes.io/job-tracking']);
  const finished = planJob({ ...j, status: { conditions: [{ type: 'Complete', status: 'True' }] } }, [running], NOW);
  assert.deepEqual(finished.removeFinalizers, [running]);
});

test('a pod deleted while running counts as failed once and is replaced at once, unless only failed pods are replaced', () => {
  const deleting = pod('Running');
  deleting.metadata = { ...deleting.metadata, deletionTimestamp: iso(NOW - 1000) };
  const j = job({ completions: 1, parallelism: 1, backoffLimit: 6 }, { startTime: iso(NOW - 5000) });
  const p = planJob(j, [deleting], NOW);
  assert.equal(p.status.failed, 1);
  assert.deepEqual(p.status.uncountedTerminatedPods, { failed: [deleting.metadata?.uid] });
  assert.deepEqual(p.removeFinalizers, [deleting]);
  // Seen again before its finalizer is gone: not counted twice.
  assert.equal(planJob({ ...j, status: p.status }, [deleting], NOW).status.failed, 1);
  // With backoffLimit 0 the deletion fails the Job.
  const strict = planJob(job({ backoffLimit: 0 }, { startTime: iso(NOW - 5000) }), [deleting], NOW);
  assert.ok(strict.status.conditions?.some((c) => c.type === 'Failed' && c.status === 'True'));
  // podReplacementPolicy Failed (and any podFailurePolicy) judges a pod only by its own outcome.
  const failedOnly = planJob(job({ podReplacementPolicy: 'Failed' }, { startTime: iso(NOW - 5000) }), [deleting], NOW);
  assert.equal(failedOnly.status.failed ?? 0, 0);
});

test('ttlSecondsAfterFinished: wait until finish + ttl, then delete; unfinished or unset Jobs stay', () => {
  const finished = job({ ttlSecondsAfterFinished: 10 }, { conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: iso(NOW - 4000) }] });
  assert.deepEqual(planTtl(finished, NOW), { type: 'wait', ms: 6000 });
  assert.deepEqual(planTtl(finished, NOW + 6000), { type: 'delete' });
  assert.deepEqual(planTtl(job({ ttlSecondsAfterFinished: 10 }), NOW), { type: 'none' });
  assert.deepEqual(planTtl(job({}, finished.status), NOW + 60_000), { type: 'none' });
});
