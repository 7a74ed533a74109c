/** Starts the controllers that run with every cluster, each talking to the API through the client. */
import { Registry } from 'prom-client';
import type { KubeClient } from '../client/rest-client.js';
import { Informer } from '../client/informer.js';
import { Refs } from '../client/resources.js';
import type { WorkQueue } from '../client/workqueue.js';
import { PrometheusQueueMetrics } from '../metrics/workqueue-metrics.js';
import { CronJobController } from './cronjob/cronjob-controller.js';
import { DaemonSetController } from './daemonset/daemonset-controller.js';
import { DeploymentController } from './deployment/deployment-controller.js';
import { DisruptionController } from './disruption/disruption-controller.js';
import { NodeLifecycleController } from './nodelifecycle/nodelifecycle-controller.js';
import { EndpointsController } from './endpoints/endpoints-controller.js';
import { EndpointSliceController } from './endpointslice/endpointslice-controller.js';
import { GarbageCollector } from './garbagecollector/garbage-collector.js';
import { JobController } from './job/job-controller.js';
import { NamespaceController } from './namespace/namespace-controller.js';
import { NamespaceDefaultsController } from './namespacedefaults/namespace-defaults-controller.js';
import { ReplicaSetController } from './replicaset/replicaset-controller.js';
import { StatefulSetController } from './statefulset/statefulset-controller.js';
import { TtlAfterFinishedController } from './ttlafterfinished/ttl-after-finished-controller.js';
import { VolumeController } from './volume/volume-controller.js';
import { EventTtlController } from './eventttl/event-ttl-controller.js';
import { logger } from '../log/logger.js';

export interface RunningControllers {
  /** The controller manager's metrics: its work queues and reconciles. */
  metrics: Registry;
  stop(): void;
}

export interface ControllerOptions {
  /** The cluster CA, published into every namespace. */
  caPem: string;
  /** The cluster's name, part of every engine volume name the provisioner hands out. */
  clusterName: string;
  /** How long a node's Lease may go unrenewed before the node is Unknown (default 40). */
  nodeMonitorGracePeriodSeconds?: number;
}

export function startControllers(client: KubeClient, opts: ControllerOptions): RunningControllers {
  // Endpoints and EndpointSlices are built from the same Services and pods: one cache of each.
  const shared = { services: new Informer(client, Refs.services), pods: new Informer(client, Refs.pods) };
  const controllers: { queue: WorkQueue; start(): void; stop(): void }[] = [
    EndpointsController.forClient(client, shared), EndpointSliceController.forClient(client, shared),
    new NamespaceController(client), new NamespaceDefaultsController(client, opts.caPem), new GarbageCollector(client),
    new VolumeController(client, opts.clusterName), ReplicaSetController.forClient(client), DeploymentController.forClient(client),
    new NodeLifecycleController(client, { gracePeriodMs: (opts.nodeMonitorGracePeriodSeconds ?? 40) * 1000 }), new DisruptionController(client),
    DaemonSetController.forClient(client),
    StatefulSetController.forClient(client),
    JobController.forClient(client),
    TtlAfterFinishedController.forClient(client),
    CronJobController.forClient(client),
    new EventTtlController(client, { onError: (err) => logger('event-ttl').warn({ err }, 'expiring events failed') }),
  ];
  const metrics = new Registry();
  const queues = new PrometheusQueueMetrics(metrics);
  for (const c of controllers) c.queue.instrument(queues);
  for (const c of controllers) c.start();
  return { metrics, stop: () => {
    controllers.forEach((c) => c.stop());
    shared.services.stop();
    shared.pods.stop();
  } };
}
