/** Jobs and CronJobs: restart policy, counts, completion modes, schedules, time zones and update rules. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { causeAt, check, cronJob, fieldsOf, job, withField } from './fixtures.js';

describe('Job', () => {
  it('accepts a realistic job', () => {
    assert.deepEqual(check(job), []);
  });

  it('requires restartPolicy OnFailure or Never', () => {
    const causes = check(withField(job, 'spec.template.spec.restartPolicy', 'Always'));
    assert.deepEqual(causes, [{
      reason: 'FieldValueNotSupported', message: 'Unsupported value: "Always": supported values: "OnFailure", "Never"', field: 'spec.template.spec.restartPolicy',
    }]);
  });

  it('checks counts and completion mode', () => {
    assert.deepEqual(fieldsOf(check(withField(job, 'spec.backoffLimit', -1))), ['spec.backoffLimit']);
    assert.deepEqual(fieldsOf(check(withField(job, 'spec.parallelism', -2))), ['spec.parallelism']);
    assert.deepEqual(check(withField(job, 'spec.completionMode', 'Ordered')), [{
      reason: 'FieldValueNotSupported', message: 'Unsupported value: "Ordered": supported values: "Indexed", "NonIndexed"', field: 'spec.completionMode',
    }]);
    const indexed = withField(withField(job, 'spec.completionMode', 'Indexed'), 'spec.completions', undefined);
    assert.deepEqual(check(indexed), [{ reason: 'FieldValueRequired', message: 'Required value: when completion mode is Indexed', field: 'spec.completions' }]);
  });

  it('checks a given selector against the template', () => {
    const selected = withField(job, 'spec.selector', { matchLabels: { 'job-name': 'other' } });
    assert.deepEqual(fieldsOf(check(selected)), ['spec.template.metadata.labels']);
  });

  it('keeps the template immutable unless suspended before start', () => {
    const changed = withField(job, 'spec.template.spec.containers[0].image', 'perl:5.40');
    assert.deepEqual(fieldsOf(check(changed, job)), ['spec.template']);
    const suspended = withField(job, 'spec.suspend', true);
    const moved = withField(suspended, 'spec.template.spec.nodeSelector', { zone: 'a' });
    assert.deepEqual(check(moved, suspended), []);
    assert.deepEqual(fieldsOf(check(withField(suspended, 'spec.template.spec.containers[0].image', 'x'), suspended)), ['spec.template']);
    const started = withField(suspended, 'status', { startTime: '2024-01-01T00:00:00Z' });
    assert.deepEqual(fieldsOf(check(moved, started)), ['spec.template']);
  });

  it('keeps the selector and completions immutable', () => {
    const old = withField(job, 'spec.selector', { matchLabels: { 'job-name': 'pi' } });
    const next = withField(old, 'spec.selector', { matchLabels: { 'job-name': 'pi', x: 'y' } });
    assert.equal(causeAt(check(next, old), 'spec.selector')?.message?.endsWith('field is immutable'), true);
    assert.deepEqual(fieldsOf(check(withField(job, 'spec.completions', 3), job)), ['spec.completions']);
    assert.deepEqual(check(withField(job, 'spec.parallelism', 3), job), []);
  });
});

describe('CronJob', () => {
  it('accepts a realistic cronjob', () => {
    assert.deepEqual(check(cronJob), []);
    assert.deepEqual(check(withField(withField(cronJob, 'spec.schedule', '@daily'), 'spec.timeZone', 'Europe/Berlin')), []);
  });

  it('requires a parseable schedule', () => {
    assert.deepEqual(check(withField(cronJob, 'spec.schedule', undefined)), [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.schedule' }]);
    assert.deepEqual(check(withField(cronJob, 'spec.schedule', 'every minute')), [{
      reason: 'FieldValueInvalid', message: 'Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]', field: 'spec.schedule',
    }]);
    assert.deepEqual(fieldsOf(check(withField(cronJob, 'spec.schedule', 'TZ=UTC 0 * * * *'))), ['spec.schedule']);
  });

  it('checks the time zone', () => {
    assert.deepEqual(check(withField(cronJob, 'spec.timeZone', 'Mars/Olympus')), [{
      reason: 'FieldValueInvalid', message: 'Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus', field: 'spec.timeZone',
    }]);
    assert.deepEqual(fieldsOf(check(withField(cronJob, 'spec.timeZone', 'Local'))), ['spec.timeZone']);
  });

  it('checks policies and the nested job template', () => {
    assert.deepEqual(check(withField(cronJob, 'spec.concurrencyPolicy', 'Sometimes')), [{
      reason: 'FieldValueNotSupported', message: 'Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"', field: 'spec.concurrencyPolicy',
    }]);
    assert.deepEqual(fieldsOf(check(withField(cronJob, 'spec.jobTemplate.spec.template.spec.restartPolicy', 'Always'))),
      ['spec.jobTemplate.spec.template.spec.restartPolicy']);
    assert.deepEqual(fieldsOf(check(withField(cronJob, 'spec.jobTemplate.spec.template.spec.containers[0].image', ''))),
      ['spec.jobTemplate.spec.template.spec.containers[0].image']);
    assert.deepEqual(fieldsOf(check(withField(cronJob, 'spec.successfulJobsHistoryLimit', -1))), ['spec.successfulJobsHistoryLimit']);
  });

  it('limits the name to 52 characters', () => {
    assert.deepEqual(fieldsOf(check(withField(cronJob, 'metadata.name', 'a'.repeat(53)))), ['metadata.name']);
  });
});
