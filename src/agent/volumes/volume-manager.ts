/**
 * Sets up a pod's volumes on the host before its containers start: emptyDir (on disk or
 * tmpfs), hostPath, ConfigMap, Secret, downwardAPI and projected volumes written atomically
 * (and refreshed on every sync, so changes reach running pods), and PersistentVolumeClaims as
 * named engine volumes.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyToPath, Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/machinery/object.js';
import { parseQuantity } from '../../api/validation/quantity.js';
import type { Runtime } from '../../runtime/runtime.js';
import { LABEL_CLUSTER } from '../../runtime/runtime.js';
import { VolumeSetupError, type ConfigSources, type VolumeManagerApi, type VolumeMountSource } from '../contracts.js';
import { fieldPathValue, resourceFieldValue } from '../container-config/env.js';
import { writeAtomically, type FileToWrite } from './atomic-writer.js';

export interface VolumeManagerOptions {
  dataDir: string;
  runtime: Runtime;
  clusterName: string;
  sources: ConfigSources;
  claim(namespace: string, name: string): Promise<KObject | undefined>;
  persistentVolume(name: string): Promise<KObject | undefined>;
  hostIP: string;
  nodeName: string;
  nodeAllocatable: { cpu: number; memoryBytes: number };
}

/** The engine volume that backs a claim: the PV's handle when bound, else one per claim uid. */
export function claimVolumeName(cluster: string, claim: KObject, pv: KObject | undefined): string {
  const handle = (pv?.spec as { csi?: { volumeHandle?: string } } | undefined)?.csi?.volumeHandle;
  return handle ?? `skiff-${cluster}-pvc-${claim.metadata.uid ?? ''}`;
}

function itemsToFiles(data: Record<string, Buffer>, items: readonly KeyToPath[] | undefined, defaultMode: number, what: string, optional: boolean): FileToWrite[] {
  if (!items?.length) return Object.entries(data).map(([k, v]) => ({ path: k, content: v, mode: defaultMode }));
  const out: FileToWrite[] = [];
  for (const it of items) {
    const v = data[it.key];
    if (v === undefined) {
      if (optional) continue;
      // The kubelet's own wording for each plugin (FailedMount events).
      throw new Error(what === 'secret' ? `references non-existent secret key: ${it.key}` : `configmap references non-existent config key: ${it.key}`);
    }
    out.push({ path: it.path, content: v, mode: it.mode ?? defaultMode });
  }
  return out;
}

export class VolumeManager implements VolumeManagerApi {
  constructor(private readonly opts: VolumeManagerOptions) {}

  podDir(uid: string): string {
    return join(this.opts.dataDir, 'pods', uid);
  }

  async setUp(pod: Pod): Promise<Map<string, VolumeMountSource>> {
    const out = new Map<string, VolumeMountSource>();
    for (const v of pod.spec?.volumes ?? []) {
      try {
        out.set(v.name, await this.setUpVolume(pod, v));
      } catch (err) {
        if (err instanceof VolumeSetupError) throw err;
        throw new VolumeSetupError(v.name, (err as Error).message);
      }
    }
    return out;
  }

  private dirFor(pod: Pod, plugin: string, name: string): string {
    const d = join(this.podDir(pod.metadata?.uid ?? ''), 'volumes', plugin, name);
    mkdirSync(d, { recursive: true });
    return d;
  }

