/** The dashboard's watch multiplexing: which watches a request asks for, and how each event line is framed. */

export interface MuxWatch {
  /** A collection path such as /api/v1/pods or /apis/apps/v1/deployments. */
  path: string;
  resourceVersion: string;
}

const MAX_WATCHES = 16;
const COLLECTION = /^\/(api\/v1|apis\/[a-z0-9.-]+\/[a-z0-9]+)(\/namespaces\/[a-z0-9-]+)?\/[a-z0-9]+$/;

/** `?w=/api/v1/pods&rv=123&w=/api/v1/nodes&rv=` → the watches, or a message saying what is wrong. */
export function parseMuxRequest(q: URLSearchParams): MuxWatch[] | string {
  const paths = q.getAll('w');
  const rvs = q.getAll('rv');
  if (!paths.length) return 'at least one watch (w=) is required';
  if (paths.length > MAX_WATCHES) return `at most ${MAX_WATCHES} watches per request`;
  if (rvs.length && rvs.length !== paths.length) return 'rv= must be given once per w=, or not at all';
  const out: MuxWatch[] = [];
  for (const [i, path] of paths.entries()) {
    if (!COLLECTION.test(path)) return `"${path}" is not a collection path`;
    const rv = rvs[i] ?? '';
    if (!/^\d*$/.test(rv)) return `resourceVersion "${rv}" is not a number`;
    out.push({ path, resourceVersion: rv });
  }
  return out;
}

/**
 * One line of the multiplexed stream: the watch's index and its event, passed through unparsed
 * (`e`), or a reply that was not a watch event, such as an error Status (`status`).
 */
export function muxLine(index: number, event: string | undefined, raw: string): string {
  return event !== undefined ? `{"r":${index},"e":${event}}\n` : `{"r":${index},"status":${isJson(raw) ? raw : JSON.stringify(raw)}}\n`;
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}
