/**
 * Component logs: one pino root logger for the process, a child per component
 * ({component: 'scheduler'}), JSON lines when stdout is not a terminal and a short human form
 * when it is.
 */
import { pino, stdTimeFunctions, type Logger } from 'pino';
import { formatPretty } from './pretty.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(v: string): v is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(v);
}

export interface LogOptions {
  level?: LogLevel;
  /** Human-readable lines instead of JSON; default: whether stdout is a terminal. */
  pretty?: boolean;
  /** Where lines go; default stdout. */
  write?: (line: string) => void;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const write = opts.write ?? ((line: string) => void process.stdout.write(line));
  const pretty = opts.pretty ?? process.stdout.isTTY === true;
  const colors = pretty && opts.write === undefined && process.stdout.hasColors?.() === true;
  return pino(
    {
      level: opts.level ?? 'info',
      base: undefined,
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: pretty ? (line: string) => write(formatPretty(JSON.parse(line) as Record<string, unknown>, { colors })) : write },
  );
}

const envLevel = process.env.SKIFF_LOG_LEVEL ?? '';
let root: Logger = createLogger({ level: isLogLevel(envLevel) ? envLevel : 'info' });

/** Replaces the process's root logger; `skiff up` calls this once, before starting components. */
export function configureLogging(opts: LogOptions): Logger {
  root = createLogger(opts);
  return root;
}

/** The logger of one component. */
export function logger(component: string): Logger {
  return root.child({ component });
}
