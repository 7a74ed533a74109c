/** The terminal form of a log record: `12:00:01.123 INFO  scheduler: message key=value`. */

const COLORS: Record<string, string> = { debug: '\x1b[90m', info: '\x1b[32m', warn: '\x1b[33m', error: '\x1b[31m', fatal: '\x1b[35m' };
const RESET = '\x1b[0m';
const OWN_KEYS = new Set(['level', 'time', 'msg', 'component']);

function value(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (v && typeof v === 'object' && 'message' in v && typeof (v as { message: unknown }).message === 'string') {
    return JSON.stringify((v as { message: string }).message);
  }
  return JSON.stringify(v) ?? String(v);
}

function clock(time: unknown): string {
  const d = typeof time === 'string' || typeof time === 'number' ? new Date(time) : new Date();
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(11, 23);
}

export function formatPretty(record: Record<string, unknown>, opts: { colors?: boolean } = {}): string {
  const level = String(record.level ?? 'info');
  const label = level.toUpperCase().padEnd(5);
  const tag = opts.colors ? `${COLORS[level] ?? ''}${label}${RESET}` : label;
  const component = typeof record.component === 'string' ? `${record.component}: ` : '';
  const fields = Object.entries(record).filter(([k]) => !OWN_KEYS.has(k)).map(([k, v]) => `${k}=${value(v)}`);
  return `${clock(record.time)} ${tag} ${component}${String(record.msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}\n`;
}
