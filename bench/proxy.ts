// The Service data plane against host nginx, side by side in one run: wrk -c32 on loopback through a ClusterIP (from the host) and a NodePort vs nginx (one worker, upstream keepalive) to the same keep-alive backend pod, for HTTP and TCP; and how long an EndpointSlice write takes to reach the route table.
// "Node floor" rows are the cheapest proxies Node itself can be (http.request with a keep-alive agent piped both ways; a net pipe), so the figures say how much of the gap to nginx is http-proxy and skiff and how much is Node.
// Each proxy's CPU time per request (from /proc, the process and its children) is reported next to its throughput: on a shared 2-core machine req/s moves with the neighbours' load, CPU per request much less.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Http, ROOT, freePort, median, percentile, readCreds, sleep, startSkiff, stopChild } from './lib.js';

const SECONDS = Number(process.env.SKIFF_BENCH_PROXY_SECONDS ?? 10);
const NAME = 'proxybench';
const log = (s: string): void => void process.stderr.write(`[bench:proxy] ${s}\n`);

/** A keep-alive HTTP backend in a pod: the host's node run by chroot from a read-only hostPath, so no image is pulled. */
const backendPod = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'backend', labels: { app: 'backend' } },
  spec: {
    terminationGracePeriodSeconds: 0,
    volumes: [{ name: 'host', hostPath: { path: '/' } }],
    containers: [{
      name: 'node', image: 'skiff/busybox:1.36', imagePullPolicy: 'IfNotPresent',
      volumeMounts: [{ name: 'host', mountPath: '/host', readOnly: true }],
      command: ['chroot', '/host', process.execPath, '-e', "require('http').createServer((q,s)=>s.end('hello from the backend\\n')).listen(8080)"],
      readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
    }],
  },
};
const svc = (name: string, portName: string, port: number, selector?: Record<string, string>): object => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name },
  spec: { type: 'NodePort', ...(selector ? { selector } : {}), ports: [{ name: portName, port, targetPort: 8080 }] },
});

/** The cheapest HTTP proxy Node has: one keep-alive agent, http.request per request, bodies piped both ways. */
const nodeFloorHttp = `const http = require('http');
const [port, host, upPort] = [Number(process.argv[1]), process.argv[2], Number(process.argv[3])];
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
http.createServer({ keepAlive: true }, (req, res) => {
  const up = http.request({ host, port: upPort, method: req.method, path: req.url, headers: req.headers, agent }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
}).listen(port, '127.0.0.1');`;

/** The cheapest TCP proxy Node has: accept, connect, pipe both ways. */
const nodeFloorTcp = `const net = require('net');
const [port, host, upPort] = [Number(process.argv[1]), process.argv[2], Number(process.argv[3])];
net.createServer({ noDelay: true }, (c) => {
  const u = net.connect({ host, port: upPort, noDelay: true });
  c.pipe(u).pipe(c);
  c.on('error', () => u.destroy());
  u.on('error', () => c.destroy());
}).listen(port, '127.0.0.1');`;

interface WrkResult {
  rps: number;
  p99Ms: number;
  errors: string;
  /** CPU time (user + system) of the proxy process and its children per request, µs. */
  cpuUsPerReq?: number;
}

