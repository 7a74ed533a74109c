/**
 * Object state in the style of kube-state-metrics, computed at scrape time from informer caches:
 * pods (phase, readiness, restarts, container states), deployments (replicas) and nodes
 * (conditions, allocatable). Only what the caches hold is written, so deleted objects leave no series.
 *
 * The exposition is written as text: each object's sample lines come from a pure function of the
 * object and are kept until the informer replaces the object, so a scrape of an unchanged cluster
 * only concatenates lines it already has.
 */
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../api/validation/index.js';
import { ExpositionWriter, SeriesByFamily, type Exposition, type MetricFamily } from './exposition-text.js';

export interface StateSources {
  pods(): Pod[];
  nodes(): Node[];
  deployments(): Deployment[];
}

const gauge = (name: string, help: string): MetricFamily => ({ name, help, type: 'gauge' });

export const STATE_OBJECTS = gauge('kube_state_objects', 'Number of objects in the informer caches the state metrics are computed from.');

export const POD_FAMILIES = {
  info: gauge('kube_pod_info', 'Information about pod.'),
  phase: gauge('kube_pod_status_phase', 'The pods current phase.'),
  ready: gauge('kube_pod_status_ready', 'Describes whether the pod is ready to serve requests.'),
  created: gauge('kube_pod_created', 'Unix creation timestamp'),
  restarts: { name: 'kube_pod_container_status_restarts_total', help: 'The number of container restarts per container.', type: 'counter' },
  containerReady: gauge('kube_pod_container_status_ready', 'Describes whether the containers readiness check succeeded.'),
  containerRunning: gauge('kube_pod_container_status_running', 'Describes whether the container is currently in running state.'),
  containerWaiting: gauge('kube_pod_container_status_waiting_reason', 'Describes the reason the container is currently in waiting state.'),
  containerTerminated: gauge('kube_pod_container_status_terminated_reason', 'Describes the reason the container is currently in terminated state.'),
  requests: gauge('kube_pod_container_resource_requests', 'The number of requested request resource by a container.'),
  limits: gauge('kube_pod_container_resource_limits', 'The number of requested limit resource by a container.'),
} satisfies Record<string, MetricFamily>;

export const DEPLOYMENT_FAMILIES = {
  specReplicas: gauge('kube_deployment_spec_replicas', 'Number of desired pods for a deployment.'),
  replicas: gauge('kube_deployment_status_replicas', 'The number of replicas per deployment.'),
  available: gauge('kube_deployment_status_replicas_available', 'The number of available replicas per deployment.'),
  unavailable: gauge('kube_deployment_status_replicas_unavailable', 'The number of unavailable replicas per deployment.'),
  updated: gauge('kube_deployment_status_replicas_updated', 'The number of updated replicas per deployment.'),
  ready: gauge('kube_deployment_status_replicas_ready', 'The number of ready replicas per deployment.'),
  generation: gauge('kube_deployment_metadata_generation', 'Sequence number representing a specific generation of the desired state.'),
  observedGeneration: gauge('kube_deployment_status_observed_generation', 'The generation observed by the deployment controller.'),
} satisfies Record<string, MetricFamily>;

export const NODE_FAMILIES = {
  info: gauge('kube_node_info', 'Information about a cluster node.'),
  condition: gauge('kube_node_status_condition', 'The condition of a cluster node.'),
  allocatable: gauge('kube_node_status_allocatable', 'The allocatable for different resources of a node that are available for scheduling.'),
  capacity: gauge('kube_node_status_capacity', 'The capacity for different resources of a node.'),
  unschedulable: gauge('kube_node_spec_unschedulable', 'Whether a node can schedule new pods.'),
} satisfies Record<string, MetricFamily>;

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
const CONDITION_STATUSES = ['true', 'false', 'unknown'];
const WAITING_REASONS = ['ContainerCreating', 'CrashLoopBackOff', 'CreateContainerConfigError', 'ErrImagePull', 'ImagePullBackOff', 'CreateContainerError', 'InvalidImageName'];