  private async setUpVolume(pod: Pod, v: Volume): Promise<VolumeMountSource> {
    const ns = pod.metadata?.namespace ?? 'default';
    if (v.emptyDir) {
      const dir = this.dirFor(pod, 'empty-dir', v.name);
      if (v.emptyDir.medium === 'Memory') {
        const size = v.emptyDir.sizeLimit !== undefined ? parseQuantity(String(v.emptyDir.sizeLimit)) : undefined;
        if (!this.isMountPoint(dir)) {
          try {
            // A host tmpfs is shared by every container of the pod, as an emptyDir must be.
            execFileSync('mount', ['-t', 'tmpfs', '-o', `mode=1777${size ? `,size=${Math.ceil(size)}` : ''}`, 'tmpfs', dir], { stdio: 'ignore' });
          } catch {
            return { kind: 'tmpfs', sizeBytes: size };
          }
        }
      }
      return { kind: 'hostPath', path: dir };
    }
    if (v.hostPath) {
      const p = v.hostPath.path;
      const type = v.hostPath.type ?? '';
      if (type === 'DirectoryOrCreate' && !existsSync(p)) mkdirSync(p, { recursive: true, mode: 0o755 });
      if (type === 'FileOrCreate' && !existsSync(p)) closeSync(openSync(p, 'a', 0o644));
      if (type === 'Directory' && !(existsSync(p) && statSync(p).isDirectory())) throw new VolumeSetupError(v.name, `hostPath type check failed: ${p} is not a directory`);
      if (type === 'File' && !(existsSync(p) && statSync(p).isFile())) throw new VolumeSetupError(v.name, `hostPath type check failed: ${p} is not a file`);
      return { kind: 'hostPath', path: p };
    }
    if (v.configMap) {
      const cm = await this.opts.sources.configMap(ns, v.configMap.name ?? '');
      const dir = this.dirFor(pod, 'configmap', v.name);
      if (!cm && !v.configMap.optional) throw new VolumeSetupError(v.name, `configmap "${v.configMap.name ?? ''}" not found`);
      const data: Record<string, Buffer> = {};
      for (const [k, s] of Object.entries((cm?.data ?? {}) as Record<string, string>)) data[k] = Buffer.from(s);
      for (const [k, b] of Object.entries((cm?.binaryData ?? {}) as Record<string, string>)) data[k] = Buffer.from(b, 'base64');
      writeAtomically(dir, itemsToFiles(data, v.configMap.items, v.configMap.defaultMode ?? 0o644, 'configmap', v.configMap.optional === true));
      return { kind: 'hostPath', path: dir , readOnly: true };
    }
    if (v.secret) {
      const s = await this.opts.sources.secret(ns, v.secret.secretName ?? '');
      const dir = this.dirFor(pod, 'secret', v.name);
      if (!s && !v.secret.optional) throw new VolumeSetupError(v.name, `secret "${v.secret.secretName ?? ''}" not found`);
      const data: Record<string, Buffer> = {};
      for (const [k, b] of Object.entries((s?.data ?? {}) as Record<string, string>)) data[k] = Buffer.from(b, 'base64');
      writeAtomically(dir, itemsToFiles(data, v.secret.items, v.secret.defaultMode ?? 0o644, 'secret', v.secret.optional === true));
      return { kind: 'hostPath', path: dir , readOnly: true };
    }
    if (v.downwardAPI) {
      const dir = this.dirFor(pod, 'downward-api', v.name);
      writeAtomically(dir, this.downwardFiles(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? 0o644));
      return { kind: 'hostPath', path: dir , readOnly: true };
    }
    if (v.projected) {
      const dir = this.dirFor(pod, 'projected', v.name);
      const files: FileToWrite[] = [];
      const mode = v.projected.defaultMode ?? 0o644;
      for (const src of v.projected.sources ?? []) {
        if (src.configMap) {
          const cm = await this.opts.sources.configMap(ns, src.configMap.name ?? '');
          if (!cm && !src.configMap.optional) throw new VolumeSetupError(v.name, `configmap "${src.configMap.name ?? ''}" not found`);
          const data: Record<string, Buffer> = {};
          for (const [k, s] of Object.entries((cm?.data ?? {}) as Record<string, string>)) data[k] = Buffer.from(s);
          for (const [k, b] of Object.entries((cm?.binaryData ?? {}) as Record<string, string>)) data[k] = Buffer.from(b, 'base64');
          files.push(...itemsToFiles(data, src.configMap.items, mode, 'configmap', src.configMap.optional === true));
        }
        if (src.secret) {
          const s = await this.opts.sources.secret(ns, src.secret.name ?? '');
          if (!s && !src.secret.optional) throw new VolumeSetupError(v.name, `secret "${src.secret.name ?? ''}" not found`);
          const data: Record<string, Buffer> = {};
          for (const [k, b] of Object.entries((s?.data ?? {}) as Record<string, string>)) data[k] = Buffer.from(b, 'base64');
          files.push(...itemsToFiles(data, src.secret.items, mode, 'secret', src.secret.optional === true));
        }
        if (src.downwardAPI) files.push(...this.downwardFiles(pod, src.downwardAPI.items ?? [], mode));
      }
      writeAtomically(dir, files);
      return { kind: 'hostPath', path: dir , readOnly: true };
    }
    if (v.persistentVolumeClaim) {
      const claimName = v.persistentVolumeClaim.claimName;
      const claim = await this.opts.claim(ns, claimName);
      if (!claim) throw new VolumeSetupError(v.name, `persistentvolumeclaim "${claimName}" not found`);
      const pvName = (claim.spec as { volumeName?: string } | undefined)?.volumeName;
      const phase = (claim.status as { phase?: string } | undefined)?.phase;
      if (!pvName || phase !== 'Bound') throw new VolumeSetupError(v.name, `persistentvolumeclaim "${claimName}" is not bound yet`);
      const pv = await this.opts.persistentVolume(pvName);
      const name = claimVolumeName(this.opts.clusterName, claim, pv);
      await this.opts.runtime.ensureVolume(name, { [LABEL_CLUSTER]: this.opts.clusterName, 'io.skiff.pvc': `${ns}.${claimName}` });
      return { kind: 'namedVolume', name };
    }
    // Accepted but unsupported sources (a Warning was returned on create): an empty directory.
    return { kind: 'hostPath', path: this.dirFor(pod, 'unsupported', v.name) };
  }

  private downwardFiles(pod: Pod, items: readonly { path: string; fieldRef?: { fieldPath: string }; resourceFieldRef?: { containerName?: string; resource: string; divisor?: unknown }; mode?: number }[], mode: number): FileToWrite[] {
    const ctx = { podIP: pod.status?.podIP, hostIP: this.opts.hostIP, nodeName: this.opts.nodeName };
    return items.map((it) => {
      let value = '';
      if (it.fieldRef) value = fieldPathValue(pod, it.fieldRef.fieldPath, ctx);
      else if (it.resourceFieldRef) {
        const self = pod.spec?.containers?.[0] ?? { name: '' };
        value = resourceFieldValue(pod, it.resourceFieldRef.containerName, it.resourceFieldRef.resource, it.resourceFieldRef.divisor === undefined ? undefined : String(it.resourceFieldRef.divisor), this.opts.nodeAllocatable, self);
      }
      return { path: it.path, content: Buffer.from(value), mode: it.mode ?? mode };
    });
  }

  private isMountPoint(dir: string): boolean {
    try {
      return readFileSync('/proc/self/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === dir);
    } catch {
      return false;
    }
  }

  async tearDown(podUid: string): Promise<void> {
    const dir = this.podDir(podUid);
    if (!existsSync(dir)) return;
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(dir + '/'));
    for (const m of mounts) {
      try {
        execFileSync('umount', [m], { stdio: 'ignore' });
      } catch {
        // Still in use by a container being removed; the next teardown retries.
        return;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
