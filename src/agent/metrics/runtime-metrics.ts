/**
 * Wraps a container runtime so each operation is timed and counted under the kubelet's CRI
 * operation names; streams (logs, exec, attach, port-forward, events) pass through untimed.
 */
import type { ContainerConfig, Runtime } from '../../runtime/runtime.js';
import type { KubeletMetrics } from './kubelet-metrics.js';

const OPERATIONS: Partial<Record<keyof Runtime, string>> = {
  version: 'version',
  imageStatus: 'image_status',
  pullImage: 'pull_image',
  runSandbox: 'run_podsandbox',
  stopSandbox: 'stop_podsandbox',
  removeSandbox: 'remove_podsandbox',
  listSandboxes: 'list_podsandbox',
  createContainer: 'create_container',
  startContainer: 'start_container',
  stopContainer: 'stop_container',
  removeContainer: 'remove_container',
  listContainers: 'list_containers',
  listAll: 'list_all',
  containerStatus: 'container_status',
  execSync: 'exec_sync',
  stats: 'container_stats',
};

export function instrumentRuntime<R extends Runtime>(runtime: R, metrics: KubeletMetrics): R {
  return new Proxy(runtime, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      const operation = typeof prop === 'string' ? OPERATIONS[prop as keyof Runtime] : undefined;
      if (!operation || typeof value !== 'function') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      const fn = value as (...a: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]): Promise<unknown> => {
        const end = metrics.runtimeDuration.startTimer({ operation_type: operation });
        metrics.runtimeTotal.inc({ operation_type: operation });
        try {
          const result = await fn.apply(target, args);
          if (prop === 'runSandbox') metrics.startedContainers.inc({ container_type: 'podsandbox' });
          if (prop === 'startContainer') metrics.startedContainers.inc({ container_type: 'container' });
          if (prop === 'createContainer' && ((args[1] as ContainerConfig | undefined)?.attempt ?? 0) > 0) metrics.restartedContainers.inc();
          return result;
        } catch (err) {
          metrics.runtimeErrors.inc({ operation_type: operation });
          if (prop === 'runSandbox') metrics.startedContainerErrors.inc({ container_type: 'podsandbox' });
          if (prop === 'startContainer') metrics.startedContainerErrors.inc({ container_type: 'container' });
          throw err;
        } finally {
          end();
        }
      };
    },
  });
}
