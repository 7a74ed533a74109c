/**
 * metrics.k8s.io/v1beta1 objects (NodeMetrics, PodMetrics) from node summaries: pure conversion,
 * so `kubectl top` sees exactly what metrics-server would serve.
 */
import type { KObject } from '../api/machinery/object.js';
import type { PodSummary, Summary } from './summary.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** The window the agent's CPU rate covers, as metrics-server reports it. */
export const WINDOW = '10s';

export function cpuQuantity(nanoCores: number): string {
  return `${Math.max(0, Math.round(nanoCores))}n`;
}

export function memoryQuantity(bytes: number): string {
  return `${Math.max(0, Math.round(bytes / 1024))}Ki`;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}

export function nodeMetrics(meta: ObjectMeta, summary: Summary, now: Date): KObject | undefined {
  const { cpu, memory } = summary.node;
  if (cpu.usageNanoCores === undefined) return undefined;
  return {
    kind: 'NodeMetrics', apiVersion: API_VERSION,
    metadata: { name: meta.name, creationTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'), ...(meta.labels ? { labels: meta.labels } : {}) },
    timestamp: cpu.time, window: WINDOW,
    usage: { cpu: cpuQuantity(cpu.usageNanoCores), memory: memoryQuantity(memory.workingSetBytes) },
  };
}

/** A pod's metrics once every running container has a CPU rate; undefined until then (as metrics-server). */
export function podMetrics(meta: ObjectMeta, pod: PodSummary, now: Date): KObject | undefined {
  if (!pod.containers.length || pod.containers.some((c) => c.cpu.usageNanoCores === undefined)) return undefined;
  const newest = pod.containers.map((c) => c.cpu.time).sort().at(-1) ?? now.toISOString();
  return {
    kind: 'PodMetrics', apiVersion: API_VERSION,
    metadata: { name: meta.name, namespace: meta.namespace, creationTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'), ...(meta.labels ? { labels: meta.labels } : {}) },
    timestamp: newest, window: WINDOW,
    containers: pod.containers.map((c) => ({ name: c.name, usage: { cpu: cpuQuantity(c.cpu.usageNanoCores ?? 0), memory: memoryQuantity(c.memory.workingSetBytes) } })),
  };
}

export function metricsList(kind: 'NodeMetricsList' | 'PodMetricsList', items: KObject[]): KObject {
  return { kind, apiVersion: API_VERSION, metadata: {}, items } as unknown as KObject;
}
