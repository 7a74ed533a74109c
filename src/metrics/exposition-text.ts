/**
 * Writing the Prometheus text exposition format (version 0.0.4) by hand, for exporters whose
 * series are a pure function of objects they already hold: building prom-client gauges from
 * scratch on every scrape costs far more than the text itself.
 */

export interface MetricFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
}

export type Labels = Record<string, string>;

/** Anything an endpoint can ask for an exposition: a prom-client Registry or a hand-written exporter. */
export interface Exposition {
  metrics(): Promise<string>;
}

const NEEDS_ESCAPE = /[\\"\n]/;

/** A label value as the text format quotes it: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** A sample value; integers and decimals print as JavaScript prints them, as prom-client does. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return `${value}`;
}

/** One sample line, labels in the order given. */
export function sampleLine(name: string, labels: Labels, value: number): string {
  let line = name;
  let sep = '{';
  for (const key in labels) {
    line += `${sep}${key}="${escapeLabelValue(labels[key])}"`;
    sep = ',';
  }
  if (sep === ',') line += '}';
  return `${line} ${formatValue(value)}`;
}

/**
 * The sample lines one object contributes, grouped by family name. Built once per object version
 * and kept, so it must not depend on anything but the object.
 */
export class SeriesByFamily {
  private readonly lines = new Map<string, string>();

  add(family: MetricFamily, labels: Labels, value: number): void {
    const line = sampleLine(family.name, labels, value);
    const before = this.lines.get(family.name);
    this.lines.set(family.name, before === undefined ? line : `${before}\n${line}`);
  }

  /** The family's lines joined by line feeds; undefined when the object has none. */
  of(family: MetricFamily): string | undefined {
    return this.lines.get(family.name);
  }
}

/**
 * Accumulates an exposition family by family: HELP and TYPE, then the samples. Families are
 * separated by a blank line and the text ends with a line feed, the layout prom-client writes.
 */
export class ExpositionWriter {
  private readonly parts: string[] = [];

  family(family: MetricFamily): void {
    if (this.parts.length > 0) this.parts.push('');
    this.parts.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
  }

  /** Sample lines, already joined by line feeds. */
  samples(lines: string | undefined): void {
    if (lines !== undefined) this.parts.push(lines);
  }

  sample(name: string, labels: Labels, value: number): void {
    this.parts.push(sampleLine(name, labels, value));
  }

  text(): string {
    return this.parts.length > 0 ? `${this.parts.join('\n')}\n` : '';
  }
}
