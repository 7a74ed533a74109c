// The dashboard page: keeps watched collections in memory, renders sections from them when they
// change (coalesced, only touching sections whose HTML changed), and runs the pod detail drawer.
import { followLog, loginToken, logout, pollMetrics, watchAll } from './api.js';
import {
  age, cpuCores, esc, eventCount, fmtCpu, fmtMem, ingressRules, key, memBytes, nodeReady, nodeRoles, podReady, podRestarts,
  podStatus, serviceLinks, servicePorts, sortEvents, sparkline, tone, workloadRow,
} from './model.js';

const COLLECTIONS = [
  ['namespaces', '/api/v1/namespaces'], ['nodes', '/api/v1/nodes'], ['pods', '/api/v1/pods'],
  ['deployments', '/apis/apps/v1/deployments'], ['statefulsets', '/apis/apps/v1/statefulsets'], ['daemonsets', '/apis/apps/v1/daemonsets'],
  ['jobs', '/apis/batch/v1/jobs'], ['cronjobs', '/apis/batch/v1/cronjobs'], ['services', '/api/v1/services'],
  ['ingresses', '/apis/networking.k8s.io/v1/ingresses'], ['events', '/api/v1/events'],
];
const WORKLOAD_KINDS = [['deployments', 'Deployment'], ['statefulsets', 'StatefulSet'], ['daemonsets', 'DaemonSet'], ['jobs', 'Job'], ['cronjobs', 'CronJob']];
const HISTORY = 60;
const MAX_EVENTS = 100;
const MAX_LOG_CHARS = 200_000;

const state = {
  data: Object.fromEntries(COLLECTIONS.map(([name]) => [name, new Map()])),
  ns: '',
  conn: 'connecting',
  /** undefined until the first poll; false when metrics.k8s.io is not served (yet). */
  metrics: undefined,
  usage: new Map(),
  selected: undefined,
};

const $ = (sel) => document.querySelector(sel);
const inNs = (o) => !state.ns || o.metadata?.namespace === state.ns;
const items = (name) => [...state.data[name].values()];
const byName = (a, b) => key(a).localeCompare(key(b));

function badge(status) {
  return `<span class="badge ${tone(status)}">${esc(status)}</span>`;
}

