/** Label maps and label selectors rendered as text, the way Kubernetes' labels package prints them. */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';

function byKey(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** `a=1,b=2` with keys sorted, or `<none>` for an empty map. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const pairs = Object.entries(labels ?? {}).sort(byKey);
  return pairs.length === 0 ? '<none>' : pairs.map(([k, v]) => `${k}=${v}`).join(',');
}

/**
 * A LabelSelector as selector text: `app=web,tier in (be,fe),!canary`. Requirements are sorted by key and set values
 * are sorted, because Kubernetes converts the selector to a sorted requirement list before printing it.
 * An empty or missing selector gives the empty string.
 */
export function labelSelectorString(selector: LabelSelector | undefined | null): string {
  if (!selector) return '';
  const requirements: [string, string][] = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => [k, `${k}=${v}`]);
  for (const expr of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    const values = [...new Set(expr.values ?? [])].sort().join(',');
    switch (expr.operator) {
      case 'In':
        requirements.push([expr.key, `${expr.key} in (${values})`]);
        break;
      case 'NotIn':
        requirements.push([expr.key, `${expr.key} notin (${values})`]);
        break;
      case 'Exists':
        requirements.push([expr.key, expr.key]);
        break;
      case 'DoesNotExist':
        requirements.push([expr.key, `!${expr.key}`]);
        break;
      default:
        // Kubernetes refuses to convert an unknown operator, and the printers then show `<error>`.
        return '<error>';
    }
  }
  return requirements.sort(byKey).map(([, text]) => text).join(',');
}

/** labelSelectorString, but `<none>` when the selector selects by nothing (metav1.FormatLabelSelector). */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  const text = labelSelectorString(selector);
  return text === '' ? '<none>' : text;
}
