/** Small printers for coordination.k8s.io Lease, policy PodDisruptionBudget and scheduling.k8s.io PriorityClass. */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { translateTimestampSince } from './duration.js';
import { ageColumn, column, nameColumn, printerOf } from './table.js';

export const leasePrinter = printerOf<Lease>(
  [nameColumn(), column('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn()],
  (lease, now) => [lease.metadata?.name ?? '', lease.spec?.holderIdentity ?? '', translateTimestampSince(lease.metadata?.creationTimestamp, now)],
);

/** An IntOrString as Kubernetes prints it: `1` or `50%`; `N/A` when the field is unset. */
function intOrStringCell(value: number | string | undefined | null): string {
  return value === undefined || value === null ? 'N/A' : String(value);
}

export const podDisruptionBudgetPrinter = printerOf<PodDisruptionBudget>(
  [
    nameColumn(),
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn(),
  ],
  (pdb, now) => [
    pdb.metadata?.name ?? '',
    intOrStringCell(pdb.spec?.minAvailable),
    intOrStringCell(pdb.spec?.maxUnavailable),
    pdb.status?.disruptionsAllowed ?? 0,
    translateTimestampSince(pdb.metadata?.creationTimestamp, now),
  ],
);

export const priorityClassPrinter = printerOf<PriorityClass>(
  [
    nameColumn(),
    column('Value', 'integer', 'value represents the integer value of this priority class.'),
    column('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.'),
    ageColumn(),
    column('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
  ],
  (pc, now) => [
    pc.metadata?.name ?? '',
    pc.value ?? 0,
    pc.globalDefault ?? false,
    translateTimestampSince(pc.metadata?.creationTimestamp, now),
    pc.preemptionPolicy ?? '',
  ],
);
