/**
 * The web dashboard in a real headless Chromium against a real cluster: login through the printed
 * URL, live views fed by watches, Service links, the event stream, followed logs, screenshots that
 * are not blank; and Events that aggregate repeats, seen through kubectl.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, eventually, removeDataDir, removeDockerObjects, startClusterRetrying, type Cluster } from './harness.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const MARKER = 'dashboard-log-marker-42';
/** A LoadBalancer port unlikely to be taken by another test's cluster on this machine. */
const LB_PORT = 40_000 + (process.pid % 5000);

const manifest = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: skiff/busybox:1.36
        command: [sh, -c, 'echo ${MARKER}; exec sleep 3600']
---
apiVersion: v1
kind: Service
metadata: {name: web-np, namespace: default}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web-lb, namespace: default}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: ${LB_PORT}, targetPort: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: crasher, namespace: default}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: skiff/busybox:1.36
    command: [sh, -c, 'echo crashing; exit 1']
`;

/** A raw HTTPS GET without credentials (the cluster CA is self-made, so it is not checked here). */
function anonymousGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Decodes the PNG in the browser and returns the variance of its luminance (0 for a blank image). */
async function pixelVariance(browserPage: Page, png: Buffer): Promise<number> {
  return browserPage.evaluate(async (b64: string) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    if (!ctx) return 0;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, img.width, img.height).data;
    let sum = 0;
    let sq = 0;
    const n = d.length / 4;
    for (let i = 0; i < d.length; i += 4) {
      const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
      sum += y;
      sq += y * y;
    }
    return sq / n - (sum / n) ** 2;
  }, png.toString('base64'));
}

/**
 * Opens the dashboard until it is live. Chromium aborts requests with ERR_NETWORK_CHANGED when a
 * network interface comes or goes, which other clusters' Docker networks do at any time.
 */
async function openDashboard(page: Page, url: string): Promise<void> {
  const failures: string[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      // From a blank page, so a retry is a full load rather than a same-document hash change.
      await page.goto('about:blank');
      await page.goto(url);
      await page.waitForFunction(() => document.querySelector('#conn')?.textContent === 'live', undefined, { timeout: 20_000 });
      return;
    } catch (err) {
      failures.push((err as Error).message.split('\n')[0]);
    }
  }
  throw new Error(`the dashboard did not load: ${failures.join('; ')}`);
}

describe('dashboard', { timeout: 240_000 }, () => {
  let cluster: Cluster;
  let browser: BrowserContext;
  let page: Page;
  let loginUrl = '';
  const shots = mkdtempSync(join(tmpdir(), 'skiff-dashboard-shots-'));
  const profile = mkdtempSync(join(tmpdir(), 'skiff-dashboard-profile-'));
  // Named up front so its Docker objects are removed even when the cluster never became ready.
  const clusterName = `e2edash${process.pid}`;

  before(async () => {
    cluster = await startClusterRetrying({ name: clusterName });
    loginUrl = /dashboard:\s+(https:\/\/\S+)/.exec(cluster.output())?.[1] ?? '';
    cluster.k(['apply', '-f', '-'], { input: manifest });
    // A fresh profile directory: nothing from another run (cookies, storage, cache) leaks in.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 },
    });
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await cluster?.stop();
    if (cluster) removeDataDir(cluster);
    removeDockerObjects(clusterName);
    rmSync(shots, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('skiff up refuses an unknown --log-level in one line', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/skiff.js'), 'up', '--log-level', 'verbose'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'skiff: --log-level must be one of debug, info, warn, error, got "verbose"\n');
  });

  it('skiff up prints a login URL for /ui carrying a token', () => {
    assert.match(loginUrl, /^https:\/\/127\.0\.0\.1:\d+\/ui\/#token=\S+$/);
    assert.ok(loginUrl.startsWith(`${cluster.url}/ui/`));
  });

  it('serves the page shell to anyone but its data only with credentials', async () => {
    const shell = await anonymousGet(`${cluster.url}/ui/`);
    assert.equal(shell.status, 200);
    assert.match(shell.body, /<title>skiff dashboard<\/title>/);
    const watch = await anonymousGet(`${cluster.url}/ui/api/watch?w=/api/v1/pods`);
    assert.equal(watch.status, 401);
    assert.equal((JSON.parse(watch.body) as { reason: string }).reason, 'Unauthorized');
    const pods = await anonymousGet(`${cluster.url}/api/v1/pods`);
    assert.equal(pods.status, 401);
    const other = await anonymousGet(`${cluster.url}/ui/api/anything`);
    assert.equal(other.status, 401);
  });

  it('logs in through the printed URL and shows nodes, namespaces and the Deployment\'s pod', async () => {
    await openDashboard(page, loginUrl);
    // The token leaves the address bar once it is taken.
    await eventually(async () => (await page.evaluate(() => location.hash)) === '', 10_000);
    const node = `${cluster.name}-control-plane`;
    await eventually(async () => (await page.textContent('#nodes .body'))?.includes(node), 30_000);
    await eventually(async () => (await page.textContent('#namespaces .body'))?.includes('kube-system'), 30_000);
    await eventually(async () => (await page.locator('#pods tr[data-pod^="default/web-"]').count()) === 1, 90_000);
    await eventually(async () => (await page.textContent('#workloads .body'))?.includes('Deployment'), 30_000);
    assert.equal(await page.textContent('#conn'), 'live');
  });

  it('shows a new pod without a reload', async () => {
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    cluster.k(['scale', 'deployment/web', '--replicas=2']);
    await eventually(async () => (await page.locator('#pods tr[data-pod^="default/web-"]').count()) === 2, 60_000);
    assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true);
  });

  it('links Services to their localhost URLs', async () => {
    const nodePort = (JSON.parse(cluster.k(['get', 'svc', 'web-np', '-o', 'json'])) as { spec: { ports: { nodePort: number }[] } }).spec.ports[0].nodePort;
    assert.ok(nodePort >= 30000 && nodePort <= 32767, `node port ${nodePort}`);
    await eventually(async () => (await page.locator(`a.svc-link[href="http://localhost:${nodePort}"]`).count()) === 1, 30_000);
    await eventually(async () => (await page.locator(`a.svc-link[href="http://localhost:${LB_PORT}"]`).count()) === 1, 30_000);
  });

  it('streams events', async () => {
    await eventually(async () => /Scaled up replica set web-\w+ (from \d+ )?to 2/.test((await page.textContent('#events .body')) ?? ''), 60_000);
    await eventually(async () => (await page.textContent('#events .body'))?.includes('Started container'), 60_000);
  });

  it('follows a pod\'s log, and shows the charts or that there are no metrics yet', async () => {
    await page.locator('#pods a[data-pod^="default/web-"]').first().click();
    await eventually(async () => (await page.textContent('#log'))?.includes(MARKER), 60_000);
    await eventually(async () => (await page.locator('#detail #no-metrics').count()) + (await page.locator('#detail svg.spark').count()) > 0, 30_000);
  });

  it('takes screenshots that are PNGs of the viewport and not blank', async () => {
    const file = join(shots, 'dashboard.png');
    await page.screenshot({ path: file });
    const png = readFileSync(file);
    assert.ok(png.length > 10_000, `screenshot is only ${png.length} bytes`);
    assert.deepEqual(pngSize(png), { width: 1280, height: 900 });
    const blankPage = await browser.newPage();
    try {
      const variance = await pixelVariance(blankPage, png);
      assert.ok(variance > 100, `pixel variance ${variance} is too low: the page looks blank`);
      const white = await blankPage.screenshot();
      assert.ok((await pixelVariance(blankPage, white)) < 1, 'a blank page must measure as blank');
    } finally {
      await blankPage.close();
    }
  });

  it('aggregates repeated events into one with a count, as kubectl shows', async () => {
    const repeated = await eventually(() => {
      const list = JSON.parse(cluster.k(['get', 'events', '-n', 'default', '--field-selector', 'involvedObject.name=crasher', '-o', 'json'])) as {
        items: { reason: string; message: string; count?: number; series?: { count: number } }[];
      };
      return list.items.find((e) => (e.count ?? 0) > 1 && e.series?.count === e.count);
    }, 90_000, 1000);
    // One Event per (reason, message): the repeats did not create new ones.
    const same = JSON.parse(cluster.k(['get', 'events', '-n', 'default', '--field-selector', 'involvedObject.name=crasher', '-o', 'json'])) as { items: { reason: string; message: string }[] };
    assert.equal(same.items.filter((e) => e.reason === repeated.reason && e.message === repeated.message).length, 1);
    const wide = cluster.k(['get', 'events', '-n', 'default', '--field-selector', 'involvedObject.name=crasher', '-o', 'wide']);
    assert.match(wide, /\s([2-9]|\d{2,})\s+crasher\.\w+\s*$/m, 'the COUNT column shows the repeats');
    const described = cluster.k(['describe', 'pod', 'crasher']);
    assert.match(described, /\(x\d+ over \S+\)/);
  });

  it('kubectl get events -w lists the events and keeps watching', () => {
    // The watch never ends by itself; kubectl is stopped after a few seconds and its output read.
    const r = cluster.kubectl(['get', 'events', '-w', '-n', 'default'], { timeoutMs: 6000 });
    assert.match(r.stdout, /pod\/crasher/);
    assert.match(r.stdout, /Scaled up replica set web-/);
  });
});
