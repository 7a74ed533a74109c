import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCount, parseDurationSeconds, UsageError } from '../../../src/cli/args.js';
import { describeJoinError } from '../../../src/cli/agent.js';
import { joinCommand, nodeNames } from '../../../src/cli/nodes.js';
import { StatusError } from '../../../src/api/machinery/errors.js';

describe('several nodes from the CLI', () => {
  it('names nodes as kind does', () => {
    assert.deepEqual(nodeNames('dev', 1), ['dev-control-plane']);
    assert.deepEqual(nodeNames('dev', 4), ['dev-control-plane', 'dev-worker', 'dev-worker2', 'dev-worker3']);
  });

  it('parses --nodes, --default-toleration-seconds and --node-monitor-grace-period, with one-line errors', () => {
    assert.equal(parseCount(undefined, 1, '--nodes', 1, 20), 1);
    assert.equal(parseCount('3', 1, '--nodes', 1, 20), 3);
    assert.throws(() => parseCount('0', 1, '--nodes', 1, 20), (e: unknown) => e instanceof UsageError && e.message === '--nodes must be a whole number from 1 to 20, got "0"');
    assert.equal(parseDurationSeconds('10s', 40, '--node-monitor-grace-period'), 10);
    assert.equal(parseDurationSeconds('1m30s', 40, '--node-monitor-grace-period'), 90);
    assert.equal(parseDurationSeconds('45', 40, '--node-monitor-grace-period'), 45);
    assert.equal(parseDurationSeconds(undefined, 40, '--node-monitor-grace-period'), 40);
    assert.throws(() => parseDurationSeconds('soon', 40, '--node-monitor-grace-period'), /must be a duration like 40s or 2m, got "soon"/);
  });

  it('prints a join command that a shell runs as is', () => {
    assert.equal(joinCommand('https://127.0.0.1:6443', '/d/pki/ca.crt', 'abc', 'dev'), 'skiff agent --server https://127.0.0.1:6443 --token abc --ca-file /d/pki/ca.crt --name dev-worker-joined');
    assert.match(joinCommand('https://h:1', "/it's here/ca.crt", 't', 'dev'), /--ca-file '\/it'\\''s here\/ca.crt'/);
  });

  it('explains join failures in one line', () => {
    const unauthorized = new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 401, reason: 'Unauthorized', message: 'Unauthorized' });
    assert.match(describeJoinError('https://h:1', unauthorized), /rejected the token \(401 Unauthorized\)/);
    assert.equal(describeJoinError('https://h:1', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), 'cannot reach the API server at https://h:1 (ECONNREFUSED)');
    assert.match(describeJoinError('https://h:1', Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' })), /pass the cluster CA with --ca-file/);
  });
});