const seconds = (t: string | undefined): number | undefined => {
  const ms = Date.parse(t ?? '');
  return Number.isFinite(ms) ? ms / 1000 : undefined;
};

function resourceValue(resource: string, q: string): { value: number; unit: string } | undefined {
  const v = parseQuantity(q);
  if (v === undefined) return undefined;
  if (resource === 'cpu') return { value: v, unit: 'core' };
  if (resource === 'memory' || resource.includes('storage')) return { value: v, unit: 'byte' };
  return { value: v, unit: 'integer' };
}

export function podSeries(p: Pod): SeriesByFamily {
  const f = POD_FAMILIES;
  const s = new SeriesByFamily();
  const namespace = p.metadata?.namespace ?? '';
  const pod = p.metadata?.name ?? '';
  const uid = p.metadata?.uid ?? '';
  const node = p.spec?.nodeName ?? '';
  const owner = p.metadata?.ownerReferences?.find((o) => o.controller) ?? p.metadata?.ownerReferences?.[0];
  s.add(f.info, { namespace, pod, uid, host_ip: p.status?.hostIP ?? '', pod_ip: p.status?.podIP ?? '', node, created_by_kind: owner?.kind ?? '<none>', created_by_name: owner?.name ?? '<none>' }, 1);
  const phase = p.status?.phase ?? 'Pending';
  for (const ph of PHASES) s.add(f.phase, { namespace, pod, uid, phase: ph }, ph === phase ? 1 : 0);
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready')?.status?.toLowerCase() ?? 'unknown';
  for (const st of CONDITION_STATUSES) s.add(f.ready, { namespace, pod, uid, condition: st }, st === ready ? 1 : 0);
  const created = seconds(p.metadata?.creationTimestamp);
  if (created !== undefined) s.add(f.created, { namespace, pod, uid }, created);
  for (const c of p.status?.containerStatuses ?? []) {
    const container = c.name;
    s.add(f.restarts, { namespace, pod, uid, container }, c.restartCount ?? 0);
    s.add(f.containerReady, { namespace, pod, uid, container }, c.ready ? 1 : 0);
    s.add(f.containerRunning, { namespace, pod, uid, container }, c.state?.running ? 1 : 0);
    // Every known reason gets a series (0 or 1), plus the current one if it is not among them.
    const waiting = c.state?.waiting?.reason;
    for (const reason of waiting && !WAITING_REASONS.includes(waiting) ? [...WAITING_REASONS, waiting] : WAITING_REASONS) {
      s.add(f.containerWaiting, { namespace, pod, uid, container, reason }, reason === waiting ? 1 : 0);
    }
    const terminated = c.state?.terminated?.reason;
    if (terminated) s.add(f.containerTerminated, { namespace, pod, uid, container, reason: terminated }, 1);
  }
  for (const c of p.spec?.containers ?? []) {
    for (const [family, list] of [[f.requests, c.resources?.requests], [f.limits, c.resources?.limits]] as const) {
      for (const [resource, q] of Object.entries(list ?? {})) {
        const v = resourceValue(resource, String(q));
        if (v) s.add(family, { namespace, pod, uid, container: c.name, node, resource, unit: v.unit }, v.value);
      }
    }
  }
  return s;
}

export function deploymentSeries(d: Deployment): SeriesByFamily {
  const f = DEPLOYMENT_FAMILIES;
  const s = new SeriesByFamily();
  const l = { namespace: d.metadata?.namespace ?? '', deployment: d.metadata?.name ?? '' };
  s.add(f.specReplicas, l, d.spec?.replicas ?? 1);
  s.add(f.replicas, l, d.status?.replicas ?? 0);
  s.add(f.available, l, d.status?.availableReplicas ?? 0);
  s.add(f.unavailable, l, d.status?.unavailableReplicas ?? 0);
  s.add(f.updated, l, d.status?.updatedReplicas ?? 0);
  s.add(f.ready, l, d.status?.readyReplicas ?? 0);
  s.add(f.generation, l, d.metadata?.generation ?? 0);
  s.add(f.observedGeneration, l, d.status?.observedGeneration ?? 0);
  return s;
}

