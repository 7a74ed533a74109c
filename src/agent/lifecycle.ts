/** postStart and preStop hooks: exec in the container or an HTTP GET to the pod. */
import type { Container, LifecycleHandler } from 'kubernetes-types/core/v1.js';
import type { Runtime } from '../runtime/runtime.js';

function resolvePort(port: number | string | undefined, c: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (port && /^\d+$/.test(port)) return Number(port);
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

/** Runs a hook; resolves with an error message, or undefined on success. */
export async function runHook(runtime: Runtime, containerId: string, hook: LifecycleHandler, podIP: string | undefined, c: Container, timeoutMs: number): Promise<string | undefined> {
  if (hook.exec?.command?.length) {
    try {
      const r = await runtime.execSync(containerId, [...hook.exec.command], timeoutMs);
      return r.exitCode === 0 ? undefined : `Exec lifecycle hook (${hook.exec.command.join(' ')}) for Container "${c.name}" failed - error: command '${hook.exec.command.join(' ')}' exited with ${r.exitCode}: ${r.output.slice(0, 256)}`;
    } catch (err) {
      return `Exec lifecycle hook for Container "${c.name}" failed - error: ${(err as Error).message}`;
    }
  }
  if (hook.httpGet) {
    const host = hook.httpGet.host ?? podIP;
    const port = resolvePort(hook.httpGet.port, c);
    if (!host || !port) return `HTTP lifecycle hook for Container "${c.name}" failed - error: no host or port`;
    const url = `${(hook.httpGet.scheme ?? 'HTTP').toLowerCase()}://${host}:${port}${hook.httpGet.path ?? '/'}`;
    try {
      const headers: Record<string, string> = {};
      for (const h of hook.httpGet.httpHeaders ?? []) headers[h.name] = h.value;
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(Math.min(timeoutMs, 30_000)) });
      await res.arrayBuffer();
      return res.status >= 200 && res.status < 400 ? undefined : `HTTP lifecycle hook (${hook.httpGet.path ?? '/'}) for Container "${c.name}" failed - error: HTTP status ${res.status}`;
    } catch (err) {
      return `HTTP lifecycle hook (${hook.httpGet.path ?? '/'}) for Container "${c.name}" failed - error: ${(err as Error).message}`;
    }
  }
  if (hook.sleep?.seconds) {
    await new Promise((r) => setTimeout(r, Math.min(hook.sleep?.seconds ?? 0, timeoutMs / 1000) * 1000));
    return undefined;
  }
  return undefined;
}
