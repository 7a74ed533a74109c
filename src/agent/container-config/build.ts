/**
 * Turns a pod's container into the runtime's ContainerConfig: command and args with $(VAR)
 * expansion, env, mounts from the pod's volumes, cgroup resources and security settings.
 */
import type { Container, Pod, SecurityContext } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/validation/quantity.js';
import type { ContainerConfig, ContainerResources, Mount, SecurityConfig } from '../../runtime/runtime.js';
import { ContainerConfigError, type ContainerConfigInput } from '../contracts.js';
import { buildEnv } from './env.js';
import { expand } from './expand.js';

/** CPU limit → nanoCPUs; CPU request → cpu.shares (1024 per CPU, at least 2); memory limit → bytes. */
export function containerResources(c: Container): ContainerResources {
  const out: ContainerResources = {};
  const lim = c.resources?.limits ?? {};
  const req = c.resources?.requests ?? {};
  const mem = lim.memory !== undefined ? parseQuantity(String(lim.memory)) : undefined;
  if (mem) out.memoryLimitBytes = Math.floor(mem);
  const cpuLimit = lim.cpu !== undefined ? parseQuantity(String(lim.cpu)) : undefined;
  if (cpuLimit) out.nanoCpus = Math.max(Math.round(cpuLimit * 1e9), 10_000_000);
  const cpuReq = req.cpu !== undefined ? parseQuantity(String(req.cpu)) : cpuLimit;
  // No request gives the minimum (2), not the engine's default 1024, as the kubelet's MilliCPUToShares.
  out.cpuShares = Math.min(262_144, Math.max(2, Math.floor((cpuReq ?? 0) * 1024)));
  return out;
}

/** Container security context over the pod's, as the kubelet merges them. */
export function securityConfig(pod: Pod, c: Container, imageUser: string | undefined): SecurityConfig {
  const podSc = pod.spec?.securityContext ?? {};
  const sc: SecurityContext = c.securityContext ?? {};
  const runAsUser = sc.runAsUser ?? podSc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? podSc.runAsGroup;
  const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
  // The kubelet's format.Pod: name_namespace(uid).
  const podRef = `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
  if (runAsNonRoot) {
    if (runAsUser === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy (pod: "${podRef}", container: ${c.name})`);
    if (runAsUser === undefined) {
      const u = (imageUser ?? '').split(':')[0];
      if (u === '' || u === '0') throw new ContainerConfigError(`container has runAsNonRoot and image will run as root (pod: "${podRef}", container: ${c.name})`);
      if (!/^\d+$/.test(u)) throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${u}), cannot verify user is non-root (pod: "${podRef}", container: ${c.name})`);
    }
  }
  const groups = [...(podSc.supplementalGroups ?? []), ...(podSc.fsGroup !== undefined ? [podSc.fsGroup] : [])];
  return {
    ...(runAsUser !== undefined ? { runAsUser } : {}),
    ...(runAsGroup !== undefined ? { runAsGroup } : {}),
    ...(groups.length ? { supplementalGroups: groups } : {}),
    ...(sc.readOnlyRootFilesystem ? { readOnlyRootFilesystem: true } : {}),
    ...(sc.privileged ? { privileged: true } : {}),
    ...(sc.capabilities?.add?.length ? { capAdd: [...sc.capabilities.add] } : {}),
    ...(sc.capabilities?.drop?.length ? { capDrop: [...sc.capabilities.drop] } : {}),
    ...(sc.allowPrivilegeEscalation === false ? { noNewPrivileges: true } : {}),
  };
}

export function containerMounts(c: Container, volumes: ContainerConfigInput['volumes'], envLookup: (n: string) => string | undefined): Mount[] {
  const mounts: Mount[] = [];
  for (const vm of c.volumeMounts ?? []) {
    const src = volumes.get(vm.name);
    if (!src) throw new ContainerConfigError(`cannot find volume "${vm.name}" to mount into container "${c.name}"`);
    const subPath = vm.subPathExpr ? expand(vm.subPathExpr, envLookup) : vm.subPath;
    if (subPath && (subPath.startsWith('/') || subPath.split('/').includes('..'))) throw new ContainerConfigError(`invalid subPath "${subPath}": must be a relative path without '..'`);
    const base: Mount = { containerPath: vm.mountPath, readOnly: vm.readOnly === true || (src.kind === 'hostPath' && src.readOnly === true), ...(subPath ? { subPath } : {}) };
    if (src.kind === 'hostPath') mounts.push({ ...base, hostPath: src.path });
    else if (src.kind === 'namedVolume') mounts.push({ ...base, volumeName: src.name });
    else mounts.push({ ...base, tmpfs: { sizeBytes: src.sizeBytes } });
  }
  return mounts;
}

export async function buildContainerConfig(input: ContainerConfigInput): Promise<ContainerConfig> {
  const { pod, container: c } = input;
  const env = await buildEnv(input);
  const byName = new Map(env.map((e) => [e.name, e.value]));
  const lookup = (n: string): string | undefined => byName.get(n);
  const security = securityConfig(pod, c, input.imageUser);
  return {
    podUid: pod.metadata?.uid ?? '', podName: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '',
    name: c.name, attempt: input.attempt, image: c.image ?? '',
    ...(c.command ? { command: c.command.map((s) => expand(s, lookup)) } : {}),
    ...(c.args ? { args: c.args.map((s) => expand(s, lookup)) } : {}),
    ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    env,
    mounts: containerMounts(c, input.volumes, lookup),
    resources: containerResources(c),
    security,
    stdin: c.stdin === true, stdinOnce: c.stdinOnce === true, tty: c.tty === true,
    labels: input.labels,
    ...(c.terminationMessagePath ? { terminationMessagePath: c.terminationMessagePath } : {}),
  };
}