function table(cols, rows, empty) {
  if (!rows.length) return `<p class="empty">${esc(empty)}</p>`;
  return `<table><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function usageOf(k) {
  let u = state.usage.get(k);
  if (!u) state.usage.set(k, (u = { cpu: [], mem: [] }));
  return u;
}

function usageCells(k) {
  if (state.metrics === false) return '<td class="muted">–</td><td class="muted">–</td>';
  const u = state.usage.get(k);
  if (!u?.cpu.length) return '<td class="muted">…</td><td class="muted">…</td>';
  return `<td>${sparkline(u.cpu, { width: 60, height: 18, label: 'cpu', cls: 'cpu' })} ${fmtCpu(u.cpu.at(-1))}</td>` +
    `<td>${sparkline(u.mem, { width: 60, height: 18, label: 'memory', cls: 'mem' })} ${fmtMem(u.mem.at(-1))}</td>`;
}

const sections = {
  namespaces: () => {
    const rows = items('namespaces').sort(byName).map((n) => {
      const name = n.metadata.name;
      return `<tr data-ns="${esc(name)}" class="${state.ns === name ? 'sel' : ''}"><td><a href="#" data-ns="${esc(name)}">${esc(name)}</a></td><td>${badge(n.status?.phase ?? 'Active')}</td><td>${age(n.metadata.creationTimestamp)}</td></tr>`;
    });
    return table(['Name', 'Status', 'Age'], rows, 'No namespaces');
  },
  nodes: () => {
    const rows = items('nodes').sort(byName).map((n) => {
      const ready = nodeReady(n);
      const cap = n.status?.capacity ?? {};
      return `<tr data-key="${esc(key(n))}"><td>${esc(n.metadata.name)}</td><td>${badge(ready)}</td><td>${esc(nodeRoles(n))}</td>` +
        `<td>${esc(n.status?.nodeInfo?.kubeletVersion ?? '')}</td><td>${esc(cap.cpu ?? '')} cpu, ${esc(fmtMem(memBytes(cap.memory)))}</td>` +
        `<td>${age(n.metadata.creationTimestamp)}</td>${usageCells(`node/${n.metadata.name}`)}</tr>`;
    });
    return table(['Name', 'Status', 'Roles', 'Version', 'Capacity', 'Age', 'CPU', 'Memory'], rows, 'No nodes');
  },
  workloads: () => {
    const rows = [];
    for (const [name, kind] of WORKLOAD_KINDS) {
      for (const o of items(name).filter(inNs).sort(byName)) {
        const w = workloadRow(kind, o);
        rows.push(`<tr data-key="${esc(`${kind}/${key(o)}`)}"><td>${esc(kind)}</td><td>${esc(w.namespace)}</td><td>${esc(w.name)}</td><td>${esc(w.ready)}</td>` +
          `<td>${badge(w.state)}</td><td class="muted">${esc(w.detail)}</td><td>${w.age}</td></tr>`);
      }
    }
    return table(['Kind', 'Namespace', 'Name', 'Ready', 'Rollout', 'Details', 'Age'], rows, 'No workloads');
  },
  pods: () => {
    const rows = items('pods').filter(inNs).sort(byName).map((p) => {
      const k = key(p);
      return `<tr data-pod="${esc(k)}" class="${state.selected === k ? 'sel' : ''}"><td>${esc(p.metadata.namespace)}</td><td><a href="#" data-pod="${esc(k)}">${esc(p.metadata.name)}</a></td>` +
        `<td>${podReady(p)}</td><td>${badge(podStatus(p))}</td><td>${podRestarts(p)}</td><td>${esc(p.spec?.nodeName ?? '')}</td>` +
        `<td>${esc(p.status?.podIP ?? '')}</td><td>${age(p.metadata.creationTimestamp)}</td>${usageCells(`pod/${k}`)}</tr>`;
    });
    return table(['Namespace', 'Name', 'Ready', 'Status', 'Restarts', 'Node', 'IP', 'Age', 'CPU', 'Memory'], rows, 'No pods');
  },
  services: () => {
    const rows = items('services').filter(inNs).sort(byName).map((s) => {
      const links = serviceLinks(s).map((u) => `<a class="svc-link" href="${esc(u)}" target="_blank" rel="noopener noreferrer">${esc(u)}</a>`).join(' ');
      return `<tr data-key="${esc(key(s))}"><td>${esc(s.metadata.namespace)}</td><td>${esc(s.metadata.name)}</td><td>${esc(s.spec?.type ?? 'ClusterIP')}</td>` +
        `<td>${esc(s.spec?.clusterIP ?? '')}</td><td>${esc(servicePorts(s))}</td><td>${links || '<span class="muted">cluster only</span>'}</td><td>${age(s.metadata.creationTimestamp)}</td></tr>`;
    });
    return table(['Namespace', 'Name', 'Type', 'Cluster IP', 'Ports', 'Open', 'Age'], rows, 'No services');
  },
  ingresses: () => {
    const rows = [];
    for (const ing of items('ingresses').filter(inNs).sort(byName)) {
      for (const r of ingressRules(ing)) {
        rows.push(`<tr><td>${esc(ing.metadata.namespace)}</td><td>${esc(ing.metadata.name)}</td><td>${esc(ing.spec?.ingressClassName ?? '')}</td>` +
          `<td>${esc(r.host)}</td><td>${esc(r.path)}</td><td>${esc(r.backend)}</td></tr>`);
      }
    }
    return table(['Namespace', 'Name', 'Class', 'Host', 'Path', 'Backend'], rows, 'No ingress rules');
  },
  events: () => {
    const rows = sortEvents(items('events').filter(inNs)).slice(0, MAX_EVENTS).map((e) => {
      const io = e.involvedObject ?? e.regarding ?? {};
      const n = eventCount(e);
      return `<tr class="ev ${e.type === 'Warning' ? 'warning' : ''}"><td>${age(e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp)}</td>` +
        `<td>${esc(e.type ?? '')}</td><td>${esc(e.reason ?? '')}</td><td>${esc(`${(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`)}</td>` +
        `<td class="msg">${esc(e.message ?? e.note ?? '')}</td><td>${n > 1 ? `x${n}` : ''}</td></tr>`;
    });
    return table(['Last seen', 'Type', 'Reason', 'Object', 'Message', 'Count'], rows, 'No events');
  },
};

const rendered = {};
let renderTimer;

function render() {
  renderTimer = undefined;
  const t0 = performance.now();
  for (const [name, fn] of Object.entries(sections)) {
    const html = fn();
    if (rendered[name] === html) continue;
    rendered[name] = html;
    $(`#${name} .body`).innerHTML = html;
    $(`#${name} .count`).textContent = String($(`#${name} tbody`)?.children.length ?? 0);
  }
  renderNamespaceFilter();
  renderDetail();
  const conn = $('#conn');
  conn.textContent = state.conn;
  conn.className = `conn ${state.conn}`;
  performance.measure('skiff:render', { start: t0 });
}

