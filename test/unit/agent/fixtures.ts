// Builders for the runtime-side state (sandboxes, container instances) and pods the agent tests plan against.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerStatus, SandboxStatus } from '../../../src/runtime/runtime.js';

export const UID = 'pod-uid-1';
export const T0 = Date.parse('2024-05-01T10:00:00Z');

export function at(seconds: number): Date {
  return new Date(T0 + seconds * 1000);
}

export function pod(spec: { containers?: Partial<Container>[]; initContainers?: Partial<Container>[]; restartPolicy?: string }, status?: Pod['status']): Pod {
  const named = (cs: Partial<Container>[] | undefined, prefix: string): Container[] | undefined =>
    cs?.map((c, i) => ({ name: `${prefix}${i}`, image: `img-${prefix}${i}:1`, ...c }));
  return {
    metadata: { uid: UID, name: 'web', namespace: 'default' },
    spec: {
      containers: named(spec.containers ?? [{}], 'c') ?? [],
      ...(spec.initContainers ? { initContainers: named(spec.initContainers, 'i') } : {}),
      ...(spec.restartPolicy ? { restartPolicy: spec.restartPolicy } : {}),
    },
    ...(status ? { status } : {}),
  };
}

export function sandbox(attempt: number, state: 'ready' | 'notready' = 'ready', ip = '10.0.0.5'): SandboxStatus {
  return { id: `fake://sb${attempt}`, podUid: UID, podName: 'web', namespace: 'default', attempt, state, ip, createdAt: at(attempt), labels: {} };
}

let seq = 0;

/** A container instance: `running`, `exited` with a code, or `created` (start failed). */
export function ctr(name: string, attempt: number, state: ContainerStatus['state'], opts: { exitCode?: number; image?: string; startedAt?: Date; finishedAt?: Date; reason?: string; id?: string } = {}): ContainerStatus {
  seq++;
  const exited = state === 'exited';
  return {
    id: opts.id ?? `fake://${name}-${attempt}-${seq}`,
    podUid: UID,
    name,
    attempt,
    state,
    createdAt: at(attempt * 10),
    ...(state !== 'created' ? { startedAt: opts.startedAt ?? at(attempt * 10 + 1) } : {}),
    ...(exited ? { finishedAt: opts.finishedAt ?? at(attempt * 10 + 5), exitCode: opts.exitCode ?? 0 } : {}),
    ...(opts.reason ? { reason: opts.reason } : {}),
    image: opts.image ?? `img-${name}:1`,
    imageRef: `docker-pullable://img-${name}@sha256:${name.padEnd(8, '0')}`,
    labels: {},
  };
}