/** utime + stime in clock ticks (100/s) of a process and its direct children. */
function cpuTicks(pid: number): number {
  const of = (p: string): number => {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  const childrenFile = `/proc/${pid}/task/${pid}/children`;
  const children = existsSync(childrenFile) ? readFileSync(childrenFile, 'utf8').split(' ').filter(Boolean) : [];
  return [String(pid), ...children].reduce((sum, p) => sum + (existsSync(`/proc/${p}/stat`) ? of(p) : 0), 0);
}

function wrk(url: string, proxyPid?: number): WrkResult {
  const before = proxyPid ? cpuTicks(proxyPid) : 0;
  const r = spawnSync('wrk', ['-c32', '-t2', `-d${SECONDS}s`, '--latency', url], { encoding: 'utf8', timeout: (SECONDS + 30) * 1000 });
  const ticks = proxyPid ? cpuTicks(proxyPid) - before : 0;
  const out = r.stdout ?? '';
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const m = /99%\s+([\d.]+)(us|ms|s)\b/.exec(out);
  const p99Ms = m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
  const errors = /Socket errors:[^\n]*|Non-2xx[^\n]*/.exec(out)?.[0] ?? '';
  return { rps, p99Ms, errors, cpuUsPerReq: proxyPid ? (ticks * 10_000) / requests : undefined };
}

function nginxConfig(dir: string, backend: string, httpPort: number, tcpPort: number): string {
  return `load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream backend { server ${backend}; keepalive 64; }
  server {
    listen 127.0.0.1:${httpPort};
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
stream {
  upstream tcpbackend { server ${backend}; }
  server { listen 127.0.0.1:${tcpPort}; proxy_pass tcpbackend; }
}
`;
}

function status(host: string, port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

const started = new Date();
const loadAtStart = loadavg()[0];
const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-proxy-'));
const nginxDir = mkdtempSync(join(tmpdir(), 'skiff-bench-nginx-'));
let nginx: ChildProcess | undefined;
const floors: ChildProcess[] = [];
const skiff = await startSkiff(dataDir, 0, 60_000, NAME);
const kubectl = (args: string[], input?: string): string => {
  const r = spawnSync('kubectl', args, { encoding: 'utf8', input, env: { ...process.env, KUBECONFIG: join(dataDir, 'user-kubeconfig') }, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
try {
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [backendPod, svc('be-http', 'http', 80, { app: 'backend' }), svc('be-tcp', 'tcp', 81, { app: 'backend' }), svc('probe', 'http', 82)] }));
  kubectl(['wait', '--for=condition=Ready', 'pod/backend', '--timeout=90s']);
  const podIP = kubectl(['get', 'pod', 'backend', '-o', 'jsonpath={.status.podIP}']);
  const ip = (name: string): string => kubectl(['get', 'svc', name, '-o', 'jsonpath={.spec.clusterIP}']);
  const nodePort = (name: string): number => Number(kubectl(['get', 'svc', name, '-o', 'jsonpath={.spec.ports[0].nodePort}']));
  const [httpIP, tcpIP, probeIP] = [ip('be-http'), ip('be-tcp'), ip('probe')];
  for (let i = 0; i < 100 && (await status(httpIP, 80)) !== 200; i++) await sleep(200);

  const [nginxHttp, nginxTcp] = [await freePort(), await freePort()];
  writeFileSync(join(nginxDir, 'nginx.conf'), nginxConfig(nginxDir, `${podIP}:8080`, nginxHttp, nginxTcp));
  nginx = spawn('nginx', ['-p', nginxDir, '-c', join(nginxDir, 'nginx.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 50 && (await status('127.0.0.1', nginxHttp)) !== 200; i++) await sleep(100);

  const [floorHttp, floorTcp] = [await freePort(), await freePort()];
  for (const [script, port] of [[nodeFloorHttp, floorHttp], [nodeFloorTcp, floorTcp]] as const) {
    floors.push(spawn(process.execPath, ['-e', script, String(port), podIP, '8080'], { stdio: 'ignore' }));
  }
  for (const port of [floorHttp, floorTcp]) for (let i = 0; i < 50 && (await status('127.0.0.1', port)) !== 200; i++) await sleep(100);

  // NodePort before ClusterIP (an earlier run had them the other way round), and ClusterIP once more at the end,
  // so a difference between the two listeners is not an artefact of order or warm-up.
  const [nginxPid, skiffPid] = [nginx.pid, skiff.pid];
  const runs: [string, string, number | undefined][] = [
    ['backend pod directly', `http://${podIP}:8080/`, undefined],
    ['nginx HTTP (upstream keepalive)', `http://127.0.0.1:${nginxHttp}/`, nginxPid],
    ['Node floor HTTP (http.request keep-alive pipe)', `http://127.0.0.1:${floorHttp}/`, floors[0].pid],
    ['skiff HTTP via NodePort', `http://127.0.0.1:${nodePort('be-http')}/`, skiffPid],
    ['skiff HTTP via ClusterIP', `http://${httpIP}/`, skiffPid],
    ['nginx TCP (stream)', `http://127.0.0.1:${nginxTcp}/`, nginxPid],
    ['Node floor TCP (net pipe)', `http://127.0.0.1:${floorTcp}/`, floors[1].pid],
    ['skiff TCP via NodePort', `http://127.0.0.1:${nodePort('be-tcp')}/`, skiffPid],
    ['skiff TCP via ClusterIP', `http://${tcpIP}:81/`, skiffPid],
    ['skiff HTTP via ClusterIP (again)', `http://${httpIP}/`, skiffPid],
  ];
  // What `skiff up` spends with no Service traffic, to read its CPU per request against.
  const idleBefore = cpuTicks(skiffPid as number);
  await sleep(SECONDS * 1000);
  const idleMsPerSecond = ((cpuTicks(skiffPid as number) - idleBefore) * 10) / SECONDS;
  const results = new Map<string, WrkResult>();
  for (const [label, url, pid] of runs) {
    log(`${label}: wrk -c32 ${SECONDS}s ${url}`);
    results.set(label, wrk(url, pid));
  }

  // Endpoint change → route table: a selector-less Service gets an EndpointSlice; time from the API's answer to the first 200.
  const http = new Http(new URL(skiff.url), readCreds(dataDir), 4);
  const latencies: number[] = [];
  for (let i = 0; i < 10; i++) {
    const name = `probe-${i}`;
    const reply = await http.ok('POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, labels: { 'kubernetes.io/service-name': 'probe' } },
      addressType: 'IPv4', endpoints: [{ addresses: [podIP], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
    let ok = false;
    for (let n = 0; n < 2000 && !ok; n++) ok = (await status(probeIP, 82)) === 200;
    latencies.push(performance.now() - reply.doneAt);
    await http.ok('DELETE', `/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/${name}`);
    for (let n = 0; n < 2000 && (await status(probeIP, 82)) === 200; n++) await sleep(2);
  }
  http.close();

  const nh = results.get('nginx HTTP (upstream keepalive)')?.rps ?? NaN;
  const nt = results.get('nginx TCP (stream)')?.rps ?? NaN;
  const lines = [
    `## Service data plane vs nginx (bench/proxy.ts)`, '',
    `- date: ${started.toISOString()}`,
    `- machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, node ${process.version}; 1-minute load average at start ${loadAtStart.toFixed(2)}`,
    `- command: \`node --import tsx bench/proxy.ts\` after \`npm run build\`; wrk -c32 -t2 -d${SECONDS}s on loopback; backend: one Node http server in a pod (keep-alive)`, '',
    '| path | req/s | p99 | vs nginx (same protocol) | proxy CPU per request | errors |', '| --- | ---: | ---: | ---: | ---: | --- |',
    ...[...results].map(([label, r]) => {
      const base = label.includes('TCP') ? nt : nh;
      const ratio = label.startsWith('skiff') || label.startsWith('Node') ? `${(r.rps / base).toFixed(2)}×` : '';
      const cpu = r.cpuUsPerReq === undefined ? '' : `${r.cpuUsPerReq.toFixed(0)} µs`;
      return `| ${label} | ${r.rps.toFixed(0)} | ${r.p99Ms.toFixed(1)} ms | ${ratio} | ${cpu} | ${r.errors} |`;
    }),
    '',
    `Proxy CPU per request: the skiff rows count the whole \`skiff up\` process (API server, controllers and agent included), which used ${idleMsPerSecond.toFixed(0)} ms of CPU per second with no Service traffic just before.`,
    '',
    `EndpointSlice created (API answered) → first 200 through the ClusterIP, 10 times: median ${median(latencies).toFixed(1)} ms, max ${percentile([...latencies].sort((a, b) => a - b), 100).toFixed(1)} ms`,
    `(includes the watch, the proxy's sync and the probing loop's own request time).`,
    `1-minute load average at end: ${loadavg()[0].toFixed(2)}`, '',
  ];
  process.stdout.write(lines.join('\n'));
} finally {
  if (nginx) await stopChild(nginx);
  for (const f of floors) await stopChild(f);
  await skiff.stop();
  rmSync(nginxDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
  void ROOT;
}