/** Collections still sending their initial state; rendering waits for them (at most INITIAL_WAIT_MS). */
const syncing = new Set();
const INITIAL_WAIT_MS = 1500;
const started = Date.now();

function schedule() {
  if (syncing.size && Date.now() - started < INITIAL_WAIT_MS) {
    renderTimer ??= setTimeout(() => {
      renderTimer = undefined;
      schedule();
    }, 20);
    return;
  }
  renderTimer ??= setTimeout(render, 16);
}

function renderNamespaceFilter() {
  const names = items('namespaces').map((n) => n.metadata.name).sort();
  const html = `<option value="">all namespaces</option>${names.map((n) => `<option value="${esc(n)}"${n === state.ns ? ' selected' : ''}>${esc(n)}</option>`).join('')}`;
  if (rendered.nsFilter !== html) {
    rendered.nsFilter = html;
    $('#ns').innerHTML = html;
  }
}

// The pod drawer: status, CPU and memory charts, and the followed log of one container.
const detail = { key: undefined, container: '', stop: undefined, retry: undefined, text: '' };

function openPod(k) {
  state.selected = k;
  const pod = state.data.pods.get(k);
  const containers = pod?.spec?.containers?.map((c) => c.name) ?? [];
  startLogs(k, containers[0] ?? '');
  $('#detail').hidden = false;
  schedule();
}

function startLogs(k, container) {
  detail.stop?.();
  clearTimeout(detail.retry);
  detail.key = k;
  detail.container = container;
  detail.text = '';
  const [namespace, name] = k.split('/');
  const pre = $('#log');
  pre.textContent = '';
  $('#log-state').textContent = 'following';
  detail.stop = followLog(token, namespace, name, container, (t) => {
    detail.text = (detail.text + t).slice(-MAX_LOG_CHARS);
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.textContent = detail.text;
    if (atEnd) pre.scrollTop = pre.scrollHeight;
  }, (why) => {
    $('#log-state').textContent = why ? `waiting: ${why}` : 'ended';
    // A container that has not started yet has no log; ask again while the drawer shows it.
    if (why && detail.key === k && detail.container === container) {
      detail.retry = setTimeout(() => {
        if (detail.key === k && detail.container === container) startLogs(k, container);
      }, 2000);
    }
  });
}

function closeDetail() {
  detail.stop?.();
  clearTimeout(detail.retry);
  detail.key = undefined;
  state.selected = undefined;
  $('#detail').hidden = true;
  schedule();
}

