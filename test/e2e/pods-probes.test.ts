// End-to-end: liveness, readiness and startup probes (httpGet, tcpSocket, exec) on real Docker containers, seen through kubectl.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { api, eventually, removeDataDir, startCluster, type Cluster } from './harness.js';

interface ContainerStatus {
  name: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  containerID?: string;
  state?: { running?: { startedAt?: string }; waiting?: { reason?: string }; terminated?: { exitCode: number; reason?: string } };
  lastState?: { terminated?: { exitCode: number; reason?: string } };
}

interface Probe {
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  httpGet?: { path?: string; port: number | string; scheme?: string; httpHeaders?: { name: string; value: string }[] };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}

interface PodJson {
  metadata: { name: string; uid: string };
  spec: { containers: { name: string; readinessProbe?: Probe; livenessProbe?: Probe; startupProbe?: Probe }[] };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: ContainerStatus[];
  };
}

interface EventJson {
  reason: string;
  message: string;
  type: string;
  count?: number;
  involvedObject: { name?: string; uid?: string; fieldPath?: string };
}

const NS = 'default';
const BUSYBOX = 'skiff/busybox:1.36';

let cluster: Cluster;

/** A container spec on the locally built busybox image, never pulled. */
function container(name: string, script: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script], ...extra };
}

/** A pod whose containers stop fast: sh and httpd as PID 1 ignore SIGTERM, so the grace period is what a kill waits. */
function pod(name: string, containers: Record<string, unknown>[]): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, containers } };
}

async function apply(obj: Record<string, unknown>): Promise<void> {
  // Right after `up` the default ServiceAccount may not exist yet, and admission wants it.
  await eventually(() => cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(obj) }).code === 0, 30_000, 500);
}

async function getPod(name: string): Promise<PodJson> {
  const r = await api(cluster, 'GET', `/api/v1/namespaces/${NS}/pods/${name}`);
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as PodJson;
}

function status(p: PodJson, name: string): ContainerStatus | undefined {
  return p.status?.containerStatuses?.find((c) => c.name === name);
}

function condition(p: PodJson, type: string): string | undefined {
  return p.status?.conditions?.find((c) => c.type === type)?.status;
}

/** Polls the pod until `pred` holds and returns the pod that satisfied it. */
async function waitPod(name: string, pred: (p: PodJson) => boolean, what: string, timeoutMs = 60_000): Promise<PodJson> {
  let last: PodJson | undefined;
  try {
    return await eventually(async () => {
      last = await getPod(name);
      return pred(last) ? last : undefined;
    }, timeoutMs, 250);
  } catch (err) {
    const events = last ? (await podEvents(last.metadata.uid)).map((e) => `${e.reason} ${e.involvedObject.fieldPath ?? ''} x${e.count ?? 1}: ${e.message}`) : [];
    throw new Error(`${name}: ${what} did not happen: ${(err as Error).message}\nlast status: ${JSON.stringify(last?.status)}\nevents:\n${events.join('\n')}`);
  }
}

/** The READY column of `kubectl get pod`. */
function readyColumn(name: string): string {
  return cluster.k(['get', 'pod', name, '--no-headers']).trim().split(/\s+/)[1] ?? '';
}

async function podEvents(uid: string): Promise<EventJson[]> {
  const r = await api(cluster, 'GET', `/api/v1/namespaces/${NS}/events`);
  assert.equal(r.status, 200, r.body);
  return (JSON.parse(r.body) as { items: EventJson[] }).items.filter((e) => e.involvedObject.uid === uid);
}

/** How many times an event matching reason and message was recorded (repeats are counted, not re-created). */
function timesSeen(events: EventJson[], reason: string, message: RegExp, container?: string): number {
  return events
    .filter((e) => e.reason === reason && message.test(e.message) && (!container || e.involvedObject.fieldPath === `spec.containers{${container}}`))
    .reduce((n, e) => n + (e.count ?? 1), 0);
}

