// Runs the controller manager and the scheduler alone, pointed at a running API server, so a bench can measure their
// CPU apart from the API server, node agent, proxy, DNS and metrics of `skiff up`. They talk only through the API.
// Env: SKIFF_BENCH_API (URL), SKIFF_BENCH_CA (PEM file), SKIFF_BENCH_TOKEN, SKIFF_BENCH_CLUSTER.
// No leader election: `skiff up` keeps running its own copies, which hold the Leases; at idle both copies only watch.
import { readFileSync } from 'node:fs';
import { KubeClient } from '../src/client/rest-client.js';
import { startControllers } from '../src/controllers/manager.js';
import { Scheduler } from '../src/scheduler/scheduler.js';

const server = process.env.SKIFF_BENCH_API ?? '';
const caPem = readFileSync(process.env.SKIFF_BENCH_CA ?? '', 'utf8');
const token = process.env.SKIFF_BENCH_TOKEN ?? '';
const controllers = startControllers(new KubeClient({ server, caPem, token, userAgent: 'bench-controller-manager' }), { caPem, clusterName: process.env.SKIFF_BENCH_CLUSTER ?? 'bench' });
const scheduler = new Scheduler(new KubeClient({ server, caPem, token, userAgent: 'bench-scheduler' }));
scheduler.start();
process.stdout.write('started\n');
const stop = (): void => {
  controllers.stop();
  scheduler.stop();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
