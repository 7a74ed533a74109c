/**
 * The DaemonSet controller's pure plan: which nodes should run a daemon pod (node selector,
 * required node affinity, taints against tolerations), which pods to create or delete so each
 * eligible node runs exactly one, the next step of a rolling update, and the status to report.
 */
import type { DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, PodTemplateSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { deepCopy } from '../../api/machinery/object.js';
import { nodeSelector, tolerates } from '../../scheduler/plugins.js';
import { scaledValue } from '../deployment/util.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/revision.js';
import { isPodAvailable, isPodReady, ownerReferenceFor } from '../replicaset/plan.js';

/** Deprecated in Kubernetes but still written, so tools that read it keep working. */
export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

export const SUCCESSFUL_CREATE = 'SuccessfulCreate';
export const FAILED_CREATE = 'FailedCreate';
export const SUCCESSFUL_DELETE = 'SuccessfulDelete';
export const FAILED_DAEMON_POD = 'FailedDaemonPod';

/**
 * Tolerations every daemon pod gets: a daemon keeps running through node trouble (not-ready,
 * unreachable) and may land on nodes under pressure or cordoned, because it is often what the
 * node needs to recover.
 */
export function daemonTolerations(hostNetwork: boolean): Toleration[] {
  const t: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) t.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return t;
}

/** The template's tolerations plus the daemon ones it does not already carry. */
export function withDaemonTolerations(template: PodTemplateSpec | undefined): Toleration[] {
  const own = [...(template?.spec?.tolerations ?? [])];
  for (const t of daemonTolerations(template?.spec?.hostNetwork === true)) {
    if (!own.some((o) => o.key === t.key && o.effect === t.effect)) own.push(t);
  }
  return own;
}

export interface NodeFit {
  /** A new daemon pod belongs on the node. */
  shouldRun: boolean;
  /** A daemon pod already there may stay (only NoExecute taints evict). */
  shouldContinueRunning: boolean;
}

/** Whether the DaemonSet's pods belong on a node, as Kubernetes' nodeShouldRunDaemonPod decides. */
export function nodeShouldRunDaemonPod(ds: DaemonSet, node: Node): NodeFit {
  const tolerations = withDaemonTolerations(ds.spec?.template);
  const probe: Pod = { spec: { ...(ds.spec?.template?.spec ?? { containers: [] }), tolerations } };
  if (!nodeSelector(probe, { node, pods: [] }).ok) return { shouldRun: false, shouldContinueRunning: false };
  const untolerated = (node.spec?.taints ?? []).filter((taint) => !tolerations.some((t) => tolerates(t, taint)));
  const noExecute = untolerated.some((t) => t.effect === 'NoExecute');
  const noSchedule = untolerated.some((t) => t.effect === 'NoSchedule');
  return { shouldRun: !noExecute && !noSchedule, shouldContinueRunning: !noExecute };
}

/** The node a daemon pod is meant for: where it is bound, or the node its affinity pins it to. */
export function targetNodeOf(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    const f = term.matchFields?.find((m) => m.key === 'metadata.name' && m.operator === 'In' && m.values?.length === 1);
    if (f?.values) return f.values[0];
  }
  return undefined;
}

/**
 * A daemon pod for one node: the template with the daemon tolerations, the revision hash label,
 * and required node affinity replaced by `metadata.name In [node]`, so the scheduler places it
 * exactly there (the node already passed the template's own selector).
 */
