/**
 * CronJob schedules as Kubernetes reads them (standard five fields, @descriptors, @every), in a
 * time zone: node-cron parses the fields, and `next()` walks wall-clock time to the next match.
 */
import cron from 'node-cron';

/** A parsed schedule: the first activation strictly after a given instant. */
export interface Schedule {
  next(afterMs: number): number | undefined;
  /** The five-field form node-cron can run a timer for; undefined for @every. */
  readonly cronExpression?: string;
  readonly timeZone: string;
}

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

const FIELD_MAX = [59, 23, 31, 12, 6];
/** Search at most this far ahead, as robfig/cron does, so an impossible date (Feb 30) ends. */
const SEARCH_YEARS = 5;
const MINUTE = 60_000;

/** The controller's own zone stands in for a CronJob without spec.timeZone, as kube-controller-manager's local time does. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * "5/15" means "5-59/15" to Kubernetes' parser but is rejected by node-cron; write it as a range.
 * Also answers whether the field is unrestricted ("*" or "?"), which changes how day-of-month and
 * day-of-week combine.
 */
function normalizeField(field: string, index: number): { text: string; star: boolean } {
  const parts = field.split(',').map((part) => {
    const [range, step] = part.split('/');
    if (step !== undefined && range !== undefined && /^\d+$/.test(range)) return `${range}-${FIELD_MAX[index]}/${step}`;
    return part;
  });
  return { text: parts.join(','), star: field === '*' || field === '?' };
}

const GO_DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: MINUTE, h: 3_600_000 };

/** A Go duration ("1h30m", "90s") in milliseconds; undefined if malformed. */
export function parseGoDuration(text: string): number | undefined {
  const re = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (GO_DURATION_UNITS[m[2] ?? ''] ?? 0);
    matched = re.lastIndex;
  }
  return matched === text.length && text.length > 0 ? total : undefined;
}

/** Parses a schedule; throws an Error whose message says what is wrong. */
export function parseSchedule(schedule: string, timeZone: string = localTimeZone()): Schedule {
  const spec = schedule.trim();
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new Error(`unknown time zone ${timeZone}`);
  }
  if (spec.startsWith('@every ')) {
    const every = parseGoDuration(spec.slice('@every '.length).trim());
    if (every === undefined || every <= 0) throw new Error(`failed to parse duration ${spec}`);
    // Kubernetes' parser rounds the delay to whole seconds, with one second at least.
    const delay = Math.max(1000, Math.round(every / 1000) * 1000);
    return { timeZone, next: (after) => Math.floor(after / 1000) * 1000 + delay };
  }
  const expanded = DESCRIPTORS[spec] ?? spec;
  if (expanded.startsWith('@')) throw new Error(`unrecognized descriptor: ${spec}`);
  const raw = expanded.split(/\s+/).filter(Boolean);
  if (raw.length !== 5) throw new Error(`expected exactly 5 fields, found ${raw.length}: [${raw.join(' ')}]`);
  const fields = raw.map(normalizeField);
  const cronExpression = fields.map((f) => f.text).join(' ');
  const parsed = cron.parse(cronExpression);
  const sets = {
    minute: new Set(parsed.minute), hour: new Set(parsed.hour),
    dom: new Set(parsed.dayOfMonth.filter((d): d is number => typeof d === 'number')),
    month: new Set(parsed.month), dow: new Set(parsed.dayOfWeek.filter((d): d is number => typeof d === 'number')),
  };
  const domStar = fields[2]?.star ?? true;
  const dowStar = fields[4]?.star ?? true;
  const clock = wallClock(timeZone);
  const dayMatches = (p: WallTime): boolean => {
    const dom = sets.dom.has(p.day);
    const dow = sets.dow.has(p.weekday);
    // Standard cron: when both day fields are restricted, either one matching is enough.
    return domStar || dowStar ? dom && dow : dom || dow;
  };
  const next = (after: number): number | undefined => {
    let t = Math.floor(after / MINUTE) * MINUTE + MINUTE;
    const limit = after + SEARCH_YEARS * 366 * 24 * 60 * MINUTE;
    while (t <= limit) {
      const p = clock(t);
      if (!sets.month.has(p.month) || !dayMatches(p)) {
        t = startOfNextDay(t, p, clock);
        continue;
      }
      if (!sets.hour.has(p.hour)) {
        t += (60 - p.minute) * MINUTE;
        continue;
      }
      if (!sets.minute.has(p.minute)) {
        t += MINUTE;
        continue;
      }
      return t;
    }
    return undefined;
  };
  return { timeZone, cronExpression, next };
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The wall-clock reading of an instant in a zone. */
export function wallClock(timeZone: string): (ms: number) => WallTime {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short',
  });
  return (ms) => {
    const parts: Record<string, string> = {};
    for (const p of fmt.formatToParts(new Date(ms))) parts[p.type] = p.value;
    return {
      year: Number(parts['year']), month: Number(parts['month']), day: Number(parts['day']),
      hour: Number(parts['hour']) % 24, minute: Number(parts['minute']), weekday: WEEKDAYS[parts['weekday'] ?? ''] ?? 0,
    };
  };
}

/** Local midnight after `t`; a daylight-saving shift on the way is corrected by re-reading the clock. */
function startOfNextDay(t: number, p: WallTime, clock: (ms: number) => WallTime): number {
  let n = t + (24 * 60 - (p.hour * 60 + p.minute)) * MINUTE;
  const q = clock(n);
  if (q.hour !== 0 || q.minute !== 0) n += (q.hour < 12 ? -(q.hour * 60 + q.minute) : 24 * 60 - (q.hour * 60 + q.minute)) * MINUTE;
  return n <= t ? t + MINUTE : n;
}

/** RFC 3339 with the zone's offset, as Go formats a time.In(location). */
export function formatInZone(ms: number, timeZone: string): string {
  const w = wallClock(timeZone)(ms);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) + (Math.floor(ms / 1000) % 60) * 1000;
  const offsetMin = Math.round((asUtc - Math.floor(ms / 1000) * 1000) / MINUTE);
  const pad = (n: number, l = 2): string => String(n).padStart(l, '0');
  const secs = Math.floor(ms / 1000) % 60;
  const base = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(secs)}`;
  if (offsetMin === 0) return `${base}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${base}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
