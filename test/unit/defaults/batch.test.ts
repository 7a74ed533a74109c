/** Defaulting of Jobs and CronJobs, and the selector the server generates for a new Job. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, defaultJobSelector } from '../../../src/api/defaults/index.js';
import type { KObject } from '../../../src/api/machinery/object.js';
import { cronJob, deepFreeze, gvkOf, job } from './fixtures.js';

const defaulted = (obj: KObject) => applyDefaults(gvkOf(obj), obj);

const piPodSpec = {
  restartPolicy: 'Never',
  dnsPolicy: 'ClusterFirst',
  schedulerName: 'default-scheduler',
  securityContext: {},
  terminationGracePeriodSeconds: 30,
  containers: [
    {
      name: 'pi',
      image: 'perl:5.34.0',
      command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'],
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      resources: {},
    },
  ],
};

test('Job gets the batch/v1 defaults', () => {
  assert.deepEqual(defaulted(job()), {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default' },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      manualSelector: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      template: { spec: piPodSpec },
    },
  });
});

test('Job with only parallelism keeps completions unset; failure policy changes replacement', () => {
  const j = job();
  const spec = j['spec'] as Record<string, unknown>;
  spec['parallelism'] = 3;
  spec['podFailurePolicy'] = { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] };
  spec['backoffLimitPerIndex'] = 1;
  const out = defaulted(j) as unknown as { spec: Record<string, unknown> };
  assert.equal(out.spec['completions'], undefined);
  assert.equal(out.spec['parallelism'], 3);
  assert.equal(out.spec['podReplacementPolicy'], 'Failed');
  assert.equal(out.spec['backoffLimit'], 2147483647);
  assert.deepEqual(out.spec['podFailurePolicy'], {
    rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }],
  });
});

test('Job without labels takes its template labels', () => {
  const j = job();
  (j['spec'] as { template: Record<string, unknown> }).template['metadata'] = { labels: { app: 'pi' } };
  assert.deepEqual(defaulted(j).metadata.labels, { app: 'pi' });
  const labelled = job();
  labelled.metadata.labels = { team: 'a' };
  (labelled['spec'] as { template: Record<string, unknown> }).template['metadata'] = { labels: { app: 'pi' } };
  assert.deepEqual(defaulted(labelled).metadata.labels, { team: 'a' });
});

test('defaultJobSelector adds the generated selector and template labels', () => {
  const input = deepFreeze({ ...defaulted(job()), metadata: { name: 'pi', namespace: 'default', uid: 'u-1' } });
  const out = defaultJobSelector(input) as unknown as KObject & { spec: Record<string, unknown> & { template: { metadata: unknown } } };
  const expectedLabels = {
    'batch.kubernetes.io/controller-uid': 'u-1',
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': 'u-1',
    'job-name': 'pi',
  };
  assert.deepEqual(out.spec['selector'], { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
  assert.deepEqual(out.spec.template.metadata, { labels: expectedLabels });
  assert.deepEqual(out.metadata.labels, expectedLabels);
  // Defaulting again is a no-op once the selector is in place.
  assert.deepEqual(defaulted(out), out);
  assert.deepEqual(defaultJobSelector(out), out);
});

test('defaultJobSelector keeps user labels and leaves manual selectors alone', () => {
  const j = job();
  j.metadata = { ...j.metadata, uid: 'u-2', labels: { team: 'a' } };
  (j['spec'] as { template: Record<string, unknown> }).template['metadata'] = { labels: { app: 'pi', 'job-name': 'custom' } };
  const out = defaultJobSelector(j) as unknown as KObject & { spec: { template: { metadata: { labels: Record<string, string> } } } };
  assert.equal(out.spec.template.metadata.labels['job-name'], 'custom');
  assert.equal(out.spec.template.metadata.labels['app'], 'pi');
  assert.deepEqual(out.metadata.labels, { team: 'a' });

  const manual = job();
  manual.metadata = { ...manual.metadata, uid: 'u-3' };
  (manual['spec'] as Record<string, unknown>)['manualSelector'] = true;
  assert.deepEqual(defaultJobSelector(manual), manual);
  const noUid = job();
  assert.deepEqual(defaultJobSelector(noUid), noUid);
});

test('CronJob gets its defaults and only pod spec defaults inside the job template', () => {
  assert.deepEqual(defaulted(cronJob()), {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'default' },
    spec: {
      schedule: '* * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'OnFailure',
              dnsPolicy: 'ClusterFirst',
              schedulerName: 'default-scheduler',
              securityContext: {},
              terminationGracePeriodSeconds: 30,
              containers: [
                {
                  name: 'hello',
                  image: 'busybox:1.28',
                  command: ['date'],
                  imagePullPolicy: 'IfNotPresent',
                  terminationMessagePath: '/dev/termination-log',
                  terminationMessagePolicy: 'File',
                  resources: {},
                },
              ],
            },
          },
        },
      },
    },
  });
});