export function newDaemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const template: PodTemplateSpec = deepCopy(ds.spec?.template ?? {});
  const meta = template.metadata ?? {};
  const spec = template.spec ?? { containers: [] };
  const affinity = { ...(spec.affinity ?? {}) };
  affinity.nodeAffinity = {
    ...(affinity.nodeAffinity ?? {}),
    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] },
  };
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata?.name ?? ''}-`, namespace: ds.metadata?.namespace,
      labels: {
        ...(meta.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash,
        ...(ds.metadata?.generation !== undefined ? { [POD_TEMPLATE_GENERATION_LABEL]: String(ds.metadata.generation) } : {}),
      },
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
      ownerReferences: [ownerReferenceFor(ds, 'apps/v1', 'DaemonSet')],
    },
    spec: { ...spec, affinity, tolerations: withDaemonTolerations(template) },
  };
}

export interface DaemonSetPlan {
  /** Nodes that get a new pod of the update revision. */
  create: string[];
  /** Pods to delete, with why (for the event). */
  delete: { pod: Pod; failed: boolean }[];
  status: DaemonSetStatus;
  /** Look again after this long (a pod becoming available after minReadySeconds). */
  requeueAfterMs?: number;
}

const created = (p: Pod): number => Date.parse(p.metadata?.creationTimestamp ?? '') || 0;
const oldestFirst = (a: Pod, b: Pod): number => created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
const isUpdated = (p: Pod, hash: string): boolean => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;

/** Pods grouped by the node they are meant for; pods meant for no node are left out (deleted by the caller). */
export function podsByNode(pods: Pod[]): Map<string, Pod[]> {
  const m = new Map<string, Pod[]>();
  for (const p of pods) {
    const n = targetNodeOf(p);
    if (n === undefined) continue;
    m.set(n, [...(m.get(n) ?? []), p]);
  }
  return m;
}

/** maxSurge and maxUnavailable against the desired count, both rounded up; 0/0 allows one unavailable. */
export function resolveDaemonFenceposts(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  const maxSurge = scaledValue(ru?.maxSurge ?? 0, desired, true);
  let maxUnavailable = scaledValue(ru?.maxUnavailable ?? 1, desired, true);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/**
 * The whole plan for one sync: first make every eligible node run exactly one pod (the manage
 * step), then, for RollingUpdate, replace old pods within maxUnavailable (delete first) or
 * maxSurge (new pod first, old deleted once the new one is available).
 */
export function planDaemonSet(ds: DaemonSet, nodes: Node[], pods: Pod[], hash: string, now: number): DaemonSetPlan {
  const byNode = podsByNode(pods);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const create: string[] = [];
  const del: DaemonSetPlan['delete'] = [];
  const deleting = new Set<Pod>();
  const remove = (pod: Pod, failed = false): void => {
    if (deleting.has(pod)) return;
    deleting.add(pod);
    del.push({ pod, failed });
  };
  const nodeNames = new Set(nodes.map((n) => n.metadata?.name ?? ''));
  // Pods for nodes that no longer exist (or for no node at all) have nowhere to run.
  for (const p of pods) {
    const n = targetNodeOf(p);
    if (!p.metadata?.deletionTimestamp && (n === undefined || !nodeNames.has(n))) remove(p);
  }
  const fits = new Map<string, NodeFit>();
  const surge = ds.spec?.updateStrategy?.type !== 'OnDelete' && resolveDaemonFenceposts(ds, 1).maxSurge > 0;
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    const fit = nodeShouldRunDaemonPod(ds, node);
    fits.set(name, fit);
    const onNode = byNode.get(name) ?? [];
    if (fit.shouldRun && onNode.length === 0) {
      create.push(name);
    } else if (fit.shouldContinueRunning) {
      const running: Pod[] = [];
      for (const p of onNode) {
        if (p.metadata?.deletionTimestamp) continue;
        if (p.status?.phase === 'Failed') remove(p, true);
        else running.push(p);
      }
      running.sort(oldestFirst);
      if (!surge) running.slice(1).forEach((p) => remove(p));
      else {
        // With surge a node may briefly run one old and one new pod; any more go.
        const keepNew = running.find((p) => isUpdated(p, hash));
        const keepOld = running.find((p) => !isUpdated(p, hash));
        running.filter((p) => p !== keepNew && p !== keepOld).forEach((p) => remove(p));
      }
    } else {
      onNode.filter((p) => !p.metadata?.deletionTimestamp).forEach((p) => remove(p));
    }
  }

  const desired = [...fits.values()].filter((f) => f.shouldRun).length;
  if (ds.spec?.updateStrategy?.type !== 'OnDelete' && !ds.metadata?.deletionTimestamp) {
    rollingUpdate(ds, nodes, byNode, fits, hash, now, desired, create, remove, deleting);
  }
  const status = calculateStatus(ds, nodes, byNode, fits, hash, now);
  const plan: DaemonSetPlan = { create, delete: del, status };
  if (minReady > 0 && (status.numberReady ?? 0) > (status.numberAvailable ?? 0)) plan.requeueAfterMs = minReady * 1000 + 100;
  return plan;
}

/** The live (not terminating) new and old pod of a node; undefined when there are several of either. */
function updatedAndOld(pods: Pod[], hash: string): { ok: boolean; newPod?: Pod; oldPod?: Pod } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp) continue;
    if (isUpdated(p, hash)) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { ok: true, newPod, oldPod };
}

function rollingUpdate(
  ds: DaemonSet, nodes: Node[], byNode: Map<string, Pod[]>, fits: Map<string, NodeFit>, hash: string, now: number,
  desired: number, create: string[], remove: (p: Pod) => void, deleting: Set<Pod>,
): void {
  const { maxSurge, maxUnavailable } = resolveDaemonFenceposts(ds, desired);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const available = (p: Pod): boolean => isPodAvailable(p, minReady, now);
  // Nodes that should run a pod but have none count as unavailable, like Kubernetes' updatedDesiredNodeCounts.
  const names = nodes.map((n) => n.metadata?.name ?? '').filter((n) => byNode.has(n) || fits.get(n)?.shouldRun);
  if (maxSurge === 0) {
    let unavailable = 0;
    const replace: Pod[] = [];
    const candidates: Pod[] = [];
    for (const name of names) {
      const { ok, newPod, oldPod } = updatedAndOld((byNode.get(name) ?? []).filter((p) => !deleting.has(p)), hash);
      if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) unavailable++;
      else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (oldPod) {
        // An old pod that is not available anyway costs nothing to replace.
        if (!available(oldPod)) replace.push(oldPod);
        else if (unavailable < maxUnavailable) candidates.push(oldPod);
      }
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    [...replace, ...candidates.slice(0, room)].forEach((p) => remove(p));
    return;
  }
  let surged = 0;
  for (const name of names) {
    const { ok, newPod, oldPod } = updatedAndOld((byNode.get(name) ?? []).filter((p) => !deleting.has(p)), hash);
    if (!ok || !oldPod) continue;
    if (!newPod) {
      if (create.includes(name)) continue;
      if (!available(oldPod)) create.push(name);
      else if (surged < maxSurge) {
        surged++;
        create.push(name);
      }
    } else if (available(newPod)) remove(oldPod);
    else surged++;
  }
}

/** Status as Kubernetes counts it: per eligible node, the oldest daemon pod there decides. */
export function calculateStatus(ds: DaemonSet, nodes: Node[], byNode: Map<string, Pod[]>, fits: Map<string, NodeFit>, hash: string, now: number): DaemonSetStatus {
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  const minReady = ds.spec?.minReadySeconds ?? 0;
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    const fit = fits.get(name) ?? { shouldRun: false, shouldContinueRunning: false };
    const onNode = (byNode.get(name) ?? []).filter((p) => !p.metadata?.deletionTimestamp).sort(oldestFirst);
    if (fit.shouldRun) {
      desired++;
      if (onNode.length === 0) continue;
      current++;
      const p = onNode[0];
      if (isUpdated(p, hash)) updated++;
      if (isPodReady(p)) {
        ready++;
        if (isPodAvailable(p, minReady, now)) available++;
      }
    } else if (onNode.length > 0) misscheduled++;
  }
  return {
    ...(ds.status ?? {}),
    desiredNumberScheduled: desired, currentNumberScheduled: current, numberMisscheduled: misscheduled,
    numberReady: ready, numberAvailable: available, updatedNumberScheduled: updated,
    numberUnavailable: Math.max(0, desired - available),
    ...(ds.metadata?.generation !== undefined ? { observedGeneration: ds.metadata.generation } : {}),
  };
}
