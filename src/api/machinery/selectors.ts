/** Label and field selectors: the full Kubernetes grammar, parsed once and matched as pure predicates. */
import { newBadRequest } from './errors.js';

export type Operator = 'in' | 'notin' | 'exists' | '!' | '=' | '!=' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export type LabelSelector = Requirement[];

const TOKEN = /\s*(!=|==|=|,|\(|\)|!|>|<|[^\s!=,()<>]+)/y;

function tokenize(input: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < input.length) {
    if (/^\s*$/.test(input.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(input);
    if (!m) throw newBadRequest(`unable to parse requirement: invalid selector: '${input}'`);
    tokens.push(m[1]);
    pos = TOKEN.lastIndex;
  }
  return tokens;
}

/** Parses `app=web,tier in (fe,be),!canary,env` as Kubernetes' labels.Parse does. */
export function parseLabelSelector(input: string | undefined): LabelSelector {
  if (!input || !input.trim()) return [];
  const t = tokenize(input);
  const reqs: Requirement[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw newBadRequest(`unable to parse requirement: ${why}: '${input}'`);
  };
  const word = (): string => {
    const w = t[i++];
    if (w === undefined || [',', '(', ')', '=', '==', '!=', '!', '>', '<'].includes(w)) fail(`found '${w ?? ''}', expected: identifier`);
    return w;
  };
  while (i < t.length) {
    if (t[i] === '!') {
      i++;
      reqs.push({ key: word(), operator: '!', values: [] });
    } else {
      const key = word();
      const op = t[i];
      if (op === undefined || op === ',') {
        reqs.push({ key, operator: 'exists', values: [] });
      } else if (op === '=' || op === '==' || op === '!=') {
        i++;
        const v = t[i] === undefined || t[i] === ',' ? '' : t[i++];
        reqs.push({ key, operator: op === '!=' ? '!=' : '=', values: [v] });
      } else if (op === '>' || op === '<') {
        i++;
        const v = word();
        if (!/^-?\d+$/.test(v)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
        reqs.push({ key, operator: op === '>' ? 'gt' : 'lt', values: [v] });
      } else if (op === 'in' || op === 'notin') {
        i++;
        if (t[i++] !== '(') fail(`found '${t[i - 1] ?? ''}', expected: '('`);
        const values: string[] = [];
        while (t[i] !== ')') {
          if (t[i] === undefined) fail(`found '', expected: ')'`);
          if (t[i] === ',') {
            i++;
            if (t[i] === ',' || t[i] === ')') values.push('');
            continue;
          }
          values.push(t[i++]);
        }
        i++;
        reqs.push({ key, operator: op, values });
      } else {
        fail(`found '${op}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    }
    if (i < t.length) {
      if (t[i] !== ',') fail(`found '${t[i]}', expected: ','`);
      i++;
    }
  }
  return reqs;
}

/** Converts a metav1.LabelSelector (matchLabels + matchExpressions) to requirements. */
export function fromLabelSelector(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): LabelSelector {
  if (!sel) return [];
  const reqs: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({ key, operator: '=' as const, values: [v] }));
  for (const e of sel.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    const operator: Operator = op === 'in' ? 'in' : op === 'notin' ? 'notin' : op === 'exists' ? 'exists' : op === 'doesnotexist' ? '!' : 'exists';
    reqs.push({ key: e.key, operator, values: e.values ?? [] });
  }
  return reqs;
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return sel.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.operator) {
      case 'exists': return has;
      case '!': return !has;
      case '=': return has && v === r.values[0];
      case '!=': return !has || v !== r.values[0];
      case 'in': return has && r.values.includes(v);
      case 'notin': return !has || !r.values.includes(v);
      case 'gt': return has && /^-?\d+$/.test(v) && Number(v) > Number(r.values[0]);
      case 'lt': return has && /^-?\d+$/.test(v) && Number(v) < Number(r.values[0]);
    }
  });
}

/** Renders requirements back to the string form (used for Scale status.selector). */
export function formatLabelSelector(sel: LabelSelector): string {
  return sel.map((r) => {
    switch (r.operator) {
      case 'exists': return r.key;
      case '!': return `!${r.key}`;
      case '=': return `${r.key}=${r.values[0]}`;
      case '!=': return `${r.key}!=${r.values[0]}`;
      case 'in': return `${r.key} in (${[...r.values].sort().join(',')})`;
      case 'notin': return `${r.key} notin (${[...r.values].sort().join(',')})`;
      case 'gt': return `${r.key}>${r.values[0]}`;
      case 'lt': return `${r.key}<${r.values[0]}`;
    }
  }).join(',');
}

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** Parses `metadata.name=web,status.phase!=Running` (field selectors support only =, == and !=). */
export function parseFieldSelector(input: string | undefined): FieldRequirement[] {
  if (!input || !input.trim()) return [];
  return splitUnescaped(input, ',').map((part) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part.trim());
    if (!m) throw newBadRequest(`invalid selector: '${input}'; can't understand '${part}'`);
    return { field: m[1], operator: m[2] === '!=' ? '!=' : '=', value: unescapeFieldValue(m[3]) };
  });
}

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) {
      cur += s[i] + s[i + 1];
      i++;
    } else if (s[i] === sep) {
      out.push(cur);
      cur = '';
    } else cur += s[i];
  }
  out.push(cur);
  return out;
}

function unescapeFieldValue(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}

/** Matches field requirements against the fields a resource exposes for selection. */
export function matchesFields(reqs: FieldRequirement[], fields: Record<string, string>): boolean {
  return reqs.every((r) => {
    const v = fields[r.field] ?? '';
    return r.operator === '=' ? v === r.value : v !== r.value;
  });
}