export function nodeSeries(n: Node): SeriesByFamily {
  const f = NODE_FAMILIES;
  const s = new SeriesByFamily();
  const node = n.metadata?.name ?? '';
  const info = n.status?.nodeInfo;
  s.add(f.info, {
    node, kernel_version: info?.kernelVersion ?? '', os_image: info?.osImage ?? '', container_runtime_version: info?.containerRuntimeVersion ?? '',
    kubelet_version: info?.kubeletVersion ?? '', internal_ip: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
  }, 1);
  for (const c of n.status?.conditions ?? []) {
    const status = c.status.toLowerCase();
    for (const st of CONDITION_STATUSES) s.add(f.condition, { node, condition: c.type, status: st }, st === status ? 1 : 0);
  }
  for (const [family, list] of [[f.allocatable, n.status?.allocatable], [f.capacity, n.status?.capacity]] as const) {
    for (const [resource, q] of Object.entries(list ?? {})) {
      const v = resourceValue(resource, String(q));
      if (v) s.add(family, { node, resource: resource.replace(/[^a-zA-Z0-9_]/g, '_'), unit: v.unit }, v.value);
    }
  }
  s.add(f.unschedulable, { node }, n.spec?.unschedulable ? 1 : 0);
  return s;
}

interface Snapshot {
  pods: Pod[];
  nodes: Node[];
  deployments: Deployment[];
}

const sameObjects = (a: object[], b: object[]): boolean => a.length === b.length && a.every((o, i) => o === b[i]);

/** The kube-state exposition over live caches, served as `/metrics/state`. */
export class KubeStateMetrics implements Exposition {
  // Informers replace an object on every change and never mutate one in place, so the object itself
  // is the cache key: a new resourceVersion is a new object, and a deleted one is collected with its lines.
  private readonly cache = new WeakMap<object, SeriesByFamily>();
  private last?: { snapshot: Snapshot; text: string };

  constructor(private readonly src: StateSources) {}

  async metrics(): Promise<string> {
    return this.text();
  }

  text(): string {
    const snapshot: Snapshot = { pods: this.src.pods(), nodes: this.src.nodes(), deployments: this.src.deployments() };
    // Scrapes usually outpace changes: the same objects in the same order give the same text.
    const last = this.last;
    if (last && sameObjects(last.snapshot.pods, snapshot.pods) && sameObjects(last.snapshot.nodes, snapshot.nodes) && sameObjects(last.snapshot.deployments, snapshot.deployments)) {
      return last.text;
    }
    const text = this.write(snapshot);
    this.last = { snapshot, text };
    return text;
  }

  private write({ pods, nodes, deployments }: Snapshot): string {
    const w = new ExpositionWriter();
    w.family(STATE_OBJECTS);
    w.sample(STATE_OBJECTS.name, { resource: 'pods' }, pods.length);
    w.sample(STATE_OBJECTS.name, { resource: 'nodes' }, nodes.length);
    w.sample(STATE_OBJECTS.name, { resource: 'deployments' }, deployments.length);
    this.writeKind(w, Object.values(POD_FAMILIES), pods, podSeries);
    this.writeKind(w, Object.values(DEPLOYMENT_FAMILIES), deployments, deploymentSeries);
    this.writeKind(w, Object.values(NODE_FAMILIES), nodes, nodeSeries);
    return w.text();
  }

  private writeKind<T extends object>(w: ExpositionWriter, families: MetricFamily[], objects: T[], series: (o: T) => SeriesByFamily): void {
    const perObject = objects.map((o) => this.seriesOf(o, series));
    for (const family of families) {
      w.family(family);
      for (const s of perObject) w.samples(s.of(family));
    }
  }

  private seriesOf<T extends object>(o: T, series: (o: T) => SeriesByFamily): SeriesByFamily {
    let s = this.cache.get(o);
    if (!s) {
      s = series(o);
      this.cache.set(o, s);
    }
    return s;
  }
}
