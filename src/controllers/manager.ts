/** Starts the controllers that run with every cluster, each talking to the API through the client. */
import type { KubeClient } from '../client/rest-client.js';
import { GarbageCollector } from './garbagecollector/garbage-collector.js';
import { NamespaceController } from './namespace/namespace-controller.js';
import { ServiceAccountController } from './serviceaccount/serviceaccount-controller.js';

export interface RunningControllers {
  stop(): void;
}

export function startControllers(client: KubeClient): RunningControllers {
  const controllers = [new NamespaceController(client), new ServiceAccountController(client), new GarbageCollector(client)];
  for (const c of controllers) c.start();
  return { stop: () => controllers.forEach((c) => c.stop()) };
}
