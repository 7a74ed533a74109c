/**
 * Object state in the style of kube-state-metrics, computed at scrape time from informer caches:
 * pods (phase, readiness, restarts, container states), deployments (replicas) and nodes
 * (conditions, allocatable). Nothing is kept between scrapes, so deleted objects leave no series.
 */
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { Counter, Gauge, Registry } from 'prom-client';
import { parseQuantity } from '../api/validation/index.js';

export interface StateSources {
  pods(): Pod[];
  nodes(): Node[];
  deployments(): Deployment[];
}

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
const CONDITION_STATUSES = ['true', 'false', 'unknown'];
const WAITING_REASONS = ['ContainerCreating', 'CrashLoopBackOff', 'CreateContainerConfigError', 'ErrImagePull', 'ImagePullBackOff', 'CreateContainerError', 'InvalidImageName'];

const seconds = (t: string | undefined): number | undefined => {
  const ms = Date.parse(t ?? '');
  return Number.isFinite(ms) ? ms / 1000 : undefined;
};

export function kubeStateRegistry(src: StateSources): Registry {
  const registry = new Registry();
  const registers = [registry];
  const g = <L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> => new Gauge<L>({ name, help, labelNames, registers });

  // Registered first: prom-client gathers in registration order, so this refresh fills the others before they are read.
  new Gauge({
    name: 'kube_state_objects', help: 'Number of objects in the informer caches the state metrics are computed from.', labelNames: ['resource'], registers,
    collect() {
      const pods = src.pods();
      const nodes = src.nodes();
      const deployments = src.deployments();
      for (const m of all) m.reset();
      fillPods(pods);
      fillNodes(nodes);
      fillDeployments(deployments);
      this.set({ resource: 'pods' }, pods.length);
      this.set({ resource: 'nodes' }, nodes.length);
      this.set({ resource: 'deployments' }, deployments.length);
    },
  });

  const podInfo = g('kube_pod_info', 'Information about pod.', ['namespace', 'pod', 'uid', 'host_ip', 'pod_ip', 'node', 'created_by_kind', 'created_by_name']);
  const podPhase = g('kube_pod_status_phase', 'The pods current phase.', ['namespace', 'pod', 'uid', 'phase']);
  const podReady = g('kube_pod_status_ready', 'Describes whether the pod is ready to serve requests.', ['namespace', 'pod', 'uid', 'condition']);
  const podCreated = g('kube_pod_created', 'Unix creation timestamp', ['namespace', 'pod', 'uid']);
  const restarts = new Counter({ name: 'kube_pod_container_status_restarts_total', help: 'The number of container restarts per container.', labelNames: ['namespace', 'pod', 'uid', 'container'], registers });
  const cReady = g('kube_pod_container_status_ready', 'Describes whether the containers readiness check succeeded.', ['namespace', 'pod', 'uid', 'container']);
  const cRunning = g('kube_pod_container_status_running', 'Describes whether the container is currently in running state.', ['namespace', 'pod', 'uid', 'container']);
  const cWaiting = g('kube_pod_container_status_waiting_reason', 'Describes the reason the container is currently in waiting state.', ['namespace', 'pod', 'uid', 'container', 'reason']);
  const cTerminated = g('kube_pod_container_status_terminated_reason', 'Describes the reason the container is currently in terminated state.', ['namespace', 'pod', 'uid', 'container', 'reason']);
  const cRequests = g('kube_pod_container_resource_requests', 'The number of requested request resource by a container.', ['namespace', 'pod', 'uid', 'container', 'node', 'resource', 'unit']);
  const cLimits = g('kube_pod_container_resource_limits', 'The number of requested limit resource by a container.', ['namespace', 'pod', 'uid', 'container', 'node', 'resource', 'unit']);

  const depReplicas = g('kube_deployment_spec_replicas', 'Number of desired pods for a deployment.', ['namespace', 'deployment']);
  const depStatusReplicas = g('kube_deployment_status_replicas', 'The number of replicas per deployment.', ['namespace', 'deployment']);
  const depAvailable = g('kube_deployment_status_replicas_available', 'The number of available replicas per deployment.', ['namespace', 'deployment']);
  const depUnavailable = g('kube_deployment_status_replicas_unavailable', 'The number of unavailable replicas per deployment.', ['namespace', 'deployment']);
  const depUpdated = g('kube_deployment_status_replicas_updated', 'The number of updated replicas per deployment.', ['namespace', 'deployment']);
  const depReadyReplicas = g('kube_deployment_status_replicas_ready', 'The number of ready replicas per deployment.', ['namespace', 'deployment']);
  const depGeneration = g('kube_deployment_metadata_generation', 'Sequence number representing a specific generation of the desired state.', ['namespace', 'deployment']);
  const depObserved = g('kube_deployment_status_observed_generation', 'The generation observed by the deployment controller.', ['namespace', 'deployment']);

  const nodeInfo = g('kube_node_info', 'Information about a cluster node.', ['node', 'kernel_version', 'os_image', 'container_runtime_version', 'kubelet_version', 'internal_ip']);
  const nodeCondition = g('kube_node_status_condition', 'The condition of a cluster node.', ['node', 'condition', 'status']);
  const nodeAllocatable = g('kube_node_status_allocatable', 'The allocatable for different resources of a node that are available for scheduling.', ['node', 'resource', 'unit']);
  const nodeCapacity = g('kube_node_status_capacity', 'The capacity for different resources of a node.', ['node', 'resource', 'unit']);
  const nodeUnschedulable = g('kube_node_spec_unschedulable', 'Whether a node can schedule new pods.', ['node']);

  const all: (Gauge<string> | Counter<string>)[] = [
    podInfo, podPhase, podReady, podCreated, restarts, cReady, cRunning, cWaiting, cTerminated, cRequests, cLimits,
    depReplicas, depStatusReplicas, depAvailable, depUnavailable, depUpdated, depReadyReplicas, depGeneration, depObserved,
    nodeInfo, nodeCondition, nodeAllocatable, nodeCapacity, nodeUnschedulable,
  ];

  const resourceValue = (resource: string, q: string): { value: number; unit: string } | undefined => {
    const v = parseQuantity(q);
    if (v === undefined) return undefined;
    if (resource === 'cpu') return { value: v, unit: 'core' };
    if (resource === 'memory' || resource.includes('storage')) return { value: v, unit: 'byte' };
    return { value: v, unit: 'integer' };
  };

  function fillPods(pods: Pod[]): void {
    for (const p of pods) {
      const namespace = p.metadata?.namespace ?? '';
      const pod = p.metadata?.name ?? '';
      const uid = p.metadata?.uid ?? '';
      const base = { namespace, pod, uid };
      const owner = p.metadata?.ownerReferences?.find((o) => o.controller) ?? p.metadata?.ownerReferences?.[0];
      podInfo.set({ ...base, host_ip: p.status?.hostIP ?? '', pod_ip: p.status?.podIP ?? '', node: p.spec?.nodeName ?? '', created_by_kind: owner?.kind ?? '<none>', created_by_name: owner?.name ?? '<none>' }, 1);
      const phase = p.status?.phase ?? 'Pending';
      for (const ph of PHASES) podPhase.set({ ...base, phase: ph }, ph === phase ? 1 : 0);
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready')?.status?.toLowerCase() ?? 'unknown';
      for (const st of CONDITION_STATUSES) podReady.set({ ...base, condition: st }, st === ready ? 1 : 0);
      const created = seconds(p.metadata?.creationTimestamp);
      if (created !== undefined) podCreated.set(base, created);
      for (const c of p.status?.containerStatuses ?? []) {
        const cl = { ...base, container: c.name };
        restarts.inc(cl, c.restartCount ?? 0);
        cReady.set(cl, c.ready ? 1 : 0);
        cRunning.set(cl, c.state?.running ? 1 : 0);
        const waiting = c.state?.waiting?.reason;
        for (const reason of new Set([...WAITING_REASONS, ...(waiting ? [waiting] : [])])) cWaiting.set({ ...cl, reason }, reason === waiting ? 1 : 0);
        const terminated = c.state?.terminated?.reason;
        if (terminated) cTerminated.set({ ...cl, reason: terminated }, 1);
      }
      for (const c of p.spec?.containers ?? []) {
        for (const [target, list] of [[cRequests, c.resources?.requests], [cLimits, c.resources?.limits]] as const) {
          for (const [resource, q] of Object.entries(list ?? {})) {
            const v = resourceValue(resource, String(q));
            if (v) target.set({ ...base, container: c.name, node: p.spec?.nodeName ?? '', resource, unit: v.unit }, v.value);
          }
        }
      }
    }
  }

  function fillDeployments(deployments: Deployment[]): void {
    for (const d of deployments) {
      const l = { namespace: d.metadata?.namespace ?? '', deployment: d.metadata?.name ?? '' };
      depReplicas.set(l, d.spec?.replicas ?? 1);
      depStatusReplicas.set(l, d.status?.replicas ?? 0);
      depAvailable.set(l, d.status?.availableReplicas ?? 0);
      depUnavailable.set(l, d.status?.unavailableReplicas ?? 0);
      depUpdated.set(l, d.status?.updatedReplicas ?? 0);
      depReadyReplicas.set(l, d.status?.readyReplicas ?? 0);
      depGeneration.set(l, d.metadata?.generation ?? 0);
      depObserved.set(l, d.status?.observedGeneration ?? 0);
    }
  }

  function fillNodes(nodes: Node[]): void {
    for (const n of nodes) {
      const node = n.metadata?.name ?? '';
      const info = n.status?.nodeInfo;
      nodeInfo.set({
        node, kernel_version: info?.kernelVersion ?? '', os_image: info?.osImage ?? '', container_runtime_version: info?.containerRuntimeVersion ?? '',
        kubelet_version: info?.kubeletVersion ?? '', internal_ip: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
      }, 1);
      for (const c of n.status?.conditions ?? []) {
        const status = c.status.toLowerCase();
        for (const st of CONDITION_STATUSES) nodeCondition.set({ node, condition: c.type, status: st }, st === status ? 1 : 0);
      }
      for (const [target, list] of [[nodeAllocatable, n.status?.allocatable], [nodeCapacity, n.status?.capacity]] as const) {
        for (const [resource, q] of Object.entries(list ?? {})) {
          const v = resourceValue(resource, String(q));
          if (v) target.set({ node, resource: resource.replace(/[^a-zA-Z0-9_]/g, '_'), unit: v.unit }, v.value);
        }
      }
      nodeUnschedulable.set({ node }, n.spec?.unschedulable ? 1 : 0);
    }
  }

  return registry;
}