function renderDetail() {
  if (!detail.key) return;
  const pod = state.data.pods.get(detail.key);
  const containers = pod?.spec?.containers?.map((c) => c.name) ?? [detail.container];
  const head = pod
    ? `<h3>${esc(detail.key)}</h3><p>${badge(podStatus(pod))} ready ${podReady(pod)} · restarts ${podRestarts(pod)} · node ${esc(pod.spec?.nodeName ?? '–')} · IP ${esc(pod.status?.podIP ?? '–')}</p>`
    : `<h3>${esc(detail.key)}</h3><p>${badge('Deleted')}</p>`;
  const select = `<label>container <select id="container">${containers.map((c) => `<option${c === detail.container ? ' selected' : ''}>${esc(c)}</option>`).join('')}</select></label>`;
  let charts;
  if (state.metrics === false) charts = '<p class="empty" id="no-metrics">no metrics yet: metrics.k8s.io is not served by this cluster</p>';
  else if (state.metrics === undefined) charts = '<p class="empty">loading metrics…</p>';
  else {
    const u = state.usage.get(`pod/${detail.key}`) ?? { cpu: [], mem: [] };
    charts = `<div class="charts"><figure><figcaption>CPU ${u.cpu.length ? fmtCpu(u.cpu.at(-1)) : '…'}</figcaption>${sparkline(u.cpu, { width: 300, height: 70, label: 'cpu', cls: 'cpu' })}</figure>` +
      `<figure><figcaption>Memory ${u.mem.length ? fmtMem(u.mem.at(-1)) : '…'}</figcaption>${sparkline(u.mem, { width: 300, height: 70, label: 'memory', cls: 'mem' })}</figure></div>`;
  }
  const html = head + charts + select;
  if (rendered.detail !== html) {
    rendered.detail = html;
    $('#detail-head').innerHTML = html;
  }
}

function recordUsage(sample) {
  if (!sample) {
    state.metrics = false;
    schedule();
    return;
  }
  state.metrics = true;
  const push = (k, cpu, mem) => {
    const u = usageOf(k);
    u.cpu.push(cpu);
    u.mem.push(mem);
    if (u.cpu.length > HISTORY) u.cpu.shift();
    if (u.mem.length > HISTORY) u.mem.shift();
  };
  for (const n of sample.nodes) push(`node/${n.metadata.name}`, cpuCores(n.usage?.cpu), memBytes(n.usage?.memory));
  for (const p of sample.pods) {
    const cs = p.containers ?? [];
    push(`pod/${key(p)}`, cs.reduce((s, c) => s + cpuCores(c.usage?.cpu), 0), cs.reduce((s, c) => s + memBytes(c.usage?.memory), 0));
  }
  schedule();
}

let token = '';

function start() {
  // Marks for bench/dashboard.ts: when the script ran and when the first watch event arrived.
  performance.mark('skiff:start');
  token = loginToken();
  if (!token) {
    $('#login').hidden = false;
    return;
  }
  watchAll(token, COLLECTIONS.map(([, p]) => p), {
    onReset: (i) => {
      state.data[COLLECTIONS[i][0]].clear();
      syncing.add(i);
    },
    onSynced: (i) => {
      syncing.delete(i);
      schedule();
    },
    onEvent: (i, type, obj) => {
      if (!performance.getEntriesByName('skiff:data').length) performance.mark('skiff:data');
      const m = state.data[COLLECTIONS[i][0]];
      if (type === 'DELETED') m.delete(key(obj));
      else m.set(key(obj), obj);
      schedule();
    },
    onState: (s) => {
      state.conn = s;
      if (s === 'unauthorized') {
        logout();
        $('#login').hidden = false;
      }
      schedule();
    },
  });
  pollMetrics(token, 5000, recordUsage);
  // Ages move on even when nothing changes.
  setInterval(schedule, 5000);

  document.addEventListener('click', (ev) => {
    const t = ev.target.closest('[data-pod],[data-ns],#close-detail');
    if (!t) return;
    ev.preventDefault();
    if (t.id === 'close-detail') closeDetail();
    else if (t.dataset.pod) openPod(t.dataset.pod);
    else {
      state.ns = state.ns === t.dataset.ns ? '' : t.dataset.ns;
      schedule();
    }
  });
  $('#ns').addEventListener('change', (ev) => {
    state.ns = ev.target.value;
    schedule();
  });
  $('#detail').addEventListener('change', (ev) => {
    if (ev.target.id === 'container' && detail.key) startLogs(detail.key, ev.target.value);
  });
  schedule();
}

start();