/** Removes whatever this cluster left on the engine, in case the agent did not get to it. */
function removeDockerLeftovers(name: string): void {
  const label = `label=io.skiff.cluster=${name}`;
  const list = (kind: string[]): string[] =>
    spawnSync('docker', [...kind, '--filter', label], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  const containers = list(['ps', '-aq']);
  if (containers.length) spawnSync('docker', ['rm', '-f', ...containers]);
  const networks = list(['network', 'ls', '-q']);
  if (networks.length) spawnSync('docker', ['network', 'rm', ...networks]);
  const volumes = list(['volume', 'ls', '-q']);
  if (volumes.length) spawnSync('docker', ['volume', 'rm', '-f', ...volumes]);
}

// CGI scripts for busybox httpd: one answers 200 only when the probe sends `X-Probe: yes`, one answers after 3 s.
const WEB_SCRIPT = [
  'mkdir -p /w/cgi-bin',
  `printf '%s\\n' '#!/bin/sh' 'if [ "$HTTP_X_PROBE" = yes ]; then echo "Content-Type: text/plain"; echo; echo ok; else echo "Status: 403 Forbidden"; echo; echo no; fi' > /w/cgi-bin/hdr`,
  `printf '%s\\n' '#!/bin/sh' 'sleep 3' 'echo "Content-Type: text/plain"' 'echo' 'echo slow' > /w/cgi-bin/slow`,
  'chmod +x /w/cgi-bin/hdr /w/cgi-bin/slow',
  'exec httpd -f -p 8080 -h /w',
].join('\n');

describe('pod probes', { timeout: 240_000, concurrency: true }, () => {
  before(async () => {
    cluster = await startCluster();
    // The agent registers its node shortly after `up` is ready; pods are scheduled onto it.
    await eventually(() => cluster.kubectl(['get', 'node', `${cluster.name}-control-plane`]).code === 0, 30_000, 250);
  }, { timeout: 60_000 });

  after(async () => {
    if (!cluster) return;
    if (cluster.process.exitCode === null && cluster.process.signalCode === null) await cluster.stop();
    removeDockerLeftovers(cluster.name);
    removeDataDir(cluster);
  }, { timeout: 60_000 });

  it('readiness httpGet on a named port drives ready, the Ready condition and READY 0/1 → 1/1 → 0/1 without a restart', async () => {
    await apply(pod('ready-http', [container('c', 'mkdir -p /w && exec httpd -f -vv -p 8080 -h /w', {
      ports: [{ name: 'http', containerPort: 8080 }],
      readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 1, successThreshold: 3 },
    })]));
    const running = await waitPod('ready-http', (p) => status(p, 'c')?.state?.running !== undefined, 'c running');
    const uid = running.metadata.uid;
    const ip = running.status?.podIP ?? '';
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);

    // No /w/healthz yet: httpd answers 404, the probe fails and the container stays not ready.
    await eventually(async () => timesSeen(await podEvents(uid), 'Unhealthy', /^Readiness probe failed: HTTP probe failed with statuscode: 404$/, 'c') > 0, 30_000, 250);
    let p = await getPod('ready-http');
    assert.equal(status(p, 'c')?.ready, false);
    assert.equal(condition(p, 'ContainersReady'), 'False');
    assert.equal(condition(p, 'Ready'), 'False');
    assert.equal(p.status?.phase, 'Running');
    assert.equal(readyColumn('ready-http'), '0/1');

    cluster.k(['exec', 'ready-http', '-c', 'c', '--', 'sh', '-c', 'echo ok > /w/healthz']);
    p = await waitPod('ready-http', (x) => status(x, 'c')?.ready === true, 'c ready');
    const readyAt = Date.now();
    assert.equal(condition(p, 'ContainersReady'), 'True');
    assert.equal(condition(p, 'Ready'), 'True');
    assert.equal(readyColumn('ready-http'), '1/1');
    // successThreshold 3 at a 2 s period: ready only after three successful GETs in a row, each logged by httpd -vv.
    const served = cluster.k(['logs', 'ready-http', '-c', 'c', '--timestamps']).split('\n').filter((l) => l.includes('response:200'));
    const before = served.filter((l) => Date.parse(`${l.slice(0, 23)}Z`) <= readyAt);
    assert.ok(before.length >= 3, `ready after ${before.length} successful probes:\n${served.join('\n')}`);
    // The probes came over the cluster network to the pod IP, not from inside the pod.
    assert.ok(!served.some((l) => l.includes('127.0.0.1')), served.join('\n'));

    cluster.k(['exec', 'ready-http', '-c', 'c', '--', 'rm', '/w/healthz']);
    p = await waitPod('ready-http', (x) => status(x, 'c')?.ready === false, 'c not ready again');
    assert.equal(condition(p, 'Ready'), 'False');
    assert.equal(readyColumn('ready-http'), '0/1');
    // Readiness never restarts a container.
    assert.equal(status(p, 'c')?.restartCount, 0);
    assert.ok(status(p, 'c')?.state?.running, 'the container keeps running');
    assert.equal(timesSeen(await podEvents(uid), 'Killing', /.*/), 0);
  });

  it('httpGet on a numbered port sends httpHeaders, honours timeoutSeconds and initialDelaySeconds, and fills the defaults', async () => {
    await apply(pod('http-fields', [
      container('web', WEB_SCRIPT, {
        readinessProbe: { httpGet: { path: '/cgi-bin/hdr', port: 8080, httpHeaders: [{ name: 'X-Probe', value: 'yes' }] }, periodSeconds: 1, timeoutSeconds: 5 },
      }),
      // The same endpoint without the header answers 403.
      container('noheader', 'exec sleep 3600', { readinessProbe: { httpGet: { path: '/cgi-bin/hdr', port: 8080 }, periodSeconds: 1, timeoutSeconds: 5 } }),
      // A 3 s answer: too slow for timeoutSeconds 1, fine for 10.
      container('slowfail', 'exec sleep 3600', { readinessProbe: { httpGet: { path: '/cgi-bin/slow', port: 8080 }, periodSeconds: 2, timeoutSeconds: 1 } }),
      container('slowok', 'exec sleep 3600', { readinessProbe: { httpGet: { path: '/cgi-bin/slow', port: 8080 }, periodSeconds: 2, timeoutSeconds: 10 } }),
      // Would pass at once, but the first run waits an hour.
      container('delayed', 'exec sleep 3600', { readinessProbe: { exec: { command: ['true'] }, initialDelaySeconds: 3600 } }),
    ]));
    const created = await getPod('http-fields');
    // Defaults as the API server fills them.
    const delayed = created.spec.containers.find((c) => c.name === 'delayed')?.readinessProbe;
    assert.deepEqual(
      { t: delayed?.timeoutSeconds, p: delayed?.periodSeconds, s: delayed?.successThreshold, f: delayed?.failureThreshold, d: delayed?.initialDelaySeconds },
      { t: 1, p: 10, s: 1, f: 3, d: 3600 },
    );
    assert.equal(created.spec.containers.find((c) => c.name === 'web')?.readinessProbe?.httpGet?.scheme, 'HTTP');

    const p = await waitPod('http-fields', (x) => status(x, 'web')?.ready === true && status(x, 'slowok')?.ready === true, 'web and slowok ready');
    const ip = p.status?.podIP ?? '';
    const uid = p.metadata.uid;
    await eventually(async () => {
      const ev = await podEvents(uid);
      return timesSeen(ev, 'Unhealthy', /^Readiness probe failed: HTTP probe failed with statuscode: 403$/, 'noheader') > 0
        && timesSeen(ev, 'Unhealthy', new RegExp(`^Readiness probe failed: Get "http://${ip.replace(/\./g, '\\.')}:8080/cgi-bin/slow": context deadline exceeded`), 'slowfail') > 0;
    }, 60_000, 500);
    const now = await getPod('http-fields');
    assert.equal(status(now, 'web')?.ready, true);
    assert.equal(status(now, 'slowok')?.ready, true);
    assert.equal(status(now, 'noheader')?.ready, false);
    assert.equal(status(now, 'slowfail')?.ready, false);
    assert.equal(status(now, 'delayed')?.ready, false, 'initialDelaySeconds 3600 must hold back the first readiness run');
    assert.equal(condition(now, 'Ready'), 'False');
    assert.equal(readyColumn('http-fields'), '2/5');
    const ev = await podEvents(uid);
    // Before httpd listens a probe may be refused, but with the header it is never turned away.
    assert.equal(timesSeen(ev, 'Unhealthy', /statuscode: 403/, 'web'), 0, 'the probe with the header was never refused by the CGI');
    assert.equal(timesSeen(ev, 'Unhealthy', /.*/, 'delayed'), 0, 'the delayed probe never ran');
    const describe = cluster.k(['describe', 'pod', 'http-fields']);
    assert.match(describe, /Readiness:\s+http-get http:\/\/:8080\/cgi-bin\/hdr delay=0s timeout=5s period=1s #success=1 #failure=3/);
    assert.match(describe, /Readiness:\s+exec \[true\] delay=3600s timeout=1s period=10s #success=1 #failure=3/);
  });

  it('tcpSocket and exec readiness follow a listener and a file', async () => {
    await apply(pod('tcp-exec', [
      // nc listens only once the test says so, so the refused dial is seen first.
      container('tcp', 'until [ -f /tmp/listen ]; do sleep 0.2; done; exec nc -ll -p 9090 -e true', { readinessProbe: { tcpSocket: { port: 9090 }, periodSeconds: 1 } }),
      container('ex', 'exec sleep 3600', { readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 5 } }),
    ]));
    const p = await waitPod('tcp-exec', (x) => status(x, 'tcp')?.state?.running !== undefined && status(x, 'ex')?.state?.running !== undefined, 'both running');
    const uid = p.metadata.uid;
    const ip = p.status?.podIP ?? '';
    // The probe dials the pod IP and is refused while nothing listens.
    const refused = new RegExp(`^Readiness probe failed: dial tcp ${ip.replace(/\./g, '\\.')}:9090: connect: connection refused$`);
    await eventually(async () => timesSeen(await podEvents(uid), 'Unhealthy', refused, 'tcp') > 0, 30_000, 250);
    assert.equal(status(await getPod('tcp-exec'), 'tcp')?.ready, false);
    cluster.k(['exec', 'tcp-exec', '-c', 'tcp', '--', 'touch', '/tmp/listen']);
    await waitPod('tcp-exec', (x) => status(x, 'tcp')?.ready === true, 'tcp ready once nc listens');
    await eventually(async () => timesSeen(await podEvents(uid), 'Unhealthy', /^Readiness probe failed: /, 'ex') > 0, 30_000, 250);
    assert.equal(status(await getPod('tcp-exec'), 'ex')?.ready, false);
    assert.equal(readyColumn('tcp-exec'), '1/2');

    cluster.k(['exec', 'tcp-exec', '-c', 'ex', '--', 'touch', '/tmp/ready']);
    const ready = await waitPod('tcp-exec', (x) => condition(x, 'Ready') === 'True', 'pod Ready');
    assert.equal(status(ready, 'ex')?.ready, true);
    assert.equal(readyColumn('tcp-exec'), '2/2');

    cluster.k(['exec', 'tcp-exec', '-c', 'ex', '--', 'rm', '/tmp/ready']);
    const notReady = await waitPod('tcp-exec', (x) => status(x, 'ex')?.ready === false, 'ex not ready after the file is gone');
    assert.equal(condition(notReady, 'Ready'), 'False');
    assert.equal(status(notReady, 'ex')?.restartCount, 0);
  });

  it('a failing liveness probe restarts the container, with Unhealthy and Killing events', async () => {
    await apply(pod('live-http', [container('c', 'mkdir -p /w && echo ok > /w/healthz && exec httpd -f -vv -p 8080 -h /w', {
      ports: [{ name: 'http', containerPort: 8080 }],
      livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 3, timeoutSeconds: 3 },
    })]));
    const first = await waitPod('live-http', (p) => status(p, 'c')?.state?.running !== undefined, 'c running');
    const uid = first.metadata.uid;
    const firstId = status(first, 'c')?.containerID;
    assert.match(firstId ?? '', /^docker:\/\/[0-9a-f]{64}$/);
    assert.equal(status(first, 'c')?.restartCount, 0);
    // Served at least once, so the probe has seen a healthy container before the file goes.
    await eventually(() => cluster.k(['logs', 'live-http', '-c', 'c']).includes('response:200'), 30_000, 500);
    assert.equal(timesSeen(await podEvents(uid), 'Unhealthy', /statuscode: 404/), 0);

    cluster.k(['exec', 'live-http', '-c', 'c', '--', 'rm', '/w/healthz']);
    const restarted = await waitPod('live-http', (p) => (status(p, 'c')?.restartCount ?? 0) >= 1 && status(p, 'c')?.state?.running !== undefined, 'c restarted');
    const cs = status(restarted, 'c');
    assert.notEqual(cs?.containerID, firstId);
    assert.ok(cs?.lastState?.terminated, `lastState: ${JSON.stringify(cs?.lastState)}`);
    const ev = await podEvents(uid);
    // failureThreshold 3: three failed runs in a row before the kill.
    assert.ok(timesSeen(ev, 'Unhealthy', /^Liveness probe failed: HTTP probe failed with statuscode: 404$/, 'c') >= 3, JSON.stringify(ev.map((e) => [e.reason, e.message, e.count])));
    assert.ok(timesSeen(ev, 'Killing', /^Container c failed liveness probe, will be restarted$/, 'c') >= 1);
    const unhealthy = ev.find((e) => e.reason === 'Unhealthy');
    assert.equal(unhealthy?.type, 'Warning');

    const describe = cluster.k(['describe', 'pod', 'live-http']);
    assert.match(describe, /Liveness:\s+http-get http:\/\/:http\/healthz delay=0s timeout=3s period=1s #success=1 #failure=3/);
    assert.match(describe, /Restart Count:\s+[1-9]/);
    assert.match(describe, /Warning\s+Unhealthy\s+.*Liveness probe failed: HTTP probe failed with statuscode: 404/);
    assert.match(describe, /Normal\s+Killing\s+.*Container c failed liveness probe, will be restarted/);
    const events = cluster.k(['get', 'events', '--field-selector', 'involvedObject.name=live-http']);
    assert.match(events, /Unhealthy\s+pod\/live-http\s+Liveness probe failed: HTTP probe failed with statuscode: 404/);
    assert.match(events, /Killing\s+pod\/live-http\s+Container c failed liveness probe, will be restarted/);

    // The new instance wrote /w/healthz again: probed afresh, it passes and stays up.
    await eventually(() => cluster.k(['logs', 'live-http', '-c', 'c']).includes('response:200'), 30_000, 500);
    const settled = await getPod('live-http');
    assert.ok(status(settled, 'c')?.state?.running);
    const count = status(settled, 'c')?.restartCount ?? 0;
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(status(await getPod('live-http'), 'c')?.restartCount, count, 'a healthy new instance is not killed again');
  });

  it('a startup probe holds back an aggressive liveness probe until the container has started', async () => {
    // httpd serves from the start; the file the probes ask for appears after 8 s (404 until then).
    const gate = { httpGet: { path: '/started', port: 8080 }, periodSeconds: 1, timeoutSeconds: 5 };
    await apply(pod('startup-slow', [container('c', 'mkdir -p /w; (sleep 8; echo ok > /w/started) & exec httpd -f -p 8080 -h /w', {
      startupProbe: { ...gate, failureThreshold: 30 },
      // Without the startup gate this would kill the container at its first 404.
      livenessProbe: { ...gate, failureThreshold: 1 },
      readinessProbe: { ...gate, failureThreshold: 1 },
    })]));
    const starting = await waitPod('startup-slow', (p) => status(p, 'c')?.state?.running !== undefined, 'c running');
    const uid = starting.metadata.uid;
    assert.equal(status(starting, 'c')?.started, false, 'not started before the startup probe passes');
    assert.equal(status(starting, 'c')?.ready, false);
    await eventually(async () => timesSeen(await podEvents(uid), 'Unhealthy', /^Startup probe failed: HTTP probe failed with statuscode: 404$/, 'c') > 0, 30_000, 250);

    const up = await waitPod('startup-slow', (p) => status(p, 'c')?.started === true && status(p, 'c')?.ready === true, 'started and ready');
    assert.equal(status(up, 'c')?.restartCount, 0);
    assert.equal(status(up, 'c')?.containerID, status(starting, 'c')?.containerID, 'the same instance, never restarted');
    assert.equal(condition(up, 'Ready'), 'True');
    const ev = await podEvents(uid);
    assert.equal(timesSeen(ev, 'Unhealthy', /^(Liveness|Readiness) probe /), 0, `liveness and readiness did not run during startup: ${JSON.stringify(ev.map((e) => [e.reason, e.message, e.count, (e as { firstTimestamp?: string }).firstTimestamp]))}`);
    assert.equal(timesSeen(ev, 'Killing', /.*/), 0);
  });

  it('a startup probe that never passes restarts the container after failureThreshold × periodSeconds', async () => {
    await apply(pod('startup-never', [container('c', 'exec sleep 3600', {
      startupProbe: { exec: { command: ['test', '-f', '/tmp/never'] }, periodSeconds: 1, failureThreshold: 3 },
    })]));
    const first = await waitPod('startup-never', (p) => status(p, 'c')?.state?.running !== undefined, 'c running');
    const uid = first.metadata.uid;
    const p = await waitPod('startup-never', (x) => (status(x, 'c')?.restartCount ?? 0) >= 1, 'restart after the startup probe failed');
    assert.equal(status(p, 'c')?.started, false);
    assert.equal(status(p, 'c')?.ready, false);
    const ev = await podEvents(uid);
    assert.ok(timesSeen(ev, 'Unhealthy', /^Startup probe failed: /, 'c') >= 3, JSON.stringify(ev.map((e) => [e.reason, e.message, e.count])));
    assert.ok(timesSeen(ev, 'Killing', /^Container c failed startup probe, will be restarted$/, 'c') >= 1, JSON.stringify(ev.map((e) => [e.reason, e.message])));
    const events = cluster.k(['get', 'events', '--field-selector', 'involvedObject.name=startup-never']);
    assert.match(events, /Killing\s+pod\/startup-never\s+Container c failed startup probe, will be restarted/);
  });
});
