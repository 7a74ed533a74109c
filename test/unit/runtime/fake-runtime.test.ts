// Unit tests of the FakeRuntime's scripting helpers, which the node agent's unit tests rely on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeRuntime } from '../../../src/runtime/fake/fake-runtime.js';
import { ImagePullError, RuntimeUnavailableError, type ContainerConfig, type RuntimeEvent, type SandboxStatus } from '../../../src/runtime/runtime.js';

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const c of stream) s += String(c);
  return s;
}

async function setup(): Promise<{ rt: FakeRuntime; sb: SandboxStatus; cfg: ContainerConfig }> {
  const rt = new FakeRuntime({ images: ['busybox:1'] });
  const sb = await rt.runSandbox({ podUid: 'u', podName: 'p', namespace: 'ns', attempt: 0, hostname: 'p', network: 'n', hostNetwork: false, portMappings: [], labels: {} });
  const cfg: ContainerConfig = { podUid: 'u', podName: 'p', namespace: 'ns', name: 'c', attempt: 1, image: 'busybox:1', env: [], mounts: [], resources: {}, security: {}, stdin: false, stdinOnce: false, tty: false, labels: {} };
  return { rt, sb, cfg };
}

describe('FakeRuntime', () => {
  it('records calls and scripts exits, OOM kills and events', async () => {
    const { rt, sb, cfg } = await setup();
    const events: RuntimeEvent[] = [];
    const sub = rt.events((e) => events.push(e));
    const id = await rt.createContainer(sb.id, cfg);
    await rt.startContainer(id);
    rt.oomKill(id);
    const st = await rt.containerStatus(id);
    assert.equal(st?.reason, 'OOMKilled');
    assert.equal(st?.exitCode, 137);
    assert.deepEqual(events.filter((e) => e.id === id).map((e) => e.action), ['create', 'start', 'oom', 'die']);
    sub.stop();
    assert.deepEqual(rt.callsTo('startContainer').map((c) => c.args), [[id]]);
    await assert.rejects(rt.createContainer(sb.id, { ...cfg, image: 'absent:1' }), /No such image/);
  });

  it('stops by the stop signal, or by SIGKILL when the process ignores it', async () => {
    const { rt, sb, cfg } = await setup();
    const a = await rt.createContainer(sb.id, cfg);
    const b = await rt.createContainer(sb.id, { ...cfg, name: 'd' });
    await rt.startContainer(a);
    await rt.startContainer(b);
    rt.setStopBehaviour(b, 'ignore');
    await rt.stopContainer(a, 30);
    await rt.stopContainer(b, 30);
    assert.equal((await rt.containerStatus(a))?.exitCode, 143);
    assert.equal((await rt.containerStatus(b))?.exitCode, 137);
  });

  it('serves scripted logs with tail, limit, timestamps and follow until exit', async () => {
    const { rt, sb, cfg } = await setup();
    const id = await rt.createContainer(sb.id, cfg);
    await rt.startContainer(id);
    rt.writeLog(id, 'one', 'two', 'three');
    assert.equal(await text(await rt.logs(id, { follow: false, timestamps: false, tailLines: 2 })), 'two\nthree\n');
    assert.equal(await text(await rt.logs(id, { follow: false, timestamps: false, limitBytes: 5 })), 'one\nt');
    assert.match(await text(await rt.logs(id, { follow: false, timestamps: true, tailLines: 1 })), /^\d{4}-\d\d-\d\dT[\d:.]+Z three\n$/);
    const follow = await rt.logs(id, { follow: true, timestamps: false });
    const all = text(follow);
    rt.writeLog(id, 'four');
    rt.exitContainer(id, 0);
    assert.equal(await all, 'one\ntwo\nthree\nfour\n');
  });

  it('runs exec through a handler and times execSync out', async () => {
    const { rt, sb, cfg } = await setup();
    const id = await rt.createContainer(sb.id, cfg);
    await rt.startContainer(id);
    rt.setExecHandler((_id, cmd, stdin) => (cmd[0] === 'slow' ? { exitCode: 0, output: '', delayMs: 1000 } : { exitCode: 3, output: `got ${stdin}` }));
    const s = await rt.exec(id, { cmd: ['cat'], stdin: true, stdout: true, stderr: true, tty: false });
    const out = text(s.stdout as NodeJS.ReadableStream);
    s.stdin?.end('x');
    assert.equal(await s.exitCode, 3);
    assert.equal(await out, 'got x');
    await assert.rejects(rt.execSync(id, ['slow'], 20), (e: Error) => e.name === 'TimeoutError');
  });

  it('fails pulls as scripted and the whole runtime when unavailable', async () => {
    const rt = new FakeRuntime();
    rt.failPull('private/app:1', 'pull access denied for private/app');
    await assert.rejects(rt.pullImage('private/app:1'), (e: unknown) => e instanceof ImagePullError && /pull access denied/.test(e.message));
    rt.clearPullFailure('private/app:1');
    assert.ok((await rt.pullImage('private/app:1')).id.startsWith('sha256:'));
    rt.unavailable = true;
    await assert.rejects(rt.version(), RuntimeUnavailableError);
  });
});
