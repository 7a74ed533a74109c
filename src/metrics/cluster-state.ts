/**
 * The cluster-state exporter: informers on pods, nodes and deployments (through the API, like
 * any component) feeding the kube-state series and the pod discovery document for Prometheus.
 */
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { Informer } from '../client/informer.js';
import type { KubeClient } from '../client/rest-client.js';
import { Refs } from '../client/resources.js';
import { KubeStateMetrics } from './kube-state.js';
import { podTargets, type TargetGroup } from './pod-discovery.js';

export class ClusterStateMetrics {
  readonly exposition: KubeStateMetrics;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly deployments: Informer;

  constructor(client: KubeClient) {
    this.pods = new Informer(client, Refs.pods);
    this.nodes = new Informer(client, Refs.nodes);
    this.deployments = new Informer(client, Refs.deployments);
    this.exposition = new KubeStateMetrics({
      pods: () => this.pods.list() as Pod[],
      nodes: () => this.nodes.list() as Node[],
      deployments: () => this.deployments.list() as Deployment[],
    });
  }

  nodeNames(): string[] {
    return this.nodes.list().map((n) => n.metadata.name ?? '').sort();
  }

  /** Pods to scrape, as Prometheus http_sd reads them. */
  podTargets(): TargetGroup[] {
    return podTargets(this.pods.list() as Pod[]);
  }

  start(): void {
    this.pods.start();
    this.nodes.start();
    this.deployments.start();
  }

  stop(): void {
    this.pods.stop();
    this.nodes.stop();
    this.deployments.stop();
  }
}
