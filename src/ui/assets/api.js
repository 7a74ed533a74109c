// Talks to the API server: the bearer token from the login URL, list-free watching through the
// dashboard's watch multiplexer, pod log streams and metrics polling.

const TOKEN_KEY = 'skiff-token';

/** Takes the token from #token=… (then drops it from the address bar), else from this tab's session. */
export function loginToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function logout() {
  sessionStorage.removeItem(TOKEN_KEY);
}

export class Unauthorized extends Error {}

export async function apiFetch(token, path, init = {}) {
  const res = await fetch(path, { ...init, headers: { Accept: 'application/json', Authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
  if (res.status === 401) throw new Unauthorized('the login token was not accepted');
  return res;
}

/** Reads a streamed body line by line. */
async function eachLine(res, onLine, signal) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  while (!signal?.aborted) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) onLine(line);
    }
  }
}

/**
 * Keeps a set of collections in sync through one multiplexed watch: a collection without a
 * resourceVersion starts from its current state (ADDED events), later reconnects resume from the
 * last version seen, and a 410 (too old) starts that collection over.
 * `onEvent(index, type, object)`, `onReset(index)`, `onSynced(index)` once a fresh start has sent the
 * current state, `onState('live'|'reconnecting'|'unauthorized')`.
 */
export function watchAll(token, paths, { onEvent, onReset, onSynced, onState }) {
  const rvs = paths.map(() => '');
  let stopped = false;
  let controller;
  let delay = 500;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      const q = new URLSearchParams();
      paths.forEach((p, i) => {
        q.append('w', p);
        q.append('rv', rvs[i]);
        if (!rvs[i]) onReset(i);
      });
      try {
        const res = await apiFetch(token, `api/watch?${q}`, { signal: controller.signal });
        if (!res.ok) throw new Error(`watch failed: ${res.status}`);
        onState('live');
        delay = 500;
        await eachLine(res, (line) => {
          const msg = JSON.parse(line);
          const i = msg.r;
          if (msg.status) {
            rvs[i] = '';
            return;
          }
          const { type, object } = msg.e;
          if (type === 'ERROR') {
            // 410 Gone: the version is compacted away; start this collection over.
            rvs[i] = '';
            controller.abort();
            return;
          }
          if (object?.metadata?.resourceVersion) rvs[i] = object.metadata.resourceVersion;
          if (type !== 'BOOKMARK') onEvent(i, type, object);
          else if (object?.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true') onSynced(i);
        }, controller.signal);
      } catch (err) {
        if (err instanceof Unauthorized) {
          onState('unauthorized');
          return;
        }
      }
      if (stopped) return;
      onState('reconnecting');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}

/** Follows a container's log; returns a stop function. */
export function followLog(token, namespace, pod, container, onText, onEnd) {
  const controller = new AbortController();
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log?follow=true&tailLines=1000${container ? `&container=${encodeURIComponent(container)}` : ''}`;
  void (async () => {
    try {
      const res = await apiFetch(token, path, { signal: controller.signal, headers: { Accept: '*/*' } });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        onEnd(body.message ?? `logs unavailable (${res.status})`);
        return;
      }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        onText(decoder.decode(value, { stream: true }));
      }
      onEnd('');
    } catch (err) {
      if (!controller.signal.aborted) onEnd(String(err?.message ?? err));
    }
  })();
  return () => controller.abort();
}

/**
 * Polls metrics.k8s.io for node and pod usage. Until the API serves it, `onSample(undefined)`
 * tells the page there are no metrics yet; it keeps asking, so charts start once it appears.
 */
export function pollMetrics(token, intervalMs, onSample) {
  let stopped = false;
  let timer;
  const tick = async () => {
    try {
      const [nodes, pods] = await Promise.all(['nodes', 'pods'].map((r) => apiFetch(token, `/apis/metrics.k8s.io/v1beta1/${r}`)));
      if (nodes.ok && pods.ok) onSample({ nodes: (await nodes.json()).items ?? [], pods: (await pods.json()).items ?? [] });
      else onSample(undefined);
    } catch (err) {
      if (err instanceof Unauthorized) return;
      onSample(undefined);
    }
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
