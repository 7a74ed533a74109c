// Pure helpers that turn API objects into what the dashboard shows; no DOM here, so they are unit-tested in Node.

/** @param {unknown} s */
export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** kubectl's short age: 45s, 3m, 5h, 2d. */
export function age(timestamp, nowMs = Date.now()) {
  const t = Date.parse(timestamp ?? '');
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.floor((nowMs - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function key(obj) {
  const m = obj?.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : String(m.name ?? '');
}

/** The STATUS column of `kubectl get pods`: a waiting or terminated reason wins over the phase. */
export function podStatus(pod) {
  if (pod.metadata?.deletionTimestamp) return 'Terminating';
  let reason = pod.status?.reason || pod.status?.phase || 'Pending';
  for (const c of pod.status?.initContainerStatuses ?? []) {
    if (c.state?.terminated && c.state.terminated.exitCode !== 0) return `Init:${c.state.terminated.reason || 'Error'}`;
    if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') return `Init:${c.state.waiting.reason}`;
  }
  for (const c of pod.status?.containerStatuses ?? []) {
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
  }
  return reason;
}

export function podReady(pod) {
  const statuses = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers?.length ?? statuses.length;
  return `${statuses.filter((c) => c.ready).length}/${total}`;
}

export function podRestarts(pod) {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/** A tone for a status word: ok, warn, bad or idle. */
export function tone(status) {
  if (/^(Running|Ready|Active|Complete|Completed|Succeeded|Available|Normal)$/.test(status)) return 'ok';
  if (/^(Pending|ContainerCreating|PodInitializing|Progressing|Terminating|Suspended|Init:.*)$/.test(status)) return 'warn';
  if (/^(Unknown|Idle)$/.test(status)) return 'idle';
  return 'bad';
}

export function nodeReady(node) {
  const c = (node.status?.conditions ?? []).find((x) => x.type === 'Ready');
  return c?.status === 'True' ? 'Ready' : c ? 'NotReady' : 'Unknown';
}

export function nodeRoles(node) {
  const roles = Object.keys(node.metadata?.labels ?? {}).filter((l) => l.startsWith('node-role.kubernetes.io/')).map((l) => l.slice(24));
  return roles.length ? roles.join(',') : '<none>';
}

/**
 * Where a Service is reachable from this machine: a LoadBalancer on localhost at its port, a
 * NodePort on localhost at its node port.
 */
export function serviceLinks(svc) {
  const type = svc.spec?.type ?? 'ClusterIP';
  const links = [];
  for (const p of svc.spec?.ports ?? []) {
    if ((p.protocol ?? 'TCP') !== 'TCP') continue;
    if (type === 'LoadBalancer' && p.port) links.push(`http://localhost:${p.port}`);
    else if (type === 'NodePort' && p.nodePort) links.push(`http://localhost:${p.nodePort}`);
  }
  return links;
}

export function servicePorts(svc) {
  return (svc.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

/** Ingress rules as host + path → service:port lines. */
export function ingressRules(ing) {
  const out = [];
  const backend = (b) => (b?.service ? `${b.service.name}:${b.service.port?.number ?? b.service.port?.name ?? ''}` : b?.resource ? `${b.resource.kind}/${b.resource.name}` : '');
  if (ing.spec?.defaultBackend) out.push({ host: '*', path: '', backend: backend(ing.spec.defaultBackend) });
  for (const r of ing.spec?.rules ?? []) {
    for (const p of r.http?.paths ?? []) out.push({ host: r.host || '*', path: p.path || '/', backend: backend(p.backend) });
  }
  return out;
}

/** One row per workload with its rollout state, in kubectl's words where it has them. */
export function workloadRow(kind, obj, nowMs = Date.now()) {
  const s = obj.status ?? {};
  const spec = obj.spec ?? {};
  const observed = (s.observedGeneration ?? 0) >= (obj.metadata?.generation ?? 0);
  let ready = '';
  let state = '';
  let detail = '';
  switch (kind) {
    case 'Deployment': {
      const want = spec.replicas ?? 1;
      ready = `${s.readyReplicas ?? 0}/${want}`;
      const progressing = (s.conditions ?? []).find((c) => c.type === 'Progressing');
      detail = `${s.updatedReplicas ?? 0} up-to-date, ${s.availableReplicas ?? 0} available`;
      if (spec.paused) state = 'Paused';
      else if (progressing?.reason === 'ProgressDeadlineExceeded') state = 'Failed';
      else if (observed && (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want) state = 'Complete';
      else state = 'Progressing';
      break;
    }
    case 'StatefulSet': {
      const want = spec.replicas ?? 1;
      ready = `${s.readyReplicas ?? 0}/${want}`;
      detail = `${s.updatedReplicas ?? 0} updated`;
      state = observed && (s.readyReplicas ?? 0) === want && (s.updatedReplicas ?? want) === want ? 'Complete' : 'Progressing';
      break;
    }
    case 'DaemonSet': {
      const want = s.desiredNumberScheduled ?? 0;
      ready = `${s.numberReady ?? 0}/${want}`;
      detail = `${s.updatedNumberScheduled ?? 0} up-to-date, ${s.numberAvailable ?? 0} available`;
      state = observed && (s.numberReady ?? 0) === want && (s.updatedNumberScheduled ?? 0) === want ? 'Complete' : 'Progressing';
      break;
    }
    case 'Job': {
      const want = spec.completions ?? 1;
      ready = `${s.succeeded ?? 0}/${want}`;
      const cond = (s.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
      state = cond ? cond.type : spec.suspend ? 'Suspended' : (s.active ?? 0) > 0 ? 'Running' : 'Pending';
      detail = `${s.active ?? 0} active, ${s.failed ?? 0} failed`;
      break;
    }
    case 'CronJob': {
      ready = `${(s.active ?? []).length} active`;
      state = spec.suspend ? 'Suspended' : 'Active';
      detail = `${spec.schedule ?? ''}${s.lastScheduleTime ? `, last ${age(s.lastScheduleTime, nowMs)} ago` : ''}`;
      break;
    }
    default:
      break;
  }
  return { kind, namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '', ready, state, detail, age: age(obj.metadata?.creationTimestamp, nowMs) };
}

/** CPU quantity in cores: "250m" → 0.25, "123456n" → 0.000123456. */
export function cpuCores(q) {
  const m = /^([0-9.]+)([numk]?)$/.exec(String(q ?? ''));
  if (!m) return 0;
  const f = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3 }[m[2]];
  return Number(m[1]) * f;
}

/** Memory quantity in bytes: "64Mi", "1G", "123456". */
export function memBytes(q) {
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q ?? ''));
  if (!m) return 0;
  const f = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * f;
}

export function fmtCpu(cores) {
  return cores >= 1 ? `${cores.toFixed(2)}` : `${Math.round(cores * 1000)}m`;
}

export function fmtMem(bytes) {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)}Gi`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)}Mi`;
  return `${Math.round(bytes / 1024)}Ki`;
}

/**
 * A line chart as inline SVG: the points scaled into width × height, with the latest value as text.
 * An empty series gives an empty frame, so the layout does not jump when data arrives.
 */
export function sparkline(values, { width = 120, height = 28, label = '', cls = '' } = {}) {
  // Headroom above the peak keeps a flat series visible below the top edge.
  const max = (Math.max(...values, 0) || 1) * 1.25;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const pts = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(' ');
  const line = values.length > 1 ? `<polyline points="${pts}" fill="none" stroke-width="1.5"/>` : '';
  return `<svg class="spark ${esc(cls)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}">` +
    `<rect x="0" y="0" width="${width}" height="${height}" rx="3"/>${line}</svg>`;
}

/** Events newest first, as the stream shows them. */
export function sortEvents(events) {
  const t = (e) => Date.parse(e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '') || 0;
  return [...events].sort((a, b) => t(b) - t(a));
}

export function eventCount(e) {
  return e.series?.count ?? e.count ?? 1;
}
