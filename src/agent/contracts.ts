/**
 * Contracts between the agent's pod worker and its helpers that turn a pod spec into runtime
 * configuration: volumes set up on the host, and containers' env, mounts, resources and
 * security. Implementations live in volumes/ and container-config/.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../api/machinery/object.js';
import type { ContainerConfig } from '../runtime/runtime.js';

/** Where a pod volume comes from when a container mounts it. */
export type VolumeMountSource =
  /** readOnly: the kubelet always mounts ConfigMap, Secret, downwardAPI and projected volumes read-only. */
  | { kind: 'hostPath'; path: string; readOnly?: boolean }
  | { kind: 'namedVolume'; name: string }
  | { kind: 'tmpfs'; sizeBytes?: number };

/** Reads the ConfigMaps and Secrets env vars and volumes refer to (through the API). */
export interface ConfigSources {
  configMap(namespace: string, name: string): Promise<KObject | undefined>;
  secret(namespace: string, name: string): Promise<KObject | undefined>;
}

/**
 * A problem with a container's configuration the user must fix (a missing ConfigMap or key,
 * runAsNonRoot with a root image): reported as CreateContainerConfigError, retried later.
 */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

/** A volume that cannot be set up yet (missing ConfigMap/Secret/PVC): event FailedMount, retried. */
export class VolumeSetupError extends Error {
  constructor(readonly volume: string, message: string) {
    super(message);
    this.name = 'VolumeSetupError';
  }
}

export interface ContainerConfigInput {
  pod: Pod;
  container: Container;
  attempt: number;
  podIP?: string;
  hostIP: string;
  nodeName: string;
  /** Node allocatable, for resourceFieldRef of unset limits. */
  nodeAllocatable: { cpu: number; memoryBytes: number };
  volumes: Map<string, VolumeMountSource>;
  sources: ConfigSources;
  /** Service environment variables (FOO_SERVICE_HOST ...), when enableServiceLinks. */
  serviceEnv: { name: string; value: string }[];
  /** Labels for the runtime (cluster, node). */
  labels: Record<string, string>;
  /** The image's default user, for runAsNonRoot checks. */
  imageUser?: string;
}

export type BuildContainerConfig = (input: ContainerConfigInput) => Promise<ContainerConfig>;

export interface VolumeManagerApi {
  /** Creates or refreshes every volume of the pod on the host; throws VolumeSetupError. */
  setUp(pod: Pod): Promise<Map<string, VolumeMountSource>>;
  /** Removes the pod's volume directories (named volumes of claims stay). */
  tearDown(podUid: string): Promise<void>;
}
