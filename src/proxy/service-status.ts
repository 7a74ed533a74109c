/**
 * What the proxy reports on a Service (pure): a `Listening` condition (False with reason PortInUse or
 * FailedToListen when a socket cannot be opened) and, for LoadBalancer Services whose sockets are open,
 * status.loadBalancer.ingress = the address they listen on.
 */
import type { Service } from './types.js';

export const CONDITION_LISTENING = 'Listening';
export const REASON_PORT_IN_USE = 'PortInUse';
export const REASON_FAILED_TO_LISTEN = 'FailedToListen';
export const REASON_LISTENING = 'Listening';

export interface ListenFailure {
  readonly reason: typeof REASON_PORT_IN_USE | typeof REASON_FAILED_TO_LISTEN;
  readonly message: string;
  /** The failing socket serves the LoadBalancer address. */
  readonly loadBalancer: boolean;
}

type Condition = NonNullable<NonNullable<Service['status']>['conditions']>[number];
type LoadBalancerStatus = NonNullable<NonNullable<Service['status']>['loadBalancer']>;

export interface StatusPatch {
  /** A null ingress removes it (JSON merge patch). */
  status: { conditions: Condition[]; loadBalancer: { ingress: LoadBalancerStatus['ingress'] | null } };
}

function rfc3339(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The merge patch for the Service's status, or undefined when it already says what it should. */
export function serviceStatusPatch(svc: Service, failures: readonly ListenFailure[], loadBalancerAddress: string, now: Date): StatusPatch | undefined {
  const failed = failures[0];
  const want = failed
    ? { status: 'False', reason: failed.reason, message: failures.map((f) => f.message).join('; ') }
    : { status: 'True', reason: REASON_LISTENING, message: 'the proxy listens on every port of the service' };
  const others = (svc.status?.conditions ?? []).filter((c) => c.type !== CONDITION_LISTENING);
  const prev = (svc.status?.conditions ?? []).find((c) => c.type === CONDITION_LISTENING);
  const condition: Condition = {
    type: CONDITION_LISTENING, ...want,
    lastTransitionTime: prev && prev.status === want.status ? prev.lastTransitionTime : rfc3339(now),
    ...(svc.metadata?.generation !== undefined ? { observedGeneration: svc.metadata.generation } : {}),
  };
  const isLB = svc.spec?.type === 'LoadBalancer';
  const lbUp = isLB && !failures.some((f) => f.loadBalancer);
  const ingress = lbUp ? [{ ip: loadBalancerAddress, ipMode: 'VIP' }] : [];
  const curIngress = svc.status?.loadBalancer?.ingress ?? [];
  const sameCondition = prev !== undefined && prev.status === condition.status && prev.reason === condition.reason && prev.message === condition.message;
  const sameIngress = curIngress.length === ingress.length && curIngress.every((c, i) => c.ip === ingress[i].ip);
  if (sameCondition && sameIngress) return undefined;
  return { status: { conditions: [...others, condition], loadBalancer: { ingress: ingress.length ? ingress : null } } };
}
