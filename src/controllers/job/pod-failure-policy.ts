/** Matches a failed pod against a Job's podFailurePolicy rules, first match wins, as Kubernetes does. */
import type { PodFailurePolicy, PodFailurePolicyRule } from 'kubernetes-types/batch/v1.js';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';

export type FailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface FailurePolicyMatch {
  action: FailurePolicyAction;
  /** Why: the Failed condition's message when the action is FailJob. */
  message: string;
}

function exitCodeMatches(status: ContainerStatus, rule: PodFailurePolicyRule): boolean {
  const req = rule.onExitCodes;
  if (!req) return false;
  if (req.containerName && req.containerName !== status.name) return false;
  const code = status.state?.terminated?.exitCode;
  // A container that exited 0 did not fail, whatever the operator says.
  if (code === undefined || code === 0) return false;
  const listed = req.values.includes(code);
  return req.operator === 'In' ? listed : !listed;
}

/** The first rule that matches `pod` (which must have failed), or undefined: then the failure simply counts. */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): FailurePolicyMatch | undefined {
  const podName = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const [i, rule] of (policy?.rules ?? []).entries()) {
    const action = rule.action as FailurePolicyAction;
    if (rule.onExitCodes) {
      const c = statuses.find((s) => exitCodeMatches(s, rule));
      if (c) return { action, message: `Container ${c.name} for pod ${podName} failed with exit code ${c.state?.terminated?.exitCode ?? ''} matching ${action} rule at index ${i}` };
      continue;
    }
    for (const pattern of rule.onPodConditions ?? []) {
      const want = pattern.status || 'True';
      if (pod.status?.conditions?.some((c) => c.type === pattern.type && c.status === want)) {
        return { action, message: `Pod ${podName} has condition ${pattern.type} matching ${action} rule at index ${i}` };
      }
    }
  }
  return undefined;
}
